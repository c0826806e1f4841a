/**
 * The portal's URLs (under /ui). The workspace path is part of every page's URL, so a link
 * or a reload lands in the same workspace; the core API group is spelled `core` and a
 * cluster-scoped object's namespace `-`.
 */
/** Where the hub serves the portal: the router's basename. */
export const BASE = '/ui';
export const CORE = 'core';
export const NO_NAMESPACE = '-';

export interface TypeRoute {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

export const routes = {
  signIn: () => '/signin',
  catalog: (ws: string) => `/w/${ws}/catalog`,
  workspaces: (ws: string) => `/w/${ws}/workspaces`,
  list: (ws: string, t: TypeRoute) =>
    `/w/${ws}/r/${t.group || CORE}/${encodeURIComponent(t.version)}/${encodeURIComponent(t.resource)}`,
  create: (ws: string, t: TypeRoute) => `${routes.list(ws, t)}/new`,
  detail: (ws: string, t: TypeRoute, namespace: string | undefined, name: string) =>
    `${routes.list(ws, t)}/${encodeURIComponent(namespace || NO_NAMESPACE)}/${encodeURIComponent(name)}`,
  edit: (ws: string, t: TypeRoute, namespace: string | undefined, name: string) =>
    `${routes.detail(ws, t, namespace, name)}/edit`,
  provider: (ws: string, name: string, subPath = '') =>
    `/w/${ws}/p/${encodeURIComponent(name)}${subPath ? `/${subPath.replace(/^\/+/, '')}` : ''}`,
};

export function groupFromRoute(group: string | undefined): string {
  return !group || group === CORE ? '' : group;
}

export function namespaceFromRoute(namespace: string | undefined): string | undefined {
  return !namespace || namespace === NO_NAMESPACE ? undefined : namespace;
}

/** An object's page (detail, edit): its workspace, type, namespace and name from the URL's parameters. */
export function objectFromRoute(params: Readonly<Partial<Record<string, string>>>) {
  const ws = params.ws ?? '';
  const type: TypeRoute = {
    group: groupFromRoute(params.group),
    version: params.version ?? '',
    resource: params.resource ?? '',
  };
  return {
    ws,
    type,
    ref: { workspace: ws, ...type },
    namespace: namespaceFromRoute(params.namespace),
    name: params.name ?? '',
  };
}
