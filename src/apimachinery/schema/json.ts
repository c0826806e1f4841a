/**
 * Small JSON-value helpers the schema engine shares: structural equality and copying, the
 * JSON type names go-openapi reports, Go's `%v` rendering of numbers and its string order, and the field-path
 * strings Kubernetes prints (`spec.items[0].name`, `metadata.labels[app]`).
 */
import type { JsonObject, JsonValue } from '../meta.ts';
import { isJsonObject } from '../meta.ts';

export { isJsonObject };

/** Structural equality of decoded JSON; absent and `undefined` members are the same. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  if (ak.length !== bk.length) return false;
  for (const k of ak) {
    if (!Object.hasOwn(bo, k) || !deepEqual(ao[k], bo[k])) return false;
  }
  return true;
}

/** A deep copy that cannot share structure with the source (defaults are handed out often). */
export function deepCopy<T extends JsonValue>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => deepCopy(x)) as T;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    if (x !== undefined) Object.defineProperty(out, k, enumerableValue(deepCopy(x)));
  }
  return out as T;
}

/** An own member of a decoded object; inherited names like `constructor` are absent. */
export function member(obj: JsonObject, k: string): JsonValue | undefined {
  return Object.hasOwn(obj, k) ? obj[k] : undefined;
}

/** Keys like `__proto__` must become own data properties, never prototype writes. */
export function setMember(obj: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(obj, key, enumerableValue(value));
}

function enumerableValue(value: unknown): PropertyDescriptor {
  return { value, enumerable: true, writable: true, configurable: true };
}

/** Go decodes JSON numbers into int64 when they are integral and in range, float64 otherwise. */
export function isJsonInteger(n: number): boolean {
  return Number.isInteger(n) && Math.abs(n) < 2 ** 63;
}

/** The JSON type go-openapi infers for a decoded value. */
export function jsonTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return isJsonInteger(v) ? 'integer' : 'number';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

/** Go's `%v` for a float64: shortest digits, exponent form from 1e+06 up and below 1e-04. */
export function goFloat(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? '+Inf' : '-Inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mant, e] = n.toExponential().split('e') as [string, string];
  const exp = Number(e);
  if (exp < -4 || exp >= 6) {
    const sign = e.startsWith('-') ? '-' : '+';
    const digits = e.replace(/^[-+]/, '').padStart(2, '0');
    return `${mant}e${sign}${digits}`;
  }
  return String(n);
}

/** Go's byte-wise string order, which is code-point order (UTF-16 order differs above U+FFFF). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.codePointAt(i) as number;
    const cb = b.codePointAt(i) as number;
    if (ca !== cb) return ca < cb ? -1 : 1;
    if (ca > 0xffff) i++;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** `a.b` field-path join; an empty parent means the root. */
export function child(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}

export function key(path: string, k: string): string {
  return `${path}[${k}]`;
}

/** How a nil field.Path prints, which is what upstream reports for root-level errors. */
export const NIL_PATH = '<nil>';

export function rendered(path: string): string {
  return path === '' ? NIL_PATH : path;
}
