/**
 * The hub's own API (kedge's shape): the catalog at GET /api/providers, and enable / disable
 * of a provider in a workspace at /api/workspaces/{path}/providers/{name}/…, which the hub
 * performs as the caller (its bearer token), so RBAC of the workspace decides.
 */
import type { Api } from './http.ts';
import { isWorkspacePath } from './paths.ts';

export interface PermissionClaim {
  readonly group: string;
  readonly resource: string;
  readonly verbs?: readonly string[];
  readonly tenantScoped?: boolean;
}

export interface ProviderChild {
  readonly displayName: string;
  readonly builtinRoute?: string;
}

export interface Provider {
  readonly name: string;
  readonly displayName: string;
  readonly description?: string;
  readonly version?: string;
  readonly vendor?: string;
  readonly ready: boolean;
  readonly hasUI?: boolean;
  readonly iconURL?: string;
  readonly category?: string;
  readonly dependencies?: readonly { readonly name: string }[];
  readonly apiExportPath?: string;
  /** The logical cluster of the export's workspace, '' until the hub has seen it. */
  readonly apiExportCluster?: string;
  readonly apiExportName?: string;
  readonly permissionClaims?: readonly PermissionClaim[];
  readonly children?: readonly ProviderChild[];
  readonly builtin?: boolean;
}

export interface Category {
  readonly name: string;
  readonly order?: number;
}

export interface Catalog {
  readonly items: readonly Provider[];
  readonly categories?: readonly Category[];
}

function providerBase(workspace: string, name: string): string {
  if (!isWorkspacePath(workspace)) throw new Error(`not a workspace path: ${workspace}`);
  return `/api/workspaces/${workspace}/providers/${encodeURIComponent(name)}`;
}

export function listProviders(api: Api, signal?: AbortSignal): Promise<Catalog> {
  return api.json<Catalog>('/api/providers', { signal });
}

export function enableProvider(
  api: Api,
  workspace: string,
  name: string,
  acceptedClaims: readonly { group: string; resource: string }[],
): Promise<unknown> {
  return api.json(`${providerBase(workspace, name)}/enable`, {
    method: 'POST',
    body: { acceptedClaims },
  });
}

export function disableProvider(api: Api, workspace: string, name: string): Promise<unknown> {
  return api.json(`${providerBase(workspace, name)}/disable`, { method: 'POST', body: {} });
}
