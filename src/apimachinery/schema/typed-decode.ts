/**
 * What a typed decode refuses, judged by a structural schema that describes the Go type:
 * a value whose JSON type does not match the field, an int32 out of range, a timestamp that
 * does not parse or bytes that are not base64, as field errors at their paths (`data[key]`,
 * `rules[0].verbs[1]`). `null` always decodes (to the zero value); unknown fields are not
 * its business (pruning handles them). Built-in kinds and the server's own APIs are typed;
 * custom resources are not.
 */
import { type ErrorList, FieldPath, invalid, typeInvalid } from '../field-errors.ts';
import type { JsonValue, KubeObject } from '../meta.ts';
import { isJsonObject } from '../meta.ts';
import { stringFormatCheck } from './formats.ts';
import type { JSONSchemaProps } from './types.ts';
import { additionalPropertiesOf, itemsOf } from './types.ts';

/** apiVersion, kind and metadata are checked apart: they decode alike for every type. */
const ROOT_META = new Set(['apiVersion', 'kind', 'metadata']);

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const isDateTime = stringFormatCheck('date-time');
const isBase64 = stringFormatCheck('byte');

/** The problems decoding `obj`'s own fields (not apiVersion, kind, metadata) would meet. */
export function typedDecodeErrors(schema: JSONSchemaProps, obj: KubeObject): ErrorList {
  const errs: ErrorList = [];
  const props = schema.properties ?? {};
  for (const [k, v] of Object.entries(obj)) {
    if (ROOT_META.has(k) || !Object.hasOwn(props, k)) continue;
    const prop = props[k];
    if (prop !== undefined) check(v as JsonValue, prop, FieldPath.root(k), errs);
  }
  return errs;
}

function check(v: JsonValue | undefined, s: JSONSchemaProps, path: FieldPath, errs: ErrorList) {
  if (v === undefined || v === null) return;
  switch (s.type) {
    case 'string':
      if (typeof v !== 'string') errs.push(typeInvalid(path, v, 'must be a string'));
      else if (s.format === 'date-time' && isDateTime && !isDateTime(v)) {
        errs.push(
          typeInvalid(
            path,
            v,
            'must be a timestamp in RFC 3339 format (e.g. 2006-01-02T15:04:05Z)',
          ),
        );
      } else if (s.format === 'byte' && isBase64 && !isBase64(v)) {
        // Like the strategies, never echo what may be secret content.
        errs.push(invalid(path, '<binary>', 'must be base64 encoded'));
      }
      return;
    case 'integer':
      if (typeof v !== 'number' || !Number.isInteger(v)) {
        errs.push(typeInvalid(path, v, 'must be an integer'));
      } else if (s.format === 'int32' && (v < INT32_MIN || v > INT32_MAX)) {
        errs.push(typeInvalid(path, v, 'must be a 32-bit integer'));
      }
      return;
    case 'number':
      if (typeof v !== 'number') errs.push(typeInvalid(path, v, 'must be a number'));
      return;
    case 'boolean':
      if (typeof v !== 'boolean') errs.push(typeInvalid(path, v, 'must be a boolean'));
      return;
    case 'array': {
      if (!Array.isArray(v)) {
        errs.push(typeInvalid(path, v, 'must be an array'));
        return;
      }
      const items = itemsOf(s);
      if (items) {
        v.forEach((item, i) => {
          check(item, items, path.index(i), errs);
        });
      }
      return;
    }
    case 'object': {
      if (!isJsonObject(v)) {
        errs.push(typeInvalid(path, v, 'must be an object'));
        return;
      }
      if (s['x-kubernetes-preserve-unknown-fields'] === true) return;
      const additional = additionalPropertiesOf(s);
      for (const [k, child] of Object.entries(v)) {
        const prop = s.properties && Object.hasOwn(s.properties, k) ? s.properties[k] : undefined;
        if (prop !== undefined) check(child, prop, path.child(k), errs);
        else if (additional !== undefined) check(child, additional, path.key(k), errs);
      }
      return;
    }
    default:
      return;
  }
}
