/**
 * Conversion of APIExport and APIBinding between v1alpha1 and v1alpha2 (the storage
 * version), losslessly both ways as kcp does it: what one shape cannot hold travels in
 * annotations and is restored on the way back.
 *
 * - Exports: v1alpha1 lists schema names (`latestResourceSchemas`); v1alpha2 lists
 *   resources {name, group, schema, storage}. v1alpha1 claims say `all`; v1alpha2 claims
 *   carry verbs.
 * - Bindings: v1alpha1 claims say `all`; v1alpha2 claims carry verbs and a selector.
 */

import type {
  BindingPermissionClaim,
  ExportPermissionClaim,
  ExportResource,
} from '../api/apis/types.ts';
import type { KubeObject } from '../apimachinery/meta.ts';
import { sameClaim } from './claims.ts';
import { parseSchemaName } from './resources/apiresourceschemas.ts';

export const RESOURCE_SCHEMAS_ANNOTATION = 'apis.v1alpha2.kcp.io/resource-schemas';
export const PERMISSION_CLAIMS_ANNOTATION = 'apis.v1alpha2.kcp.io/permission-claims';
export const V1ALPHA1_CLAIMS_ANNOTATION = 'apis.v1alpha2.kcp.io/v1alpha1-permission-claims';

interface V1Claim {
  group?: string;
  resource: string;
  identityHash?: string;
  all?: boolean;
  resourceSelector?: unknown[];
  state?: 'Accepted' | 'Rejected';
}

