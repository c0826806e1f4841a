/**
 * From a CRD on the service cluster to what kcp sees: the PublishedResource's versions are
 * picked (a storage version is chosen among them if needed), versions, group, kind, plural,
 * scope, short names and categories are projected, and the result becomes an
 * APIResourceSchema named `v<hash>.<plural>.<group>` — the hash covers the whole schema
 * spec, so a changed CRD gives a new schema and reverting a change reuses the old one.
 * Printer columns, subresources and selectable fields are kept as they are.
 */

import type {
  CustomResourceDefinition,
  CustomResourceDefinitionNames,
  CustomResourceDefinitionVersion,
} from '../api/apiextensions/types.ts';
import type { APIResourceSchema } from '../api/apis/types.ts';
import type { ResourceRef } from '../controller/kube/client.ts';
import type { NormalizedSpec } from './apis/types.ts';
import {
  AGENT_NAME_LABEL,
  API_GROUP_LABEL,
  canonicalJson,
  SOURCE_GENERATION_ANNOTATION,
  sha1Hex,
} from './constants.ts';

/** A CRD on the service cluster. */
export type Crd = CustomResourceDefinition;

/** A projected version with the name it has on the service cluster. */
interface ProjectedVersion extends CustomResourceDefinitionVersion {
  readonly sourceName: string;
}

export interface Projection {
  /** The CRD as kcp will see it. */
  readonly group: string;
  readonly names: CustomResourceDefinitionNames;
  readonly scope: 'Namespaced' | 'Cluster';
  readonly versions: ProjectedVersion[];
  /** The resource on the service cluster, in the version both sides sync in. */
  readonly local: ResourceRef & { kind: string };
  /** The resource in kcp (through the virtual workspace), same version. */
  readonly remote: ResourceRef & { kind: string };
  /** The synced version has a status subresource (status flows up, never down). */
  readonly hasStatus: boolean;
  /** Its status keeps `conditions` (the agent may report there; a pruned field would not stick). */
  readonly hasConditions: boolean;
}

/** Kubernetes version priority: GA > beta > alpha, higher numbers first; others by name. */
export function compareKubeVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return { kube: false, major: 0, stage: 0, minor: 0 };
    return {
      kube: true,
      major: Number(m[1]),
      stage: m[2] === 'alpha' ? 1 : m[2] === 'beta' ? 2 : 3,
      minor: Number(m[3] ?? 0),
    };
  };
  const x = parse(a);
  const y = parse(b);
  if (x.kube !== y.kube) return x.kube ? 1 : -1;
  if (!x.kube) return a < b ? 1 : a > b ? -1 : 0;
  if (x.stage === 3 && y.stage === 3) return x.major - y.major;
  if (x.stage === 3) return 1;
  if (y.stage === 3) return -1;
  if (x.stage !== y.stage) return x.stage - y.stage;
  if (x.major !== y.major) return x.major - y.major;
  return x.minor - y.minor;
}

