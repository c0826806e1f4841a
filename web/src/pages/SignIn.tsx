/**
 * Sign in with a bearer token (the kind a kubeconfig holds) and the workspace to start in,
 * or, when the hub has an issuer, "Sign in with <issuer>": the page goes to the hub's
 * /auth/authorize (the workspace and the page to return to wait in sessionStorage), the
 * issuer's sign-in page sends the browser back through the hub to /signin?sso=done, and
 * the page asks the hub for the ID token. Either token is checked with a SelfSubjectReview
 * in the workspace, which also tells who it is; no token goes into a URL, and the form is
 * never submitted as a navigation.
 */
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { Navigate, useLocation, useNavigate, useSearchParams } from 'react-router';
import { Api, ApiError } from '../api/http.ts';
import { clusterBase, isWorkspacePath } from '../api/paths.ts';
import { AUTHORIZE_PATH, issuedToken, issuerName, signInConfig } from '../api/sign-in.ts';
import { routes } from '../app/routes.ts';
import { refreshAtOf, type Session, useSession } from '../app/session.tsx';
import { ErrorBanner } from '../components/ErrorBanner.tsx';

/** What a sign-in with the issuer remembers across the round trip. */
const PENDING_KEY = 'canopy.sso.pending';

interface Pending {
  readonly workspace: string;
  readonly issuer: string;
  readonly from?: string;
}

function takePending(): Pending | null {
  const raw = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  try {
    const parsed = raw ? (JSON.parse(raw) as Partial<Pending>) : null;
    return parsed && typeof parsed.workspace === 'string' && typeof parsed.issuer === 'string'
      ? {
          workspace: parsed.workspace,
          issuer: parsed.issuer,
          ...(parsed.from ? { from: parsed.from } : {}),
        }
      : null;
  } catch {
    return null;
  }
}

/** Who `bearer` is in `ws` (a SelfSubjectReview there), with the errors said for people. */
async function review(bearer: string, ws: string) {
  const api = new Api(bearer, () => undefined);
  try {
    const answer = await api.json<SelfSubjectReview>(
      `${clusterBase(ws)}/apis/authentication.k8s.io/v1/selfsubjectreviews`,
      {
        method: 'POST',
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
      },
    );
    return answer.status?.userInfo ?? {};
  } catch (err) {
    if (err instanceof ApiError && err.code === 401) {
      throw new ApiError(
        401,
        'The token was not accepted: it is wrong, expired or revoked.',
        'Unauthorized',
      );
    }
    if (err instanceof ApiError && err.code === 403) {
      throw new ApiError(403, `This token may not enter ${ws}: ${err.message}`, err.reason);
    }
    throw err;
  }
}

interface SelfSubjectReview {
  status?: { userInfo?: { username?: string; groups?: string[] } };
}

export function SignIn() {
  const { session, signIn } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [search] = useSearchParams();
  const [token, setToken] = useState('');
  const [workspace, setWorkspace] = useState('root');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const tokenId = useId();
  const wsId = useId();
  const config = useQuery({ queryKey: ['sign-in-config'], queryFn: signInConfig });
  const issuer = config.data?.oidc?.issuer;
  const ssoResult = search.get('sso');
  const ssoError = search.get('sso_error');
  const finishing = useRef(false);

  const enter = async (bearer: string, ws: string, extra: Partial<Session>, from?: string) => {
    const info = await review(bearer, ws);
    signIn({
      token: bearer,
      user: info.username ?? '',
      groups: info.groups ?? [],
      home: ws,
      ...extra,
    });
    navigate(from?.startsWith('/w/') ? from : routes.catalog(ws), { replace: true });
  };

  // Back from the issuer: the hub holds the session; take its ID token, once.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs for the answer in the URL only
  useEffect(() => {
    if (finishing.current || (!ssoError && ssoResult !== 'done')) return;
    finishing.current = true;
    const pending = takePending();
    if (ssoError) {
      // Only for a sign-in this tab started: a link cannot put words on this page.
      if (pending) {
        setWorkspace(pending.workspace);
        setError(new Error(ssoError));
      }
      return;
    }
    setBusy(true);
    issuedToken()
      .then((issued) =>
        enter(
          issued.token,
          pending?.workspace ?? 'root',
          {
            issuer: pending?.issuer || 'oidc',
            ...(issued.refreshIn !== undefined ? { refreshAt: refreshAtOf(issued.refreshIn) } : {}),
          },
          pending?.from,
        ),
      )
      .catch((err: unknown) => {
        setError(err);
        navigate(routes.signIn(), { replace: true });
      })
      .finally(() => setBusy(false));
  }, [ssoError, ssoResult]);

  if (session && !busy) return <Navigate to={routes.catalog(session.home)} replace />;

  const workspaceOrError = (): string | undefined => {
    const ws = workspace.trim().replace(/^:/, '');
    if (isWorkspacePath(ws)) return ws;
    setError(new Error(`“${ws}” is not a workspace path: use the form root:team:project.`));
    return undefined;
  };
  const from = (location.state as { from?: string } | null)?.from;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const ws = workspaceOrError();
    if (!ws) return;
    const bearer = token.trim();
    if (!bearer) {
      setError(new Error('Paste a bearer token.'));
      return;
    }
    setBusy(true);
    try {
      await enter(bearer, ws, {}, from);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const signInWithIssuer = () => {
    setError(null);
    const ws = workspaceOrError();
    if (!ws) return;
    if (!issuer) return;
    const pending: Pending = { workspace: ws, issuer, ...(from ? { from } : {}) };
    sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
    window.location.assign(AUTHORIZE_PATH);
  };

  return (
    <main className="sign-in">
      <form className="card sign-in-card" onSubmit={submit} autoComplete="off">
        <h1>Sign in to Canopy</h1>
        <p className="muted">
          Paste a bearer token: the <code>token</code> of a user in a kubeconfig, or one from{' '}
          <code>kubectl create token</code>.
        </p>
        <label htmlFor={tokenId}>Token</label>
        <input
          id={tokenId}
          name="token"
          type="password"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          spellCheck={false}
          required
        />
        <label htmlFor={wsId}>Workspace</label>
        <input
          id={wsId}
          name="workspace"
          value={workspace}
          onChange={(e) => setWorkspace(e.target.value)}
          spellCheck={false}
          placeholder="root:consumers:pg"
        />
        <ErrorBanner error={error} title="Could not sign in" />
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {issuer ? (
          <>
            <p className="sign-in-or muted">or, in the workspace above</p>
            <button
              type="button"
              className="button"
              disabled={busy}
              onClick={signInWithIssuer}
              title={issuer}
            >
              Sign in with {issuerName(issuer)}
            </button>
          </>
        ) : null}
      </form>
    </main>
  );
}
