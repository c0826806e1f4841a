/**
 * The resource.Quantity syntax and exact value, as much as CRD validation needs: the
 * `quantity` string format and the CEL `quantity()` library compare, add and convert
 * quantities. Values are exact rationals over BigInt so `1Ki` versus `1024` never rounds.
 */

export interface QuantityValue {
  /** value = num / den, den > 0 */
  readonly num: bigint;
  readonly den: bigint;
}

const DECIMAL_SUFFIX: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const BINARY_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

const SHAPE = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;

export const QUANTITY_SYNTAX_ERROR =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

function pow(base: bigint, exp: number): bigint {
  return base ** BigInt(exp);
}

function normalize(num: bigint, den: bigint): QuantityValue {
  const g = gcd(num < 0n ? -num : num, den);
  return g > 1n ? { num: num / g, den: den / g } : { num, den };
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a === 0n ? 1n : a;
}

/** Parses a quantity, or returns undefined when the text is not one. */
export function parseQuantityValue(text: string): QuantityValue | undefined {
  const m = SHAPE.exec(text);
  if (!m) return undefined;
  const numberPart = m[1] as string;
  const suffix = m[2] as string;
  const digits = numberPart.replace(/^[+-]/, '');
  if (!/^(\d+\.?\d*|\.\d+)$/.test(digits)) return undefined;
  const negative = numberPart.startsWith('-');
  const [whole = '', frac = ''] = digits.split('.');
  let num = BigInt(`${whole}${frac}` || '0');
  let den = pow(10n, frac.length);
  if (negative) num = -num;
  if (suffix in DECIMAL_SUFFIX) {
    const e = DECIMAL_SUFFIX[suffix] as number;
    if (e >= 0) num *= pow(10n, e);
    else den *= pow(10n, -e);
  } else if (suffix in BINARY_SUFFIX) {
    num *= pow(2n, BINARY_SUFFIX[suffix] as number);
  } else {
    const em = /^[eE]([-+]?\d+)$/.exec(suffix);
    if (!em) return undefined;
    const e = Number(em[1]);
    if (!Number.isSafeInteger(e) || Math.abs(e) > 1000) return undefined;
    if (e >= 0) num *= pow(10n, e);
    else den *= pow(10n, -e);
  }
  return normalize(num, den);
}

export function isQuantity(text: string): boolean {
  return parseQuantityValue(text) !== undefined;
}

export function compareQuantityValues(a: QuantityValue, b: QuantityValue): -1 | 0 | 1 {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

export function addQuantityValues(a: QuantityValue, b: QuantityValue): QuantityValue {
  return normalize(a.num * b.den + b.num * a.den, a.den * b.den);
}

export function negateQuantityValue(a: QuantityValue): QuantityValue {
  return { num: -a.num, den: a.den };
}

export function quantityFromInteger(n: bigint): QuantityValue {
  return { num: n, den: 1n };
}

export function quantityIsInteger(a: QuantityValue): boolean {
  return a.den === 1n;
}

export function quantityToNumber(a: QuantityValue): number {
  return Number(a.num) / Number(a.den);
}
