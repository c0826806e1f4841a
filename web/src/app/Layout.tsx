/**
 * The frame of every signed-in page: a header with the current workspace path (always
 * visible), the user, the theme switch, the kubeconfig download and Sign out; a side navigation with the catalog,
 * the workspace tree and the enabled providers grouped by category, each listing the
 * resources it brings. Below 760 px the navigation folds behind a Menu button.
 */
import { useEffect, useState } from 'react';
import { Link, NavLink, Outlet, useLocation, useParams } from 'react-router';
import { pluralKind } from '../api/discovery.ts';
import { isWorkspacePath } from '../api/paths.ts';
import { KubeconfigButton } from '../components/KubeconfigButton.tsx';
import { categoriesOf } from '../logic/provider-state.ts';
import { useCatalog, useEnabledProviders } from './queries.ts';
import { routes } from './routes.ts';
import { useSession } from './session.tsx';
import { applyTheme, currentTheme, type Theme } from './theme.ts';

function Breadcrumbs({ workspace }: { workspace: string }) {
  const parts = workspace.split(':');
  return (
    <nav aria-label="Workspace path" className="breadcrumbs">
      <ol>
        {parts.map((part, i) => {
          const path = parts.slice(0, i + 1).join(':');
          return (
            <li key={path}>
              {i > 0 ? <span className="separator">:</span> : null}
              {i === parts.length - 1 ? (
                <span aria-current="page">{part}</span>
              ) : (
                <Link to={routes.workspaces(path)}>{part}</Link>
              )}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}

function SideNav({ workspace }: { workspace: string }) {
  const catalog = useCatalog();
  const { providers, loading } = useEnabledProviders(workspace);
  const categories = categoriesOf(
    providers.map((p) => p.provider),
    catalog.data?.categories ?? [],
  );
  return (
    <nav aria-label="Main" className="side-nav">
      <ul>
        <li>
          <NavLink to={routes.catalog(workspace)}>Catalog</NavLink>
        </li>
        <li>
          <NavLink to={routes.workspaces(workspace)}>Workspaces</NavLink>
        </li>
      </ul>
      {loading && providers.length === 0 ? <p className="nav-note">Loading providers…</p> : null}
      {!loading && providers.length === 0 ? (
        <p className="nav-note">No provider enabled here yet: enable one in the catalog.</p>
      ) : null}
      {categories.map((category) => (
        <section key={category} aria-label={category}>
          <h2 className="nav-heading">{category}</h2>
          <ul>
            {providers
              .filter((p) => (p.provider.category || 'Other') === category)
              .map(({ provider, resources }) => (
                <li key={provider.name}>
                  <span className="nav-provider">{provider.displayName}</span>
                  <ul>
                    {provider.hasUI ? (
                      <li>
                        <NavLink to={routes.provider(workspace, provider.name)}>Overview</NavLink>
                      </li>
                    ) : null}
                    {resources.map((r) => (
                      <li key={`${r.group}/${r.name}`}>
                        <NavLink
                          to={routes.list(workspace, {
                            group: r.group,
                            version: r.version,
                            resource: r.name,
                          })}
                        >
                          {pluralKind(r.kind, r.name)}
                        </NavLink>
                      </li>
                    ))}
                  </ul>
                </li>
              ))}
          </ul>
        </section>
      ))}
    </nav>
  );
}

export function Layout() {
  const { ws = '' } = useParams();
  const { session, signOut } = useSession();
  const [theme, setTheme] = useState<Theme>(currentTheme);
  const [menuOpen, setMenuOpen] = useState(false);
  const location = useLocation();
  // biome-ignore lint/correctness/useExhaustiveDependencies: close the menu on every navigation
  useEffect(() => setMenuOpen(false), [location.pathname]);
  if (!isWorkspacePath(ws)) {
    return (
      <main className="page">
        <p role="alert">“{ws}” is not a workspace path (like root:consumers:pg).</p>
      </main>
    );
  }
  const toggleTheme = () => {
    const next = theme === 'dark' ? 'light' : 'dark';
    applyTheme(next, true);
    setTheme(next);
  };
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top-bar">
        <button
          type="button"
          className="button menu-button"
          aria-expanded={menuOpen}
          aria-controls="side-nav"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
        <Link to={routes.catalog(ws)} className="brand">
          Canopy
        </Link>
        <Breadcrumbs workspace={ws} />
        <div className="top-actions">
          <span className="user" title={session?.groups.join(', ')}>
            {session?.user}
          </span>
          <button
            type="button"
            className="button small"
            onClick={toggleTheme}
            aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}
          >
            {theme === 'dark' ? 'Light' : 'Dark'}
          </button>
          <KubeconfigButton workspace={ws} />
          <button type="button" className="button small" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <div className="body">
        <div id="side-nav" className={menuOpen ? 'nav-panel open' : 'nav-panel'}>
          <SideNav workspace={ws} />
        </div>
        <main id="main" className="page" tabIndex={-1}>
          <Outlet />
        </main>
      </div>
    </div>
  );
}