export function projectCrd(crd: Crd, spec: NormalizedSpec): Projection {
  const wanted = spec.source.versions;
  let versions: ProjectedVersion[] = crd.spec.versions
    .filter((v) => wanted.length === 0 || wanted.includes(v.name))
    .map((v) => ({ ...structuredClone(v), sourceName: v.name }));
  if (versions.length === 0)
    throw new Error(
      wanted.length
        ? `CRD ${crd.metadata.name} does not contain version(s) ${wanted.join(', ')}`
        : `CRD ${crd.metadata.name} contains no versions`,
    );
  if (!versions.some((v) => v.served))
    throw new Error('no CRD version selected that is marked as served');
  if (!versions.some((v) => v.storage)) {
    const served = versions.filter((v) => v.served);
    const latest = served[served.length - 1] as ProjectedVersion;
    latest.storage = true;
  }
  const p = spec.projection;
  if (p.version) {
    if (versions.length !== 1)
      throw new Error(
        `cannot project to the single version ${p.version}: ${versions.length} versions selected`,
      );
    (versions[0] as ProjectedVersion).name = p.version;
  } else if (p.versions && Object.keys(p.versions).length > 0) {
    for (const v of versions) v.name = p.versions[v.sourceName] || v.name;
    const seen = new Set<string>();
    for (const v of versions) {
      if (seen.has(v.name)) throw new Error(`projection gives version ${v.name} twice`);
      seen.add(v.name);
    }
    versions = versions.sort((a, b) => compareKubeVersions(a.name, b.name));
  }
  const names: CustomResourceDefinitionNames = structuredClone(crd.spec.names);
  const group = p.group || crd.spec.group;
  if (p.kind) {
    names.kind = p.kind;
    names.listKind = `${p.kind}List`;
    names.singular = p.kind.toLowerCase();
    names.plural = `${names.singular}s`;
  }
  if (p.plural) names.plural = p.plural;
  if (p.shortNames !== undefined && p.shortNames !== null) names.shortNames = [...p.shortNames];
  if (p.categories !== undefined && p.categories !== null) names.categories = [...p.categories];
  if (names.shortNames?.length === 0) delete names.shortNames;
  if (names.categories?.length === 0) delete names.categories;
  names.singular ||= names.kind.toLowerCase();
  names.listKind ||= `${names.kind}List`;
  const scope = p.scope ?? crd.spec.scope;
  const storage = versions.find((v) => v.storage) as ProjectedVersion;
  return {
    group,
    names,
    scope,
    versions,
    local: {
      group: crd.spec.group,
      version: storage.sourceName,
      plural: crd.spec.names.plural,
      namespaced: crd.spec.scope === 'Namespaced',
      kind: crd.spec.names.kind,
    },
    remote: {
      group,
      version: storage.name,
      plural: names.plural,
      namespaced: scope === 'Namespaced',
      kind: names.kind,
    },
    hasStatus: storage.subresources?.status !== undefined,
    hasConditions: keepsConditions(storage),
  };
}

/** Whether the version's status schema keeps a `conditions` list (or any field). */
function keepsConditions(version: CustomResourceDefinitionVersion): boolean {
  const status = version.schema?.openAPIV3Schema?.properties?.status;
  if (!status) return false;
  if (status['x-kubernetes-preserve-unknown-fields'] === true) return true;
  return status.properties?.conditions?.type === 'array';
}

/** `v<8 hex of SHA-1 over the spec>.<plural>.<group or core>`. */
export function schemaName(ars: APIResourceSchema['spec']): string {
  const hash = sha1Hex(canonicalJson(ars)).slice(0, 8);
  return `v${hash}.${ars.names.plural}.${ars.group || 'core'}`;
}

/** The APIResourceSchema for a projection (kcp's CRD→ARS conversion). */
export function toResourceSchema(
  projection: Projection,
  crd: Crd,
  agentName: string,
): APIResourceSchema {
  const spec: APIResourceSchema['spec'] = {
    group: projection.group,
    names: projection.names,
    scope: projection.scope,
    versions: projection.versions.map((v) => ({
      name: v.name,
      served: v.served,
      storage: v.storage,
      ...(v.deprecated ? { deprecated: true } : {}),
      ...(v.deprecationWarning ? { deprecationWarning: v.deprecationWarning } : {}),
      schema: v.schema?.openAPIV3Schema ?? {
        type: 'object',
        'x-kubernetes-preserve-unknown-fields': true,
      },
      ...(v.subresources && Object.keys(v.subresources).length
        ? { subresources: v.subresources }
        : {}),
      ...(v.additionalPrinterColumns?.length
        ? { additionalPrinterColumns: v.additionalPrinterColumns }
        : {}),
      ...(v.selectableFields?.length ? { selectableFields: v.selectableFields } : {}),
    })),
    ...(projection.versions.length > 1 ? { conversion: { strategy: 'None' as const } } : {}),
  };
  return {
    apiVersion: 'apis.kcp.io/v1alpha1',
    kind: 'APIResourceSchema',
    metadata: {
      name: schemaName(spec),
      labels: { [AGENT_NAME_LABEL]: agentName, [API_GROUP_LABEL]: projection.group },
      annotations: {
        [AGENT_NAME_LABEL]: agentName,
        [SOURCE_GENERATION_ANNOTATION]: String(crd.metadata.generation ?? 0),
      },
    },
    spec,
  };
}
