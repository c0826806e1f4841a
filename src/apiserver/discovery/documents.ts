/**
 * Discovery documents for one logical cluster, built from the types it serves: legacy
 * (APIVersions, APIGroupList, APIGroup, APIResourceList) and aggregated
 * (apidiscovery.k8s.io APIGroupDiscoveryList, v2 and v2beta1 share the shape).
 */
import { atVersion, type ResourceType } from '../registry/resource-type.ts';

export interface APIResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
}

export interface GroupVersionForDiscovery {
  groupVersion: string;
  version: string;
}

export interface APIGroup {
  kind?: 'APIGroup';
  apiVersion?: 'v1';
  name: string;
  versions: GroupVersionForDiscovery[];
  preferredVersion: GroupVersionForDiscovery;
}

export interface APIResourceList {
  kind: 'APIResourceList';
  apiVersion: 'v1';
  groupVersion: string;
  resources: APIResource[];
}

interface DiscoveryResource {
  resource: string;
  responseKind: { group: string; version: string; kind: string };
  scope: 'Namespaced' | 'Cluster';
  singularResource: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: Array<{
    subresource: string;
    responseKind: { group: string; version: string; kind: string };
    verbs: string[];
  }>;
}

export interface APIGroupDiscovery {
  metadata: { name: string; creationTimestamp: null };
  versions: Array<{ version: string; resources: DiscoveryResource[]; freshness: 'Current' }>;
}

export interface Documents {
  /** Core group versions (`/api`). */
  readonly coreVersions: string[];
  /** Every non-core group, in preference order (`/apis`). */
  readonly groups: APIGroup[];
  /** `api/v1`, `apis/<group>/<version>` → resource list. */
  readonly resourceLists: Map<string, APIResourceList>;
  /** Aggregated items: the core group alone, and every other group. */
  readonly aggregatedCore: APIGroupDiscovery[];
  readonly aggregatedGroups: APIGroupDiscovery[];
}

const SUBRESOURCE_VERBS = ['get', 'patch', 'update'];

/** Version order of Kubernetes: GA, then beta, then alpha, newer first; others by name. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return undefined;
    const level = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
    return { major: Number(m[1]), level, minor: Number(m[3] ?? 0) };
  };
  const pa = parse(a);
  const pb = parse(b);
  if (pa && pb) return pb.level - pa.level || pb.major - pa.major || pb.minor - pa.minor;
  if (pa) return -1;
  if (pb) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

interface SubresourceEntry {
  name: string;
  kind: string;
  group: string;
  version: string;
  verbs: string[];
}

function subresources(type: ResourceType, version: string): SubresourceEntry[] {
  const out: SubresourceEntry[] = [];
  const verbs = SUBRESOURCE_VERBS;
  const declared = atVersion(type, version).subresources;
  if (declared.status)
    out.push({ name: 'status', kind: type.names.kind, group: type.group, version, verbs });
  if (declared.scale)
    out.push({ name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs });
  if (type.group === '' && type.names.plural === 'namespaces') {
    out.push({ name: 'finalize', kind: 'Namespace', group: '', version: 'v1', verbs: ['update'] });
  }
  for (const extra of type.extraSubresources ?? []) out.push({ ...extra, verbs: [...extra.verbs] });
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

export function buildDocuments(types: readonly ResourceType[]): Documents {
  const groupOrder: string[] = [];
  const versionsByGroup = new Map<string, Set<string>>();
  const resourcesByGV = new Map<
    string,
    { group: string; version: string; types: ResourceType[] }
  >();
  for (const type of types) {
    if (!versionsByGroup.has(type.group)) {
      versionsByGroup.set(type.group, new Set());
      groupOrder.push(type.group);
    }
    for (const version of type.versions) {
      versionsByGroup.get(type.group)?.add(version);
      const gv = type.group ? `apis/${type.group}/${version}` : `api/${version}`;
      let entry = resourcesByGV.get(gv);
      if (!entry) {
        entry = { group: type.group, version, types: [] };
        resourcesByGV.set(gv, entry);
      }
      entry.types.push(type);
    }
  }
  const sortedVersions = (group: string) =>
    [...(versionsByGroup.get(group) ?? [])].sort(compareVersions);

  const resourceLists = new Map<string, APIResourceList>();
  for (const [path, { group, version, types: gvTypes }] of resourcesByGV) {
    const resources: APIResource[] = [];
    for (const t of gvTypes) {
      resources.push({
        name: t.names.plural,
        singularName: t.names.singular,
        namespaced: t.namespaced,
        kind: t.names.kind,
        verbs: [...t.verbs],
        ...(t.names.shortNames?.length ? { shortNames: [...t.names.shortNames] } : {}),
        ...(t.names.categories?.length ? { categories: [...t.names.categories] } : {}),
      });
      for (const sub of subresources(t, version)) {
        resources.push({
          name: `${t.names.plural}/${sub.name}`,
          singularName: '',
          namespaced: t.namespaced,
          ...(sub.group !== group || sub.version !== version
            ? { group: sub.group, version: sub.version }
            : {}),
          kind: sub.kind,
          verbs: sub.verbs,
        });
      }
    }
    resourceLists.set(path, {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: group ? `${group}/${version}` : version,
      resources,
    });
  }

  const aggregated = (group: string): APIGroupDiscovery => ({
    metadata: { name: group, creationTimestamp: null },
    versions: sortedVersions(group).map((version) => ({
      version,
      freshness: 'Current' as const,
      resources: (
        resourcesByGV.get(group ? `apis/${group}/${version}` : `api/${version}`)?.types ?? []
      ).map((t) => {
        const subs = subresources(t, version);
        return {
          resource: t.names.plural,
          responseKind: { group: t.group, version, kind: t.names.kind },
          scope: t.namespaced ? ('Namespaced' as const) : ('Cluster' as const),
          singularResource: t.names.singular,
          verbs: [...t.verbs],
          ...(t.names.shortNames?.length ? { shortNames: [...t.names.shortNames] } : {}),
          ...(t.names.categories?.length ? { categories: [...t.names.categories] } : {}),
          ...(subs.length
            ? {
                subresources: subs.map((s) => ({
                  subresource: s.name,
                  responseKind: { group: s.group, version: s.version, kind: s.kind },
                  verbs: s.verbs,
                })),
              }
            : {}),
        };
      }),
    })),
  });

  const nonCore = groupOrder.filter((g) => g !== '');
  return {
    coreVersions: versionsByGroup.has('') ? sortedVersions('') : [],
    groups: nonCore.map((name) => {
      const versions = sortedVersions(name).map((version) => ({
        groupVersion: `${name}/${version}`,
        version,
      }));
      return { name, versions, preferredVersion: versions[0] as GroupVersionForDiscovery };
    }),
    resourceLists,
    aggregatedCore: versionsByGroup.has('') ? [aggregated('')] : [],
    aggregatedGroups: nonCore.map(aggregated),
  };
}
