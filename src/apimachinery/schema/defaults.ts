/**
 * Structural defaulting as the apiextensions apiserver applies it on decode: a property with a
 * `default` is filled in when an existing object lacks it or holds `null` while not nullable,
 * and the walk continues into every field, map entry and list item (including freshly
 * defaulted values, so nested defaults apply inside them). Defaults are deep-copied, so the
 * schema's values are never shared with objects.
 *
 * `applyDefaults` mutates `value` in place and returns that same value for chaining. Missing
 * objects are not created: defaults only land inside objects that exist.
 */
import type { JsonObject, JsonValue } from '../meta.ts';
import { deepCopy, isJsonObject, member, setMember } from './json.ts';
import type { JSONSchemaProps } from './types.ts';
import { additionalPropertiesOf, hasDefault, itemsOf } from './types.ts';

export function applyDefaults<T extends JsonValue>(
  schema: JSONSchemaProps | undefined,
  value: T,
): T {
  walk(value, schema);
  return value;
}

function nonNullableNull(v: JsonValue | undefined, s: JSONSchemaProps | undefined): boolean {
  return v === null && s !== undefined && !s.nullable;
}

function walk(x: JsonValue, s: JSONSchemaProps | undefined): void {
  if (s === undefined) return;
  if (Array.isArray(x)) {
    const items = itemsOf(s);
    x.forEach((v, i) => {
      if (nonNullableNull(v, items) && hasDefault(items)) x[i] = deepCopy(items.default);
      walk(v, items);
    });
    return;
  }
  if (!isJsonObject(x)) return;
  const obj: JsonObject = x;
  const props = s.properties ?? {};
  for (const [k, prop] of Object.entries(props)) {
    if (!hasDefault(prop)) continue;
    const v = member(obj, k);
    if (v === undefined || nonNullableNull(v, prop)) setMember(obj, k, deepCopy(prop.default));
  }
  const additional = additionalPropertiesOf(s);
  for (const k of Object.keys(obj)) {
    const v = member(obj, k);
    if (v === undefined) continue;
    if (Object.hasOwn(props, k)) {
      walk(v, props[k]);
    } else if (additional !== undefined) {
      if (nonNullableNull(v, additional) && hasDefault(additional)) {
        setMember(obj, k, deepCopy(additional.default));
      }
      // Like upstream, the walk continues into the value that was there before.
      walk(v, additional);
    }
  }
}
