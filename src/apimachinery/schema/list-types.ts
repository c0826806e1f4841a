/**
 * The invariants of `x-kubernetes-list-type: set` and `map` lists: set items are unique,
 * map-list items are objects (or null) with unique key tuples. Reported as Duplicate values at
 * the offending index, once per repeated value, like the apiextensions list-type validator.
 */
import type { FieldError } from '../field-errors.ts';
import { duplicate, invalid } from '../field-errors.ts';
import type { JsonObject, JsonValue } from '../meta.ts';
import { child, index, isJsonObject, key, member, setMember } from './json.ts';
import type { JSONSchemaProps } from './types.ts';
import { additionalPropertiesOf, itemsOf } from './types.ts';

export function validateListTypes(
  schema: JSONSchemaProps | undefined,
  value: JsonValue | undefined,
  path: string,
): FieldError[] {
  if (schema === undefined || value === undefined || value === null) return [];
  const errs: FieldError[] = [];
  if (Array.isArray(value)) {
    const listType = schema['x-kubernetes-list-type'];
    if (listType === 'set') {
      for (const i of repeatedIndices(value)) errs.push(duplicate(index(path, i), value[i]));
    } else if (listType === 'map') {
      errs.push(...validateMapList(schema, value, path));
    }
    const items = itemsOf(schema);
    value.forEach((v, i) => {
      errs.push(...validateListTypes(items, v, index(path, i)));
    });
  } else if (isJsonObject(value)) {
    const additional = additionalPropertiesOf(schema);
    const props = schema.properties ?? {};
    for (const [k, v] of Object.entries(value)) {
      if (Object.hasOwn(props, k)) errs.push(...validateListTypes(props[k], v, child(path, k)));
      else if (additional) errs.push(...validateListTypes(additional, v, key(path, k)));
    }
  }
  return errs;
}

/** Canonical identity of a JSON value, with object keys sorted the way Go marshals maps. */
export function canonicalJSON(v: JsonValue | undefined): string {
  if (v === undefined) return 'undefined';
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJSON).join(',')}]`;
  const keys = Object.keys(v)
    .filter((k) => v[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJSON(v[k])}`).join(',')}}`;
}

/** Index of the second occurrence of every value that occurs more than once. */
function repeatedIndices(values: readonly (JsonValue | undefined)[]): number[] {
  const seen = new Map<string, number>();
  const out: number[] = [];
  values.forEach((v, i) => {
    const id = canonicalJSON(v);
    const times = seen.get(id) ?? 0;
    seen.set(id, times + 1);
    if (times === 1) out.push(i);
  });
  return out;
}

function validateMapList(schema: JSONSchemaProps, list: JsonValue[], path: string): FieldError[] {
  for (let i = 0; i < list.length; i++) {
    const x = list[i] as JsonValue;
    if (x !== null && !isJsonObject(x)) {
      return [invalid(index(path, i), x, 'must be an object for an array of list-type map')];
    }
  }
  if (list.length <= 1) return [];
  const fields = schema['x-kubernetes-list-map-keys'] ?? [];
  const keys = list.map((x) => {
    const k: JsonObject = {};
    if (isJsonObject(x)) {
      for (const f of fields) {
        const v = member(x, f);
        if (v !== undefined) setMember(k, f, v);
      }
    }
    return k;
  });
  return repeatedIndices(keys).map((i) => duplicate(index(path, i), keys[i]));
}
