/**
 * Kubernetes protobuf request bodies to JSON objects: unwraps the envelope, picks the message
 * for its apiVersion/kind (messages.ts) and renders the message as the Go JSON encoding of the
 * same Go value would look — omitempty, pointers, null for nil lists without omitempty,
 * sorted map keys, []byte as base64, Time/MicroTime/Duration/Quantity/IntOrString/FieldsV1
 * in their custom forms. So a protobuf body from kubectl ≥ 1.32 becomes the object kubectl
 * 1.31 would have sent as JSON for the same command.
 *
 * Protobuf semantics follow Go's generated (gogo) decoders: unknown fields are skipped, a
 * scalar given twice keeps the last value, a message given twice merges (decoding the
 * concatenation), repeated fields append, a map key given twice keeps the last entry, and a
 * field on the wrong wire type is an error. int64 values beyond ±2^53 lose precision, as
 * they would through JSON.parse.
 */
import type { JsonObject, JsonValue } from '../meta.ts';
import { parseQuantity } from '../quantity.ts';
import { compareStrings } from '../schema/json.ts';
import { decodeEnvelope } from './envelope.ts';
import {
  type FieldSpec,
  type FieldType,
  MESSAGES,
  type MessageSpec,
  messageForKind,
  type SpecialRender,
} from './messages.ts';
import { decodeUtf8, protobufError, WIRE_BYTES, WIRE_VARINT, WireReader } from './wire.ts';

/** How deeply messages may nest (the schema itself needs fewer than ten levels). */
export const MAX_MESSAGE_DEPTH = 64;
/** How deeply the JSON inside a FieldsV1 may nest, as for JSON request bodies. */
export const MAX_JSON_NESTING = 1000;

/** What fills in an envelope that leaves apiVersion or kind empty (upstream: the URL's). */
export interface ProtobufDefaults {
  readonly apiVersion?: string;
  readonly kind?: string;
}

/**
 * A `application/vnd.kubernetes.protobuf` request body as the JSON object a JSON body would
 * have carried: `{kind, apiVersion, metadata, …}`. Throws a 400 Status for anything that
 * is not a well-formed envelope around a supported kind.
 */
export function decodeKubernetesProtobuf(
  body: Uint8Array,
  defaults: ProtobufDefaults = {},
): JsonObject {
  const envelope = decodeEnvelope(body);
  if (envelope.contentEncoding !== '') {
    throw protobufError(
      `content encoding ${JSON.stringify(envelope.contentEncoding)} is not supported`,
    );
  }
  const apiVersion = envelope.apiVersion || defaults.apiVersion || '';
  const kind = envelope.kind || defaults.kind || '';
  if (apiVersion === '' || kind === '') {
    throw protobufError('the envelope does not name the apiVersion and kind of the object');
  }
  return decodeObject(envelope.raw, apiVersion, kind);
}

/** The object message `raw` (an envelope's payload) of the given kind, as JSON. */
export function decodeObject(raw: Uint8Array, apiVersion: string, kind: string): JsonObject {
  const name = messageForKind(apiVersion, kind);
  if (name === undefined) {
    throw protobufError(`kind ${kind} in ${apiVersion} is not supported; send JSON`);
  }
  const fields = decodeMessage(raw, name, 0);
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) {
    throw new Error(`protobuf: message ${name} does not render as an object`);
  }
  return { kind, apiVersion, ...fields };
}

// ---------------------------------------------------------------------------------------
// Message schema, compiled once per message on first use.

interface Compiled {
  readonly name: string;
  readonly spec: MessageSpec;
  readonly byNumber: ReadonlyMap<number, FieldSpec>;
}

const compiled = new Map<string, Compiled>();

function lookup(name: string): Compiled {
  let c = compiled.get(name);
  if (c === undefined) {
    const spec = Object.hasOwn(MESSAGES, name) ? MESSAGES[name] : undefined;
    if (spec === undefined) throw new Error(`protobuf: no message ${name} in messages.ts`);
    c = { name, spec, byNumber: new Map(spec.fields.map((field) => [field.no, field])) };
    compiled.set(name, c);
  }
  return c;
}

