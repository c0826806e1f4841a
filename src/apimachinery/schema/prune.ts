/**
 * Pruning: removing what a structural schema does not specify, in place, the way
 * kube-apiserver does when it decodes a custom resource.
 *
 * `prune` drops unknown fields unless a node preserves unknown fields, keeps
 * apiVersion/kind/metadata of the resource root and of embedded resources, and drops unknown
 * ObjectMeta fields of embedded resources. It returns the dropped paths sorted, in the form
 * strict field validation reports them: dot-separated field names, map keys as plain segments
 * and list indexes in brackets — `spec.foo`, `spec.items[0].bar`, `spec.labels.extra.x`,
 * `spec.template.metadata.bogus` — which kube prints as `unknown field "spec.foo"`.
 *
 * `pruneNulls` drops `null` values of non-nullable fields that have no default; the ones with
 * a default are left for defaulting to replace.
 */
import type { JsonObject, JsonValue } from '../meta.ts';
import { isObjectMetaField } from './embedded.ts';
import { isJsonObject } from './json.ts';
import type { JSONSchemaProps } from './types.ts';
import {
  additionalPropertiesOf,
  hasDefault,
  isEmbeddedResource,
  itemsOf,
  preservesUnknownFields,
} from './types.ts';

export interface PruneOptions {
  /** The value is a whole resource: its apiVersion, kind and metadata are never pruned. */
  isResourceRoot?: boolean;
}

const META_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

export function prune(
  schema: JSONSchemaProps | undefined,
  value: JsonValue,
  opts: PruneOptions = {},
): string[] {
  const unknown: string[] = [];
  const root: JSONSchemaProps | undefined =
    opts.isResourceRoot && !isEmbeddedResource(schema)
      ? { ...(schema ?? {}), 'x-kubernetes-embedded-resource': true }
      : schema;
  walk(value, root, '', unknown, opts.isResourceRoot === true);
  return unknown.sort();
}

function appendKey(path: string, k: string): string {
  return path ? `${path}.${k}` : k;
}

/**
 * Any additionalProperties (even `false`) keeps unlisted keys, pruning below them with the
 * schema if there is one; `false` is left for validation to reject, as upstream does.
 */
function hasAdditional(s: JSONSchemaProps): boolean {
  return s.additionalProperties !== undefined;
}

function walk(
  x: JsonValue,
  s: JSONSchemaProps | undefined,
  path: string,
  unknown: string[],
  isRoot = false,
): void {
  if (s !== undefined && preservesUnknownFields(s)) {
    skipWalk(x, s, path, unknown, isRoot);
    return;
  }
  if (Array.isArray(x)) {
    const items = s === undefined ? undefined : itemsOf(s);
    x.forEach((v, i) => {
      walk(v, items, `${path}[${i}]`, unknown);
    });
    return;
  }
  if (!isJsonObject(x)) return;
  if (s === undefined) {
    for (const k of Object.keys(x)) {
      unknown.push(appendKey(path, k));
      delete x[k];
    }
    return;
  }
  const embedded = isEmbeddedResource(s);
  for (const k of Object.keys(x)) {
    const v = x[k];
    if (v === undefined) continue;
    if (embedded && META_FIELDS.has(k)) {
      if (k === 'metadata' && !isRoot) coerceMetadata(v, appendKey(path, k), unknown);
      continue;
    }
    const prop = s.properties && Object.hasOwn(s.properties, k) ? s.properties[k] : undefined;
    if (prop !== undefined) walk(v, prop, appendKey(path, k), unknown);
    else if (hasAdditional(s)) walk(v, additionalPropertiesOf(s), appendKey(path, k), unknown);
    else {
      if (!META_FIELDS.has(k) || path !== '') unknown.push(appendKey(path, k));
      delete x[k];
    }
  }
}

/** Below x-kubernetes-preserve-unknown-fields: unknown fields stay, known ones are still pruned. */
function skipWalk(
  x: JsonValue,
  s: JSONSchemaProps,
  path: string,
  unknown: string[],
  isRoot = false,
): void {
  if (Array.isArray(x)) {
    const items = itemsOf(s);
    if (items === undefined) return;
    x.forEach((v, i) => {
      skipWalk(v, items, `${path}[${i}]`, unknown);
    });
    return;
  }
  if (!isJsonObject(x)) return;
  const embedded = isEmbeddedResource(s);
  for (const k of Object.keys(x)) {
    const v = x[k];
    if (v === undefined) continue;
    if (embedded && META_FIELDS.has(k)) {
      if (k === 'metadata' && !isRoot) coerceMetadata(v, appendKey(path, k), unknown);
      continue;
    }
    const prop = s.properties && Object.hasOwn(s.properties, k) ? s.properties[k] : undefined;
    if (prop !== undefined) walk(v, prop, appendKey(path, k), unknown);
    else if (hasAdditional(s)) walk(v, additionalPropertiesOf(s), appendKey(path, k), unknown);
  }
}

/** Embedded ObjectMeta keeps only the fields ObjectMeta has, as decoding into it would. */
function coerceMetadata(v: JsonValue, path: string, unknown: string[]): void {
  if (!isJsonObject(v)) return;
  for (const k of Object.keys(v)) {
    if (!isObjectMetaField(k)) {
      unknown.push(appendKey(path, k));
      delete v[k];
    }
  }
}

/**
 * Drops the fields of a resource's `metadata` that ObjectMeta does not have, as decoding
 * into it does (structural pruning leaves the root's metadata alone); returns their paths.
 */
export function pruneObjectMeta(value: JsonObject): string[] {
  const unknown: string[] = [];
  const metadata = value.metadata;
  if (metadata !== undefined) coerceMetadata(metadata, 'metadata', unknown);
  if (isJsonObject(metadata)) zeroNulls(metadata);
  return unknown.sort();
}

/**
 * `null` decodes into ObjectMeta as Go's zero value: an unset field (every field is
 * `omitempty`), an empty string in a map or a list of strings. Stored objects never hold it.
 */
function zeroNulls(metadata: JsonObject): void {
  for (const [k, v] of Object.entries(metadata)) {
    if (v === null) delete metadata[k];
    else if ((k === 'labels' || k === 'annotations') && isJsonObject(v)) {
      for (const [key, value] of Object.entries(v)) if (value === null) v[key] = '';
    } else if (k === 'finalizers' && Array.isArray(v)) {
      v.forEach((item, i) => {
        if (item === null) v[i] = '';
      });
    }
  }
}

/** Drops nulls of non-nullable fields without a default, in place. */
export function pruneNulls(schema: JSONSchemaProps | undefined, value: JsonValue): void {
  if (schema === undefined) return;
  if (Array.isArray(value)) {
    const items = itemsOf(schema);
    for (const v of value) pruneNulls(items, v);
    return;
  }
  if (!isJsonObject(value)) return;
  const obj: JsonObject = value;
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    if (v === undefined) continue;
    const props = schema.properties;
    const sub = props && Object.hasOwn(props, k) ? props[k] : additionalPropertiesOf(schema);
    if (sub === undefined) continue;
    if (v === null) {
      if (!sub.nullable && !hasDefault(sub)) delete obj[k];
    } else {
      pruneNulls(sub, v);
    }
  }
}
