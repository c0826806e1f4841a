/**
 * The catalog: every provider the hub lists, a search box and category chips, a badge per
 * provider for this workspace (Built-in, Enabled, Enabling, Available, Blocked, Not ready)
 * and the action it allows: Enable, Disable, or Open when the provider ships its own UI.
 */
import { useId, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import type { Provider } from '../api/hub.ts';
import { useBindings, useCatalog } from '../app/queries.ts';
import { routes } from '../app/routes.ts';
import { DisableDialog } from '../components/DisableDialog.tsx';
import { EnableDialog } from '../components/EnableDialog.tsx';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import {
  bindingFor,
  categoriesOf,
  matchesSearch,
  type ProviderBadge,
  providerBadge,
} from '../logic/provider-state.ts';

function Icon({ provider }: { provider: Provider }) {
  // Only the hub's own icons: the Content-Security-Policy allows images from this origin.
  if (provider.iconURL?.startsWith('/') && !provider.iconURL.startsWith('//')) {
    return <img className="provider-icon" src={provider.iconURL} alt="" width={40} height={40} />;
  }
  return (
    <span className="provider-icon letter" aria-hidden="true">
      {(provider.displayName || provider.name).slice(0, 1).toUpperCase()}
    </span>
  );
}

function Badge({ badge }: { badge: ProviderBadge }) {
  return <span className={`badge badge-${badge.kind}`}>{badge.label}</span>;
}

export function Catalog() {
  const { ws = '' } = useParams();
  const catalog = useCatalog();
  const bindings = useBindings(ws);
  const [search, setSearch] = useState('');
  const [category, setCategory] = useState<string | null>(null);
  const [enabling, setEnabling] = useState<Provider | null>(null);
  const [disabling, setDisabling] = useState<Provider | null>(null);
  const searchId = useId();
  const providers = catalog.data?.items ?? [];
  const categories = useMemo(
    () => categoriesOf(providers, catalog.data?.categories ?? []),
    [providers, catalog.data?.categories],
  );
  const shown = providers.filter((p) => matchesSearch(p, search, category));
  const bound = bindings.data ?? [];

  return (
    <section aria-labelledby="catalog-title">
      <div className="page-header">
        <h1 id="catalog-title">Catalog</h1>
        <p className="muted">Enable a provider to use its APIs in this workspace.</p>
      </div>
      <div className="catalog-filters">
        <label htmlFor={searchId} className="visually-hidden">
          Search providers
        </label>
        <input
          id={searchId}
          type="search"
          placeholder="Search providers"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <fieldset className="chips">
          <legend className="visually-hidden">Categories</legend>
          <button
            type="button"
            className="chip"
            aria-pressed={category === null}
            onClick={() => setCategory(null)}
          >
            All
          </button>
          {categories.map((c) => (
            <button
              key={c}
              type="button"
              className="chip"
              aria-pressed={category === c}
              onClick={() => setCategory(category === c ? null : c)}
            >
              {c}
            </button>
          ))}
        </fieldset>
      </div>
      <ErrorBanner error={catalog.error} title="Could not load the catalog" />
      <ErrorBanner error={bindings.error} title="Could not read this workspace's bindings" />
      {catalog.isPending ? <Loading label="Loading the catalog" lines={4} /> : null}
      {catalog.isSuccess && providers.length === 0 ? (
        <p className="empty">
          No provider is registered yet. A platform operator adds one with a CatalogEntry.
        </p>
      ) : null}
      {catalog.isSuccess && providers.length > 0 && shown.length === 0 ? (
        <p className="empty">
          No provider matches “{search}”. Clear the search or pick another category.
        </p>
      ) : null}
      <ul className="catalog-grid" aria-label="Providers">
        {shown.map((provider) => {
          const badge = providerBadge(provider, bound, providers);
          const binding = bindingFor(provider, bound);
          return (
            <li
              key={provider.name}
              className="card provider-card"
              aria-label={provider.displayName}
            >
              <div className="provider-head">
                <Icon provider={provider} />
                <div>
                  <h2>{provider.displayName}</h2>
                  <p className="muted small">
                    {[
                      provider.builtin ? 'Built-in' : '',
                      provider.vendor,
                      provider.version,
                      provider.category,
                    ]
                      .filter(Boolean)
                      .join(' · ')}
                  </p>
                </div>
                <Badge badge={badge} />
              </div>
              <p className="provider-description">{provider.description}</p>
              {badge.detail ? <p className="badge-detail">{badge.detail}</p> : null}
              <div className="card-actions">
                {badge.kind === 'available' || badge.kind === 'blocked' ? (
                  // A blocked provider may still be asked for: the hub decides, and its
                  // answer (409, naming the dependency) is shown in the dialog.
                  <button
                    type="button"
                    className="button primary"
                    onClick={() => setEnabling(provider)}
                  >
                    Enable
                  </button>
                ) : null}
                {badge.kind === 'notReady' ? (
                  <button type="button" className="button primary" disabled>
                    Enable
                  </button>
                ) : null}
                {(badge.kind === 'enabled' || badge.kind === 'builtin') && provider.hasUI ? (
                  <Link className="button" to={routes.provider(ws, provider.name)}>
                    Open
                  </Link>
                ) : null}
                {binding ? (
                  <button
                    type="button"
                    className="button danger"
                    onClick={() => setDisabling(provider)}
                  >
                    Disable
                  </button>
                ) : null}
              </div>
            </li>
          );
        })}
      </ul>
      {enabling ? (
        <EnableDialog workspace={ws} provider={enabling} onClose={() => setEnabling(null)} />
      ) : null}
      {disabling ? (
        <DisableDialog workspace={ws} provider={disabling} onClose={() => setDisabling(null)} />
      ) : null}
    </section>
  );
}
