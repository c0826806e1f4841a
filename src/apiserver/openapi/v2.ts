/**
 * A Swagger 2.0 document for clients that ask /openapi/v2 in JSON: definitions of every
 * kind (with x-kubernetes-group-version-kind) and the PATCH operations, converted from
 * the v3 documents so the two never disagree.
 */
import type { JsonObject } from '../../apimachinery/meta.ts';
import type { ResourceType } from '../registry/resource-type.ts';
import { buildGroupVersionDocument } from './documents.ts';

export function swaggerV2(types: readonly ResourceType[]): JsonObject {
  const gvs = new Map<string, { group: string; version: string }>();
  for (const t of types)
    for (const v of t.versions) gvs.set(`${t.group}/${v}`, { group: t.group, version: v });
  const definitions: Record<string, JsonObject> = {};
  const paths: Record<string, JsonObject> = {};
  for (const { group, version } of gvs.values()) {
    const doc = buildGroupVersionDocument(types, group, version);
    for (const [name, schema] of Object.entries(doc.components.schemas))
      definitions[name] = toV2Refs(schema) as JsonObject;
    for (const [path, ops] of Object.entries(doc.paths)) paths[path] = toV2Refs(ops) as JsonObject;
  }
  return { swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths, definitions };
}

/** Rewrites `#/components/schemas/X` to `#/definitions/X`, recursively. */
function toV2Refs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toV2Refs);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] =
        k === '$ref' && typeof v === 'string'
          ? v.replace('#/components/schemas/', '#/definitions/')
          : toV2Refs(v);
    }
    return out;
  }
  return value;
}