const isVarintType = (t: FieldType): boolean => t === 'int32' || t === 'int64' || t === 'bool';

// ---------------------------------------------------------------------------------------
// Wire pass: the occurrences of every known field, in order. Unknown fields are skipped.

type Value = bigint | Uint8Array;

interface Parsed {
  /** Bytes in the message (Time tells the zero value from an explicit 0 by it). */
  readonly size: number;
  readonly values: ReadonlyMap<number, readonly Value[]>;
}

function parse(bytes: Uint8Array, m: Compiled): Parsed {
  const values = new Map<number, Value[]>();
  const r = new WireReader(bytes);
  while (!r.done) {
    const tag = r.tag();
    const field = m.byNumber.get(tag.field);
    if (field === undefined) {
      r.skip(tag);
      continue;
    }
    const varint = isVarintType(field.type);
    if (tag.wireType !== (varint ? WIRE_VARINT : WIRE_BYTES)) {
      throw protobufError(
        `wrong wire type ${tag.wireType} for field ${field.json} (${field.no}) of ${m.name}`,
      );
    }
    const value = varint ? r.uint64() : r.bytes();
    const list = values.get(tag.field);
    if (list) list.push(value);
    else values.set(tag.field, [value]);
  }
  return { size: bytes.length, values };
}

const last = <T>(list: readonly T[] | undefined): T | undefined => list?.[list.length - 1];

const asBytes = (v: Value | undefined): Uint8Array | undefined =>
  v instanceof Uint8Array ? v : undefined;
const asVarint = (v: Value | undefined): bigint | undefined =>
  typeof v === 'bigint' ? v : undefined;

const int64 = (v: bigint): number => Number(BigInt.asIntN(64, v));
const int32 = (v: bigint): number => Number(BigInt.asIntN(32, v));
const base64 = (b: Uint8Array): string =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

