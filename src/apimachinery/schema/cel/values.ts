/**
 * JSON values as the CEL runtime sees them, typed by the node's CEL type: integers become
 * BigInt, numbers stay doubles, byte/duration/date strings become bytes/Duration/Date, maps
 * become Map, and objects become instances of the object type's class. Object instances
 * convert their fields lazily, so a rule touching two fields of a large object converts two
 * fields. `celEquals` is CEL equality over these representations (object types compare by
 * their JSON).
 */
import { Duration } from '@marcbachmann/cel-js/evaluator';
import type { JsonObject, JsonValue } from '../../meta.ts';
import { parseFormatDuration } from '../formats.ts';
import { deepEqual, isJsonObject, member } from '../json.ts';
import type { CelField, CelType } from './types.ts';

export type ObjectType = Extract<CelType, { kind: 'object' }>;
export type ObjectClass = new (raw: JsonObject) => Map<string, unknown>;
export type ClassOf = (t: ObjectType) => ObjectClass;

const RAW = new WeakMap<object, JsonValue>();

/** The JSON an object-typed CEL value was built from. */
export function rawOf(v: unknown): JsonValue | undefined {
  return typeof v === 'object' && v !== null ? RAW.get(v) : undefined;
}

export function makeObjectClass(
  name: string,
  fields: readonly CelField[],
  classOf: ClassOf,
): ObjectClass {
  const byName = new Map(fields.map((f) => [f.name, f]));
  const cls = class extends Map<string, unknown> {
    readonly #raw: JsonObject;
    constructor(raw: JsonObject) {
      super();
      this.#raw = raw;
      RAW.set(this, raw);
    }
    override get(key: string): unknown {
      if (super.has(key)) return super.get(key);
      const f = byName.get(key);
      if (f === undefined) return undefined;
      const v = member(this.#raw, f.json);
      // null members read as absent: has() is false and selection reports no such key.
      const out = v === undefined || v === null ? undefined : toCel(f.type, v, classOf);
      super.set(key, out);
      return out;
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
}

export function toCel(t: CelType, v: JsonValue, classOf: ClassOf): unknown {
  if (v === null) return null;
  switch (t.kind) {
    case 'int':
    case 'double':
    case 'string':
    case 'bool':
    case 'dyn':
      return t.kind === 'double' && typeof v === 'number' ? v : generic(v);
    case 'bytes':
      return typeof v === 'string' ? decodeBase64(v) : generic(v);
    case 'duration':
      return typeof v === 'string' ? (durationOf(v) ?? v) : generic(v);
    case 'timestamp':
      return typeof v === 'string' ? (timestampOf(v) ?? v) : generic(v);
    case 'list':
      return Array.isArray(v) ? v.map((x) => toCel(t.elem, x, classOf)) : generic(v);
    case 'map':
      if (!isJsonObject(v)) return generic(v);
      return new Map(
        Object.entries(v)
          .filter((e): e is [string, JsonValue] => e[1] !== undefined)
          .map(([k, x]) => [k, toCel(t.value, x, classOf)]),
      );
    case 'object':
      return isJsonObject(v) ? new (classOf(t))(v) : generic(v);
  }
}

/**
 * Untyped conversion, for dyn values and values that do not match their declared type:
 * integral numbers become CEL ints (as upstream decodes JSON into unstructured objects).
 */
export function generic(v: JsonValue): unknown {
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 2 ** 63 ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(generic);
  if (isJsonObject(v)) {
    return new Map(
      Object.entries(v)
        .filter((e): e is [string, JsonValue] => e[1] !== undefined)
        .map(([k, x]) => [k, generic(x)]),
    );
  }
  return v;
}

function decodeBase64(s: string): Uint8Array | string {
  try {
    return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  } catch {
    return s;
  }
}

export function durationFromMillis(ms: number): Duration {
  const nanos = BigInt(Math.round(ms * 1e6));
  return new Duration(nanos / 1_000_000_000n, Number(nanos % 1_000_000_000n));
}

function durationOf(s: string): Duration | undefined {
  const ms = parseFormatDuration(s);
  return ms === undefined ? undefined : durationFromMillis(ms);
}

function timestampOf(s: string): Date | undefined {
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s.toUpperCase());
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** CEL equality over runtime values (numbers compare across int and double). */
export function celEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (
    (typeof a === 'bigint' || typeof a === 'number') &&
    (typeof b === 'bigint' || typeof b === 'number')
  ) {
    // biome-ignore lint/suspicious/noDoubleEquals: CEL compares int and double by value.
    return a == b;
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ra = RAW.get(a);
  const rb = RAW.get(b);
  if (ra !== undefined || rb !== undefined) return deepEqual(ra, rb);
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof Duration && b instanceof Duration) return a.valueOf() === b.valueOf();
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => celEquals(x, b[i]));
  }
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !celEquals(v, b.get(k))) return false;
    return true;
  }
  return false;
}

/** Ordering for the comparable CEL types; undefined when the values do not compare. */
export function celCompare(a: unknown, b: unknown): number | undefined {
  const num = (x: unknown) => typeof x === 'bigint' || typeof x === 'number';
  if (num(a) && num(b))
    return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (a instanceof Date && b instanceof Date) return Math.sign(a.getTime() - b.getTime());
  if (a instanceof Duration && b instanceof Duration) return Math.sign(a.valueOf() - b.valueOf());
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
    }
    return a.length - b.length;
  }
  return undefined;
}
