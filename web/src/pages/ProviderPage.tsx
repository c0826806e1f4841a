/**
 * A provider's own UI (kedge's micro-frontend contract): the portal loads
 * /ui/providers/<name>/main.js, which defines the custom element <kedge-provider-<name>>,
 * mounts it inline, hands it `kedgeContext` (sub-path, token, user, workspace, theme, base
 * path) and hands it again on every change, and follows its `kedge-navigate` events.
 */
import { useEffect, useRef, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { useCatalog } from '../app/queries.ts';
import { routes } from '../app/routes.ts';
import { useSession } from '../app/session.tsx';
import { currentTheme, THEME_EVENT, type Theme } from '../app/theme.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';

const NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

export interface KedgeContext {
  readonly subPath: string;
  readonly token: string;
  readonly user: string;
  readonly tenant: string;
  readonly workspace: string;
  readonly theme: 'light' | 'dark';
  readonly basePath: string;
}

type ProviderElement = HTMLElement & { kedgeContext?: KedgeContext };

export default function ProviderPage() {
  const { ws = '', provider = '', '*': subPath = '' } = useParams();
  const { session } = useSession();
  const catalog = useCatalog();
  const navigate = useNavigate();
  const host = useRef<HTMLDivElement>(null);
  const element = useRef<ProviderElement | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loaded, setLoaded] = useState(false);
  const [theme, setTheme] = useState<Theme>(currentTheme);
  useEffect(() => {
    const follow = () => setTheme(currentTheme());
    window.addEventListener(THEME_EVENT, follow);
    return () => window.removeEventListener(THEME_EVENT, follow);
  }, []);
  const entry = catalog.data?.items.find((p) => p.name === provider);
  const tag = `kedge-provider-${provider}`;
  const basePath = `/ui${routes.provider(ws, provider)}`;

  useEffect(() => {
    if (!NAME.test(provider) || !entry?.hasUI) return;
    let cancelled = false;
    const version = encodeURIComponent(entry.version ?? '');
    import(/* @vite-ignore */ `/ui/providers/${provider}/main.js?v=${version}`)
      .then(() => customElements.whenDefined(tag))
      .then(() => {
        if (cancelled || !host.current) return;
        const el = document.createElement(tag) as ProviderElement;
        el.addEventListener('kedge-navigate', (event) => {
          const path = (event as CustomEvent<{ path?: string }>).detail?.path ?? '';
          navigate(routes.provider(ws, provider, path));
        });
        host.current.replaceChildren(el);
        element.current = el;
        setLoaded(true);
      })
      .catch((err: unknown) =>
        setError(new Error(`The ${provider} UI did not load: ${(err as Error).message}`)),
      );
    return () => {
      cancelled = true;
      host.current?.replaceChildren();
      element.current = null;
      setLoaded(false);
    };
  }, [provider, entry?.hasUI, entry?.version, tag, ws, navigate]);

  // Handed again on every render: a new sub-path, workspace, theme or token.
  useEffect(() => {
    if (!element.current || !session) return;
    element.current.kedgeContext = {
      subPath: `/${subPath}`,
      token: session.token,
      user: session.user,
      tenant: ws,
      workspace: ws,
      theme,
      basePath,
    };
  });

  if (!NAME.test(provider)) return <p role="alert">“{provider}” is not a provider name.</p>;
  if (catalog.isPending) return <Loading label="Loading the catalog" />;
  if (!entry) return <p role="alert">The catalog has no provider named {provider}.</p>;
  if (!entry.hasUI)
    return (
      <p className="empty">
        {entry.displayName} has no UI of its own: use its resources in the menu.
      </p>
    );
  return (
    <section aria-label={entry.displayName}>
      <ErrorBanner error={error} title={`Could not open ${entry.displayName}`} />
      {!loaded && !error ? <Loading label={`Loading ${entry.displayName}`} lines={6} /> : null}
      <div ref={host} className="provider-host" />
    </section>
  );
}
