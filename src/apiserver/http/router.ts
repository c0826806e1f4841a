/**
 * The first split of a request path: health and version endpoints (no credentials),
 * metrics, and logical-cluster requests — `/clusters/<path|name>/…`, or the bare `/api`,
 * `/apis`, `/openapi` paths, which go to the default cluster (root, or the single
 * cluster of plain mode).
 */

export type Route =
  | { readonly kind: 'health'; readonly check: 'livez' | 'readyz' | 'healthz' }
  | { readonly kind: 'version' }
  | { readonly kind: 'metrics' }
  /** `cluster` is a workspace path or logical cluster name; `path` is what follows it. */
  | {
      readonly kind: 'cluster';
      readonly cluster: string;
      readonly path: string;
      readonly explicit: boolean;
    }
  | { readonly kind: 'services'; readonly path: string }
  | { readonly kind: 'notFound' };

const HEALTH = /^\/(livez|readyz|healthz)(\/.*)?$/;

/**
 * The path and query of a request target, as sent: no dot segments removed (`…/configmaps/..`
 * names an object called `..`, which is refused, not the namespace), escapes left for the
 * segments to decode. An absolute-form target (`https://host/api`) counts by its path.
 */
export function requestTarget(url: string): { path: string; query: URLSearchParams } {
  const withoutFragment = url.split('#', 1)[0] ?? '';
  const q = withoutFragment.indexOf('?');
  let path = q < 0 ? withoutFragment : withoutFragment.slice(0, q);
  const absolute = /^[a-z][a-z\d+.-]*:\/\/[^/]*/i.exec(path);
  if (absolute) path = path.slice(absolute[0].length) || '/';
  return { path, query: new URLSearchParams(q < 0 ? '' : withoutFragment.slice(q + 1)) };
}

export function route(
  pathname: string,
  options: { defaultCluster: string; workspaces: boolean },
): Route {
  const health = HEALTH.exec(pathname);
  if (health) return { kind: 'health', check: health[1] as 'livez' | 'readyz' | 'healthz' };
  if (pathname === '/version' || pathname === '/version/') return { kind: 'version' };
  if (pathname === '/metrics') return { kind: 'metrics' };
  if (options.workspaces && pathname.startsWith('/clusters/')) {
    const rest = pathname.slice('/clusters/'.length);
    const slash = rest.indexOf('/');
    const cluster = decodeSegment(slash < 0 ? rest : rest.slice(0, slash));
    const path = slash < 0 ? '/' : rest.slice(slash);
    if (!cluster) return { kind: 'notFound' };
    // The same for every workspace (kubectl asks it of its server URL): nothing to guard.
    if (path === '/version' || path === '/version/') return { kind: 'version' };
    return { kind: 'cluster', cluster, path, explicit: true };
  }
  if (options.workspaces && pathname.startsWith('/services/'))
    return { kind: 'services', path: pathname };
  if (/^\/(api|apis|openapi)(\/|$)/.test(pathname) || pathname === '/') {
    return { kind: 'cluster', cluster: options.defaultCluster, path: pathname, explicit: false };
  }
  return { kind: 'notFound' };
}

/** A percent-decoded path segment; undefined when its escapes are malformed (`%zz`). */
function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
