/**
 * URLs of the Kubernetes API under the hub's /clusters proxy. Workspace paths
 * (`root:consumers:pg`), groups, namespaces and names are validated and escaped here, so a
 * name taken from a route or an object can never steer a request to another path.
 */

/** What identifies a resource type in a workspace; group '' is the core API. */
export interface ResourceRef {
  readonly workspace: string;
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

const WORKSPACE_PATH = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(:[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

export function isWorkspacePath(path: string): boolean {
  return WORKSPACE_PATH.test(path);
}

export function clusterBase(workspace: string): string {
  if (!isWorkspacePath(workspace)) throw new Error(`not a workspace path: ${workspace}`);
  return `/clusters/${workspace}`;
}

export function groupVersionBase(workspace: string, group: string, version: string): string {
  return group === ''
    ? `${clusterBase(workspace)}/api/${encodeURIComponent(version)}`
    : `${clusterBase(workspace)}/apis/${encodeURIComponent(group)}/${encodeURIComponent(version)}`;
}

/** The collection (namespace given: in that namespace; else across all of them) or one object. */
export function resourcePath(ref: ResourceRef, namespace?: string, name?: string): string {
  let path = groupVersionBase(ref.workspace, ref.group, ref.version);
  if (namespace) path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${encodeURIComponent(ref.resource)}`;
  if (name !== undefined) path += `/${encodeURIComponent(name)}`;
  return path;
}

export function withQuery(path: string, query: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, value);
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** `apiVersion` of a group-version: `v1` for the core group, `group/version` otherwise. */
export function apiVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

/** The parts of an `apiVersion`. */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}