function takeAnnotation<T>(obj: KubeObject, name: string): T | undefined {
  const text = obj.metadata.annotations?.[name];
  if (text === undefined) return undefined;
  const { [name]: _taken, ...rest } = obj.metadata.annotations ?? {};
  obj.metadata.annotations = rest;
  if (Object.keys(rest).length === 0) delete obj.metadata.annotations;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

function putAnnotation(obj: KubeObject, name: string, value: unknown): void {
  obj.metadata.annotations = { ...obj.metadata.annotations, [name]: JSON.stringify(value) };
}

/** A field of the object (its spec or status) as a record to read and rewrite. */
type Fields = Record<string, unknown>;

function spec(obj: KubeObject): Fields {
  if (obj.spec === undefined || obj.spec === null) obj.spec = {};
  return obj.spec as Fields;
}

// ---- APIExport ---------------------------------------------------------------------------

export function exportToV1alpha2(input: KubeObject): KubeObject {
  const obj = structuredClone(input);
  const s = spec(obj);
  const stashedResources = takeAnnotation<ExportResource[]>(obj, RESOURCE_SCHEMAS_ANNOTATION) ?? [];
  const stashedClaims =
    takeAnnotation<ExportPermissionClaim[]>(obj, PERMISSION_CLAIMS_ANNOTATION) ?? [];
  const schemas = (s.latestResourceSchemas as string[] | undefined) ?? [];
  delete s.latestResourceSchemas;
  const resources: ExportResource[] = [];
  for (const name of schemas) {
    const stashed = stashedResources.find((r) => r.schema === name);
    const parsed = parseSchemaName(name);
    if (stashed) resources.push(stashed);
    else if (parsed)
      resources.push({
        name: parsed.plural,
        group: parsed.group,
        schema: name,
        storage: { crd: {} },
      });
  }
  if (resources.length > 0) s.resources = resources;
  const claims = (s.permissionClaims as V1Claim[] | undefined) ?? [];
  if (claims.length > 0) {
    s.permissionClaims = claims.map((c) => {
      const stashed = stashedClaims.find((x) => sameClaim(x, c));
      return {
        group: c.group ?? '',
        resource: c.resource,
        ...(c.identityHash ? { identityHash: c.identityHash } : {}),
        verbs: stashed?.verbs ?? ['*'],
        ...(stashed?.defaultSelector ? { defaultSelector: stashed.defaultSelector } : {}),
      };
    });
    if (claims.some((c) => c.resourceSelector?.length))
      putAnnotation(obj, V1ALPHA1_CLAIMS_ANNOTATION, claims);
  }
  return obj;
}

export function exportToV1alpha1(input: KubeObject): KubeObject {
  const obj = structuredClone(input);
  const s = spec(obj);
  const resources = (s.resources as ExportResource[] | undefined) ?? [];
  delete s.resources;
  if (resources.length > 0) {
    s.latestResourceSchemas = resources.map((r) => r.schema);
    // Anything beyond a schema name (virtual storage, say) travels in an annotation.
    if (resources.some((r) => !r.storage?.crd || parseSchemaName(r.schema)?.plural !== r.name)) {
      putAnnotation(obj, RESOURCE_SCHEMAS_ANNOTATION, resources);
    }
  }
  const claims = (s.permissionClaims as ExportPermissionClaim[] | undefined) ?? [];
  const original = takeAnnotation<V1Claim[]>(obj, V1ALPHA1_CLAIMS_ANNOTATION);
  if (claims.length > 0) {
    s.permissionClaims = claims.map((c) => {
      const back = original?.find((o) => sameClaim(o, c));
      return (
        back ?? {
          group: c.group,
          resource: c.resource,
          ...(c.identityHash ? { identityHash: c.identityHash } : {}),
          all: true,
        }
      );
    });
    const lossy = claims.some(
      (c) => c.verbs.length !== 1 || c.verbs[0] !== '*' || c.defaultSelector,
    );
    if (lossy) putAnnotation(obj, PERMISSION_CLAIMS_ANNOTATION, claims);
  }
  return obj;
}

// ---- APIBinding --------------------------------------------------------------------------

function bindingClaimToV2(c: V1Claim, stashed: BindingPermissionClaim[] | undefined): Fields {
  const back = stashed?.find((x) => sameClaim(x, c));
  if (back) return { ...back, ...(c.state ? { state: c.state } : {}) };
  return {
    group: c.group ?? '',
    resource: c.resource,
    ...(c.identityHash ? { identityHash: c.identityHash } : {}),
    verbs: ['*'],
    selector: { matchAll: true },
    ...(c.state ? { state: c.state } : {}),
  };
}

function bindingClaimToV1(
  c: Partial<BindingPermissionClaim> & { group: string; resource: string },
): V1Claim {
  return {
    group: c.group,
    resource: c.resource,
    ...(c.identityHash ? { identityHash: c.identityHash } : {}),
    all: true,
    ...(c.state ? { state: c.state } : {}),
  };
}

const lossyClaim = (c: Partial<BindingPermissionClaim>) =>
  c.verbs?.length !== 1 ||
  c.verbs[0] !== '*' ||
  c.selector?.matchAll !== true ||
  !!c.selector.matchLabels ||
  !!c.selector.matchExpressions;

export function bindingToV1alpha2(input: KubeObject): KubeObject {
  const obj = structuredClone(input);
  const s = spec(obj);
  const stashed = takeAnnotation<BindingPermissionClaim[]>(obj, PERMISSION_CLAIMS_ANNOTATION);
  takeAnnotation(obj, V1ALPHA1_CLAIMS_ANNOTATION);
  const claims = (s.permissionClaims as V1Claim[] | undefined) ?? [];
  if (claims.length > 0) s.permissionClaims = claims.map((c) => bindingClaimToV2(c, stashed));
  const status = obj.status as Fields | undefined;
  if (status) {
    for (const field of ['appliedPermissionClaims', 'exportPermissionClaims'] as const) {
      const list = status[field] as V1Claim[] | undefined;
      if (list)
        status[field] = list.map((c) => ({
          group: c.group ?? '',
          resource: c.resource,
          ...(c.identityHash ? { identityHash: c.identityHash } : {}),
          verbs: ['*'],
        }));
    }
  }
  return obj;
}

export function bindingToV1alpha1(input: KubeObject): KubeObject {
  const obj = structuredClone(input);
  const s = spec(obj);
  const claims = (s.permissionClaims as BindingPermissionClaim[] | undefined) ?? [];
  if (claims.length > 0) {
    s.permissionClaims = claims.map(bindingClaimToV1);
    if (claims.some(lossyClaim)) putAnnotation(obj, PERMISSION_CLAIMS_ANNOTATION, claims);
  }
  const status = obj.status as Fields | undefined;
  if (status) {
    for (const field of ['appliedPermissionClaims', 'exportPermissionClaims'] as const) {
      const list = status[field] as
        | Array<{ group: string; resource: string; identityHash?: string }>
        | undefined;
      if (list)
        status[field] = list.map((c) => ({
          group: c.group,
          resource: c.resource,
          ...(c.identityHash ? { identityHash: c.identityHash } : {}),
          all: true,
        }));
    }
  }
  return obj;
}

/** The conversion hooks of a type stored in v1alpha2 and also served as v1alpha1. */
export function v1alpha1Conversion(
  toV2: (o: KubeObject) => KubeObject,
  toV1: (o: KubeObject) => KubeObject,
) {
  return {
    toStorage: (obj: KubeObject, version: string) => (version === 'v1alpha1' ? toV2(obj) : obj),
    fromStorage: (obj: KubeObject, version: string) => (version === 'v1alpha1' ? toV1(obj) : obj),
  };
}
