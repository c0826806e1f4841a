/**
 * What Go's encoding/json refuses when it decodes JSON into a typed struct, as upstream does
 * with every request body of a built-in type and with the metadata of every object: a value
 * of the wrong JSON type, an integer that is fractional or out of range, a timestamp that
 * does not parse. `null` always decodes (to the zero value) and unknown fields are not its
 * business (pruning and strict field validation handle them).
 *
 * The Go types are described by a small table (`GoStruct`) and the problems reported in
 * encoding/json's words, with the JSON path of the field: `json: cannot unmarshal number
 * into Go struct field ObjectMeta.metadata.name of type string`.
 */
import type { JsonValue } from './meta.ts';
import { isJsonObject } from './meta.ts';
import { stringFormatCheck } from './schema/formats.ts';

export type GoScalar = 'string' | 'bool' | 'int64' | 'int32' | 'float64' | 'time' | 'raw';
export type GoType = GoScalar | GoStruct | { readonly slice: GoType } | { readonly map: GoType };

export interface GoStruct {
  /** The Go type's name as encoding/json prints it (`v1.ObjectMeta`). */
  readonly name: string;
  readonly fields: Readonly<Record<string, GoType>>;
}

export interface GoDecodeError {
  /** Dotted JSON path of the offending value (`metadata.ownerReferences[0].uid`). */
  readonly field: string;
  readonly value: JsonValue;
  /** encoding/json's message. */
  readonly message: string;
}

const isTimestamp = stringFormatCheck('date-time');
const INT64 = 2 ** 63;
const INT32 = 2 ** 31;

function typeName(t: GoType): string {
  if (typeof t === 'string') {
    if (t === 'time') return 'v1.Time';
    if (t === 'raw') return 'json.RawMessage';
    return t;
  }
  if ('slice' in t) return `[]${typeName(t.slice)}`;
  if ('map' in t) return `map[string]${typeName(t.map)}`;
  return t.name;
}

/** encoding/json's name for the kind of a JSON value. */
function jsonKind(v: JsonValue): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

/** A number refused by an integer type is quoted, as encoding/json does (`number 1.5`). */
const numberInto = (type: GoType, value: JsonValue) =>
  typeof value === 'number' && (type === 'int64' || type === 'int32') ? ` ${value}` : '';

/** The Go struct name without its package, as encoding/json names a field's owner. */
const shortName = (struct: GoStruct) => struct.name.slice(struct.name.lastIndexOf('.') + 1);

/**
 * The first problem decoding `value` into `type` would hit, or undefined when it decodes.
 * `path` is where `value` sits (`metadata`); `owner` the innermost struct around it.
 */
export function goDecodeError(
  type: GoType,
  value: JsonValue | undefined,
  path = '',
  owner?: GoStruct,
): GoDecodeError | undefined {
  if (value === undefined || value === null || type === 'raw') return undefined;
  const refuse = (message?: string): GoDecodeError => ({
    field: path,
    value,
    message:
      message ??
      `json: cannot unmarshal ${jsonKind(value)}${numberInto(type, value)} into Go ${
        owner && path ? `struct field ${shortName(owner)}.${path}` : 'value'
      } of type ${typeName(type)}`,
  });
  if (typeof type === 'string') {
    switch (type) {
      case 'string':
        return typeof value === 'string' ? undefined : refuse();
      case 'bool':
        return typeof value === 'boolean' ? undefined : refuse();
      case 'float64':
        return typeof value === 'number' ? undefined : refuse();
      case 'int64':
      case 'int32': {
        const limit = type === 'int64' ? INT64 : INT32;
        const ok =
          typeof value === 'number' && Number.isInteger(value) && value >= -limit && value < limit;
        return ok ? undefined : refuse();
      }
      case 'time':
        if (typeof value !== 'string') return refuse();
        return value === '' || isTimestamp?.(value) !== false
          ? undefined
          : refuse(
              `parsing time ${JSON.stringify(value)} as "2006-01-02T15:04:05Z07:00": not an RFC 3339 timestamp`,
            );
    }
  }
  if ('slice' in type) {
    if (!Array.isArray(value)) return refuse();
    for (const [i, item] of value.entries()) {
      const err = goDecodeError(type.slice, item, `${path}[${i}]`, owner);
      if (err) return err;
    }
    return undefined;
  }
  if (!isJsonObject(value)) return refuse();
  if ('map' in type) {
    for (const [k, item] of Object.entries(value)) {
      // encoding/json names the map field, not the key, as the place of a bad value.
      const err = goDecodeError(type.map, item ?? null, path, owner);
      if (err) return { ...err, field: `${path}[${k}]` };
    }
    return undefined;
  }
  for (const [k, fieldType] of Object.entries(type.fields)) {
    if (!Object.hasOwn(value, k)) continue;
    const err = goDecodeError(fieldType, value[k], path ? `${path}.${k}` : k, type);
    if (err) return err;
  }
  return undefined;
}
