/**
 * What every stage of the template engine shares: its error, and Go's view of values
 * (what is true, how a value prints, the missing-key marker `<no value>`).
 */

export class TemplateError extends Error {}

/** A missing map key: prints `<no value>`, is false, and reaches functions as undefined. */
export const NO_VALUE = Symbol('no value');

/** Go's truth: false, 0, nil, '' and empty collections are false. */
export function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === NO_VALUE || v === false || v === 0 || v === '')
    return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

/** A value as Go's fmt prints it with %v. */
export function goString(v: unknown): string {
  if (v === NO_VALUE || v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `map[${Object.keys(o)
      .sort()
      .map((k) => `${k}:${goString(o[k])}`)
      .join(' ')}]`;
  }
  return String(v);
}

/** A value as a function's string argument: missing and nil are ''. */
export const str = (v: unknown): string =>
  v === NO_VALUE || v === undefined || v === null ? '' : goString(v);

/** A value as a function's number argument: anything not numeric is 0. */
export const num = (v: unknown): number => {
  const n = typeof v === 'number' ? v : Number(str(v));
  return Number.isFinite(n) ? n : 0;
};
