/**
 * The kcp API calls the plugins make, over a Transport: discovery, Workspaces
 * (tenancy.kcp.io/v1alpha1), APIBindings and APIExports (apis.kcp.io, whichever version
 * the server prefers). Only the fields the plugins read are typed.
 */
import type { Condition } from '../../apimachinery/meta.ts';
import { requestPath } from './paths.ts';
import { ApiError, expectOk, isForbidden, isNotFound, type Transport } from './transport.ts';

export interface WorkspaceTypeReference {
  name: string;
  path?: string;
}

export interface Workspace {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; deletionTimestamp?: string; [k: string]: unknown };
  spec?: {
    type?: WorkspaceTypeReference;
    URL?: string;
    cluster?: string;
    mount?: unknown;
    location?: { selector?: unknown };
  };
  status?: { phase?: string };
}

export interface GroupResource {
  group?: string;
  resource: string;
}

export interface PermissionClaim extends GroupResource {
  identityHash?: string;
  verbs?: string[];
  /** v1alpha1 only. */
  all?: boolean;
}

export interface AcceptablePermissionClaim extends PermissionClaim {
  selector?: { matchAll?: boolean; [k: string]: unknown };
  state?: string;
}

export interface APIBinding {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; resourceVersion?: string; [k: string]: unknown };
  spec?: {
    reference?: { export?: { path?: string; name?: string } };
    permissionClaims?: AcceptablePermissionClaim[];
  };
  status?: {
    phase?: string;
    conditions?: Condition[];
    /** The claims the export makes, as the binding controller last saw them. */
    exportPermissionClaims?: PermissionClaim[];
  };
}

export interface APIExport {
  metadata: { name: string };
  spec?: {
    /** v1alpha2: the exported resources and their schemas. */
    resources?: Array<{ group?: string; name: string; schema: string }>;
    permissionClaims?: PermissionClaim[];
  };
}

interface List<T> {
  items?: T[];
}

export const TENANCY = 'tenancy.kcp.io/v1alpha1';
export const APIS_GROUP = 'apis.kcp.io';

function enc(name: string): string {
  return encodeURIComponent(name).replace(/%7E/gi, '~');
}

/** kcp calls on one server (one transport, any workspace). */
export class KcpClient {
  readonly transport: Transport;
  constructor(transport: Transport) {
    this.transport = transport;
  }

  async get<T>(path: string): Promise<T> {
    return expectOk<T>(await this.transport.request('GET', path));
  }

  async create<T>(path: string, body: unknown): Promise<T> {
    return expectOk<T>(await this.transport.request('POST', path, body));
  }

  async update<T>(path: string, body: unknown): Promise<T> {
    return expectOk<T>(await this.transport.request('PUT', path, body));
  }

  /**
   * client-go's ServerGroups as `kubectl ws` uses it: true when the caller may not see
   * the workspace (403 on discovery, or no API groups at all). A 404 on `/api` is
   * tolerated; on `/apis` it counts as no groups. Other failures throw.
   */
  async discoveryDenied(path: string): Promise<boolean> {
    let groups = 0;
    try {
      const legacy = await this.get<{ versions?: string[] }>(`${requestPath(path)}/api`);
      if ((legacy?.versions ?? []).length > 0) groups++;
    } catch (err) {
      if (isForbidden(err)) return true;
      if (!isNotFound(err)) throw err;
    }
    try {
      const list = await this.get<{ groups?: unknown[] }>(`${requestPath(path)}/apis`);
      groups += (list?.groups ?? []).length;
    } catch (err) {
      if (isForbidden(err) || isNotFound(err)) return true;
      throw err;
    }
    return groups === 0;
  }

  getWorkspace(path: string, name: string): Promise<Workspace> {
    return this.get<Workspace>(`${requestPath(path)}/apis/${TENANCY}/workspaces/${enc(name)}`);
  }

  async listWorkspaces(path: string): Promise<Workspace[]> {
    const list = await this.get<List<Workspace>>(`${requestPath(path)}/apis/${TENANCY}/workspaces`);
    return list?.items ?? [];
  }

  createWorkspace(path: string, workspace: Workspace): Promise<Workspace> {
    return this.create<Workspace>(`${requestPath(path)}/apis/${TENANCY}/workspaces`, workspace);
  }

  /**
   * The version of `group` that serves `resource`, preferring the group's preferred
   * version (discovery.ServerPreferredResources). Throws `server does not serve …`.
   */
  async preferredVersion(path: string, group: string, resource: string): Promise<string> {
    const list = await this.get<{
      groups?: Array<{
        name: string;
        versions?: Array<{ version: string }>;
        preferredVersion?: { version: string };
      }>;
    }>(`${requestPath(path)}/apis`);
    const found = (list?.groups ?? []).find((g) => g.name === group);
    if (found) {
      const versions = (found.versions ?? []).map((v) => v.version);
      const preferred = found.preferredVersion?.version;
      const ordered = preferred
        ? [preferred, ...versions.filter((v) => v !== preferred)]
        : versions;
      for (const version of ordered) {
        try {
          const resources = await this.get<{ resources?: Array<{ name: string }> }>(
            `${requestPath(path)}/apis/${group}/${version}`,
          );
          if ((resources?.resources ?? []).some((r) => r.name === resource)) return version;
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
        }
      }
    }
    throw new Error(`server does not serve ${resource}.${group}`);
  }

  private bindings(path: string, version: string): string {
    return `${requestPath(path)}/apis/${APIS_GROUP}/${version}/apibindings`;
  }

  async listAPIBindings(path: string, version: string): Promise<APIBinding[]> {
    const list = await this.get<List<APIBinding>>(this.bindings(path, version));
    return list?.items ?? [];
  }

  getAPIBinding(path: string, version: string, name: string): Promise<APIBinding> {
    return this.get<APIBinding>(`${this.bindings(path, version)}/${enc(name)}`);
  }

  createAPIBinding(path: string, version: string, binding: APIBinding): Promise<APIBinding> {
    return this.create<APIBinding>(this.bindings(path, version), binding);
  }

  updateAPIBinding(path: string, version: string, binding: APIBinding): Promise<APIBinding> {
    return this.update<APIBinding>(
      `${this.bindings(path, version)}/${enc(binding.metadata.name)}`,
      binding,
    );
  }

  async deleteAPIBinding(path: string, version: string, name: string): Promise<void> {
    await expectOk<unknown>(
      await this.transport.request('DELETE', `${this.bindings(path, version)}/${enc(name)}`),
    );
  }

  getAPIExport(path: string, version: string, name: string): Promise<APIExport> {
    return this.get<APIExport>(
      `${requestPath(path)}/apis/${APIS_GROUP}/${version}/apiexports/${enc(name)}`,
    );
  }
}

/** `resource` for the core group, `resource.group` otherwise, `:identityHash` appended when set. */
export function claimString(claim: PermissionClaim): string {
  if (!claim.group) return claim.resource;
  return claim.identityHash
    ? `${claim.resource}.${claim.group}:${claim.identityHash}`
    : `${claim.resource}.${claim.group}`;
}

/** `<path>:<name>` of a workspace type reference (just the name when it has no path). */
export function typeString(type: WorkspaceTypeReference | undefined): string {
  if (!type) return '';
  return type.path ? `${type.path}:${type.name}` : type.name;
}
