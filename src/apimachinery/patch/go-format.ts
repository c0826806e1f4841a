/**
 * The few Go renderings the patch engines' client-visible strings depend on: `%v` and
 * `reflect.TypeOf` of JSON decoded into `interface{}` (strategic-merge-patch error messages),
 * and the JSON and `value.ToString` forms structured-merge-diff uses for path elements
 * (`k:{"name":"a"}` in FieldsV1, `[name="a"]` in conflict messages).
 */
import { goQuote } from '../labels.ts';
import type { JsonValue } from '../meta.ts';
import { compareStrings, goFloat, isJsonObject } from '../schema/json.ts';

/** Go's `%v` of a value decoded by encoding/json into `interface{}` (numbers are float64). */
export function goValue(v: JsonValue | undefined): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goFloat(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  const keys = Object.keys(v)
    .filter((k) => v[k] !== undefined)
    .sort(compareStrings);
  return `map[${keys.map((k) => `${k}:${goValue(v[k])}`).join(' ')}]`;
}

/** `reflect.TypeOf(x)` printed, for the "expected a …, but received a …" messages. */
export function goTypeName(v: JsonValue | undefined): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

/**
 * A JSON string as json-iterator writes it with the standard-library-compatible config:
 * HTML-significant characters and the two JavaScript line terminators are escaped too.
 */
export function smdJsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (
      cp < 0x20 ||
      ch === '<' ||
      ch === '>' ||
      ch === '&' ||
      cp === 0x2028 ||
      cp === 0x2029
    ) {
      out += `\\u${cp.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

/** JSON of a value inside a path element; map members in sorted order, as Go writes maps. */
export function smdJson(v: JsonValue): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return smdJsonString(v);
  if (typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(smdJson).join(',')}]`;
  const keys = Object.keys(v)
    .filter((k) => v[k] !== undefined)
    .sort(compareStrings);
  return `{${keys.map((k) => `${smdJsonString(k)}:${smdJson(v[k] as JsonValue)}`).join(',')}}`;
}

/** structured-merge-diff's `value.ToString`: strings quoted Go-style, numbers bare. */
export function smdValueString(v: JsonValue): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : goFloat(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(smdValueString).join(',')}]`;
  if (!isJsonObject(v)) return 'null';
  const keys = Object.keys(v)
    .filter((k) => v[k] !== undefined)
    .sort(compareStrings);
  return `{${keys.map((k) => `${k}=${smdValueString(v[k] as JsonValue)}`).join(',')}}`;
}
