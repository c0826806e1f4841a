/** What a workspace serves of an API group: its preferred version and resources (kinds). */
import type { Api } from './http.ts';
import { clusterBase, groupVersionBase } from './paths.ts';

export interface ApiResource {
  readonly name: string;
  readonly singularName?: string;
  readonly namespaced: boolean;
  readonly kind: string;
  readonly verbs: readonly string[];
  readonly shortNames?: readonly string[];
}

export interface GroupResources {
  readonly group: string;
  readonly version: string;
  readonly resources: readonly ApiResource[];
}

interface ApiGroup {
  readonly preferredVersion?: { version: string };
  readonly versions?: readonly { version: string }[];
}

export async function groupResources(
  api: Api,
  workspace: string,
  group: string,
  signal?: AbortSignal,
): Promise<GroupResources> {
  let version = 'v1';
  if (group !== '') {
    const info = await api.json<ApiGroup>(
      `${clusterBase(workspace)}/apis/${encodeURIComponent(group)}`,
      { signal },
    );
    version = info.preferredVersion?.version ?? info.versions?.[0]?.version ?? 'v1';
  }
  const list = await api.json<{ resources?: ApiResource[] }>(
    groupVersionBase(workspace, group, version),
    { signal },
  );
  // Subresources (clusters/status) are not lists of their own.
  const resources = (list.resources ?? []).filter((r) => !r.name.includes('/'));
  return { group, version, resources };
}

/**
 * The plural a person reads for a kind: "Clusters", "Policies", "Databases"; the resource's
 * own plural when the kind does not pluralize regularly.
 */
export function pluralKind(kind: string, resource: string): string {
  if (!kind) return resource;
  const lower = kind.toLowerCase();
  if (resource === `${lower}s`) return `${kind}s`;
  if (resource === `${lower}es`) return `${kind}es`;
  if (lower.endsWith('y') && resource === `${lower.slice(0, -1)}ies`)
    return `${kind.slice(0, -1)}ies`;
  return resource;
}