/** One payload for a message field that occurred `list.length` times. */
function joined(list: readonly Value[], replace: boolean): Uint8Array {
  const parts = list.filter((v): v is Uint8Array => v instanceof Uint8Array);
  if (parts.length === 1 || replace) return parts[parts.length - 1] ?? new Uint8Array(0);
  // Protobuf merges repeated occurrences of a message field exactly like their concatenation.
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Render pass: Go's JSON encoding of the decoded value.

const EMPTY = new Uint8Array(0);
const OMIT = Symbol('omit');
type Rendered = JsonValue | typeof OMIT;

function decodeMessage(bytes: Uint8Array, name: string, depth: number): JsonValue {
  if (depth > MAX_MESSAGE_DEPTH) {
    throw protobufError(`messages nested more than ${MAX_MESSAGE_DEPTH} deep`);
  }
  const m = lookup(name);
  const parsed = parse(bytes, m);
  if (m.spec.render !== undefined) return renderSpecial(m.spec.render, parsed);
  const out: JsonObject = {};
  for (const field of m.spec.fields) {
    const value = renderField(field, parsed.values.get(field.no), depth);
    if (value !== OMIT) out[field.json] = value;
  }
  return out;
}

function renderField(
  field: FieldSpec,
  list: readonly Value[] | undefined,
  depth: number,
): Rendered {
  const { type, go } = field;
  if (typeof type === 'string') return renderScalar(field, last(list));
  if ('message' in type) {
    if (list === undefined) {
      if (go === 'pointer') return OMIT;
      if (go === 'nullable') return null;
      // A value struct is never omitted: it renders from its zero value.
      return decodeMessage(EMPTY, type.message, depth + 1);
    }
    const replace = lookup(type.message).spec.replace === true;
    return decodeMessage(joined(list, replace), type.message, depth + 1);
  }
  if (list === undefined || list.length === 0) {
    // Proto cannot carry an empty list or map; Go decodes their absence to nil.
    return go === 'omitempty' || go === 'pointer' ? OMIT : null;
  }
  if ('repeated' in type) {
    const item = type.repeated;
    return list.map((v) => {
      const b = asBytes(v) ?? EMPTY;
      return item === 'string' ? decodeUtf8(b) : decodeMessage(b, item.message, depth + 1);
    });
  }
  return renderMap(field, type.map, list, depth);
}

function renderScalar(field: FieldSpec, v: Value | undefined): Rendered {
  const { type, go } = field;
  if (v === undefined) {
    if (go === 'pointer' || go === 'omitempty') return OMIT;
    if (go === 'nullable') return null;
  }
  switch (type) {
    case 'string':
      return v === undefined ? '' : omitZero(go, decodeUtf8(asBytes(v) ?? EMPTY), '');
    case 'bytes': {
      // A nil []byte marshals as null, a present one (even empty) as base64.
      const b = asBytes(v);
      if (b === undefined) return null;
      return go === 'omitempty' && b.length === 0 ? OMIT : base64(b);
    }
    case 'int32':
      return omitZero(go, int32(asVarint(v) ?? 0n), 0);
    case 'int64':
      return omitZero(go, int64(asVarint(v) ?? 0n), 0);
    case 'bool':
      return omitZero(go, (asVarint(v) ?? 0n) !== 0n, false);
    default:
      throw new Error(`protobuf: ${field.json} is not a scalar`);
  }
}

const omitZero = <T extends JsonValue>(go: FieldSpec['go'], value: T, zero: T): T | typeof OMIT =>
  go === 'omitempty' && value === zero ? OMIT : value;

function renderMap(
  field: FieldSpec,
  valueType: 'string' | 'bytes' | { readonly message: string },
  list: readonly Value[],
  depth: number,
): JsonObject {
  const entries = new Map<string, JsonValue>();
  for (const v of list) {
    let key = '';
    let value: Uint8Array | undefined;
    const r = new WireReader(asBytes(v) ?? EMPTY);
    while (!r.done) {
      const tag = r.tag();
      if (tag.field !== 1 && tag.field !== 2) {
        r.skip(tag);
        continue;
      }
      if (tag.wireType !== WIRE_BYTES) {
        const part = tag.field === 1 ? 'key' : 'value';
        throw protobufError(
          `wrong wire type ${tag.wireType} for the ${part} of a ${field.json} entry`,
        );
      }
      if (tag.field === 1) key = r.string();
      else value = r.bytes();
    }
    if (valueType === 'string') entries.set(key, decodeUtf8(value ?? EMPTY));
    else if (valueType === 'bytes') entries.set(key, base64(value ?? EMPTY));
    else entries.set(key, decodeMessage(value ?? EMPTY, valueType.message, depth + 2));
  }
  // encoding/json writes map keys sorted (byte order). fromEntries defines own properties, so a key such as
  // "__proto__" stays data, as JSON.parse would leave it.
  return Object.fromEntries([...entries].sort(([a], [b]) => compareStrings(a, b)));
}

// ---------------------------------------------------------------------------------------
// Types with a custom Go JSON form.

function renderSpecial(render: SpecialRender, p: Parsed): JsonValue {
  const varint = (no: number): bigint => asVarint(last(p.values.get(no))) ?? 0n;
  const bytes = (no: number): Uint8Array | undefined => asBytes(last(p.values.get(no)));
  switch (render) {
    case 'Time':
      // metav1.Time's Unmarshal: no bytes is the zero Time; nanos are dropped.
      return p.size === 0 ? null : formatTime(BigInt.asIntN(64, varint(1)) * NANOS, 0);
    case 'MicroTime':
      return p.size === 0
        ? null
        : formatTime(BigInt.asIntN(64, varint(1)) * NANOS + BigInt.asIntN(32, varint(2)), 6);
    case 'Duration':
      return formatGoDuration(BigInt.asIntN(64, varint(1)));
    case 'Quantity': {
      const text = bytes(1);
      if (text === undefined) return '0';
      const s = decodeUtf8(text);
      try {
        return parseQuantity(s).toString();
      } catch (err) {
        throw protobufError(`invalid quantity ${JSON.stringify(s)}: ${(err as Error).message}`);
      }
    }
    case 'IntOrString': {
      const type = BigInt.asIntN(64, varint(1));
      if (type === 0n) return int32(varint(2));
      if (type === 1n) return decodeUtf8(bytes(3) ?? EMPTY);
      throw protobufError(`IntOrString type ${type} is neither 0 (int) nor 1 (string)`);
    }
    case 'FieldsV1': {
      const raw = bytes(1);
      return raw === undefined ? null : parseEmbeddedJson(raw, 'fieldsV1');
    }
    case 'ExtraValue':
      // A []string; the proto comment promises an empty slice, not null, for no items.
      return (p.values.get(1) ?? []).map((v) => decodeUtf8(asBytes(v) ?? EMPTY));
  }
}

function parseEmbeddedJson(raw: Uint8Array, what: string): JsonValue {
  const text = decodeUtf8(raw);
  if (jsonNesting(text) > MAX_JSON_NESTING) {
    throw protobufError(`${what} is nested more than ${MAX_JSON_NESTING} levels deep`);
  }
  try {
    return JSON.parse(text) as JsonValue;
  } catch (err) {
    throw protobufError(`${what} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Deepest nesting of arrays and objects in JSON text, counted without parsing it. */
function jsonNesting(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) max = Math.max(max, ++depth);
    else if (c === 125 || c === 93) depth--;
  }
  return max;
}

const NANOS = 1_000_000_000n;
/** time.Time{}.Unix(): 0001-01-01T00:00:00Z, which Go's IsZero reports as zero. */
const GO_ZERO_UNIX = -62_135_596_800n;
const MIN_RFC3339 = -62_167_219_200n; // 0000-01-01T00:00:00Z
const MAX_RFC3339 = 253_402_300_799n; // 9999-12-31T23:59:59Z

/**
 * A Unix time in nanoseconds as metav1.Time (digits = 0) or metav1.MicroTime (digits = 6)
 * marshal it: UTC, RFC 3339, fraction truncated; the zero time.Time is null. Years outside
 * 0000–9999 have no RFC 3339 form and are rejected.
 */
export function formatTime(unixNanos: bigint, digits: 0 | 6): string | null {
  let seconds = unixNanos / NANOS;
  let nanos = unixNanos % NANOS;
  if (nanos < 0n) {
    seconds -= 1n;
    nanos += NANOS;
  }
  if (seconds === GO_ZERO_UNIX && nanos === 0n) return null;
  if (seconds < MIN_RFC3339 || seconds > MAX_RFC3339) {
    throw protobufError(`time ${seconds}s after the Unix epoch is outside years 0000-9999`);
  }
  const d = new Date(Number(seconds) * 1000);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  const frac = digits === 0 ? '' : `.${pad(Number(nanos / 1000n), 6)}`;
  return `${date}T${time}${frac}Z`;
}

/** Go's time.Duration.String(): "0s", "1.5s", "1h0m0s", "300ms", "1µs", "-2m3s". */
export function formatGoDuration(nanos: bigint): string {
  const neg = nanos < 0n;
  const u = neg ? -nanos : nanos;
  let out: string;
  if (u < NANOS) {
    if (u === 0n) return '0s';
    const [prec, unit] = u < 1_000n ? [0, 'ns'] : u < 1_000_000n ? [3, 'µs'] : [6, 'ms'];
    const [frac, whole] = fraction(u, prec);
    out = `${whole}${frac}${unit}`;
  } else {
    const [frac, seconds] = fraction(u, 9);
    out = `${seconds % 60n}${frac}s`;
    const minutes = seconds / 60n;
    if (minutes > 0n) {
      out = `${minutes % 60n}m${out}`;
      const hours = minutes / 60n;
      if (hours > 0n) out = `${hours}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

/** Go's fmtFrac: v / 10^prec's fraction without trailing zeros (or ""), and the whole part. */
function fraction(v: bigint, prec: number): [string, bigint] {
  let digits = '';
  let print = false;
  let rest = v;
  for (let i = 0; i < prec; i++) {
    const digit = rest % 10n;
    print ||= digit !== 0n;
    if (print) digits = `${digit}${digits}`;
    rest /= 10n;
  }
  return [print ? `.${digits}` : '', rest];
}
