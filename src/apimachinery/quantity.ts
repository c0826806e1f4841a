/**
 * resource.Quantity (k8s.io/apimachinery/pkg/api/resource): parsing, exact arithmetic,
 * comparison and the canonical text form of CPU, memory and other resource amounts.
 *
 * A value is an exact decimal, mantissa × 10^exponent, kept in BigInt so no float rounding
 * creeps in. Parsing follows upstream step by step because its edge cases are visible to
 * clients: values are rounded up to a multiple of 1n, amounts parsed the slow way are capped
 * at 2^63-1, and a string already in canonical form is kept verbatim (so `+1Ki` and `0100m`
 * print back unchanged while `1000m` prints as `1`).
 */

export type QuantityFormat = 'DecimalExponent' | 'BinarySI' | 'DecimalSI';

export const QUANTITY_FORMAT_ERROR =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
export const QUANTITY_NUMERIC_ERROR = 'unable to parse numeric part of quantity';
export const QUANTITY_SUFFIX_ERROR = "unable to parse quantity's suffix";

export class QuantityParseError extends Error {
  override readonly name = 'QuantityParseError';
}

const DECIMAL_SUFFIXES: ReadonlyMap<string, number> = new Map([
  ['n', -9],
  ['u', -6],
  ['m', -3],
  ['', 0],
  ['k', 3],
  ['M', 6],
  ['G', 9],
  ['T', 12],
  ['P', 15],
  ['E', 18],
]);
const DECIMAL_SUFFIX_BY_EXPONENT: ReadonlyMap<number, string> = new Map(
  [...DECIMAL_SUFFIXES].map(([s, e]) => [e, s]),
);
const BINARY_SUFFIXES: ReadonlyMap<string, number> = new Map([
  ['Ki', 10],
  ['Mi', 20],
  ['Gi', 30],
  ['Ti', 40],
  ['Pi', 50],
  ['Ei', 60],
]);
const BINARY_SUFFIX_BY_POWER = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

const INT64_MAX = 2n ** 63n - 1n;
/** Values never have more precision than 1n. */
const NANO_EXPONENT = -9;
/**
 * Exponent gaps wider than this are refused in arithmetic: aligning them would build
 * numbers with that many digits. Real quantities stay within a few dozen.
 */
const MAX_ALIGNMENT = 100_000;

const pow10 = (n: number): bigint => 10n ** BigInt(n);
const abs = (n: bigint): bigint => (n < 0n ? -n : n);
const digitCount = (n: bigint): number => (n === 0n ? 1 : abs(n).toString().length);

/** Strips trailing zeros into the exponent; zero becomes (0, 0). */
function normalize(mantissa: bigint, exponent: number): [bigint, number] {
  if (mantissa === 0n) return [0n, 0];
  const text = abs(mantissa).toString();
  let zeros = 0;
  while (text[text.length - 1 - zeros] === '0') zeros++;
  if (zeros === 0) return [mantissa, exponent];
  return [mantissa / pow10(zeros), exponent + zeros];
}

/** Divides by 10^k, rounding away from zero (inf.RoundUp). */
function divRoundAway(m: bigint, k: number): bigint {
  if (k <= 0) return m * pow10(-k);
  if (k > digitCount(m)) return m === 0n ? 0n : m < 0n ? -1n : 1n;
  const d = pow10(k);
  const q = m / d;
  if (m % d === 0n) return q;
  return m < 0n ? q - 1n : q + 1n;
}

interface ParsedParts {
  positive: boolean;
  /** Integer digits with leading zeros stripped; "0" when there are none. */
  num: string;
  /** Fraction digits, possibly empty. */
  denom: string;
  /** Whether any digit appeared at all (`.` and `-` parse, but only as zero). */
  hasDigits: boolean;
  suffix: string;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const SUFFIX_CHARS = 'eEinumkKMGTP';

/** parseQuantityString: splits sign, number and suffix without judging the suffix. */
function splitQuantity(str: string): ParsedParts {
  let pos = 0;
  const end = str.length;
  let positive = true;
  if (str[0] === '-') {
    positive = false;
    pos++;
  } else if (str[0] === '+') {
    pos++;
  }
  const zerosStart = pos;
  while (pos < end && str[pos] === '0') pos++;
  const sawZero = pos > zerosStart;
  if (pos >= end) return { positive, num: '0', denom: '', hasDigits: sawZero, suffix: '' };

  const numStart = pos;
  while (pos < end && isDigit(str[pos])) pos++;
  const intDigits = str.slice(numStart, pos);
  let denom = '';
  if (pos < end && str[pos] === '.') {
    pos++;
    const denomStart = pos;
    while (pos < end && isDigit(str[pos])) pos++;
    denom = str.slice(denomStart, pos);
  }
  const num = intDigits || '0';
  const hasDigits = sawZero || intDigits.length > 0 || denom.length > 0;

  const suffixStart = pos;
  while (pos < end && SUFFIX_CHARS.includes(str[pos] as string)) pos++;
  if (pos < end && (str[pos] === '-' || str[pos] === '+')) pos++;
  while (pos < end && isDigit(str[pos])) pos++;
  if (pos < end) throw new QuantityParseError(QUANTITY_FORMAT_ERROR);
  return { positive, num, denom, hasDigits, suffix: str.slice(suffixStart) };
}

interface SuffixMeaning {
  base: 2 | 10;
  exponent: number;
  format: QuantityFormat;
}

function interpretSuffix(suffix: string): SuffixMeaning {
  const dec = DECIMAL_SUFFIXES.get(suffix);
  if (dec !== undefined) return { base: 10, exponent: dec, format: 'DecimalSI' };
  const bin = BINARY_SUFFIXES.get(suffix);
  if (bin !== undefined) return { base: 2, exponent: bin, format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E')) {
    const digits = suffix.slice(1);
    if (/^[+-]?[0-9]+$/.test(digits)) {
      const n = BigInt(digits);
      if (n >= -(2n ** 63n) && n <= INT64_MAX) {
        // Upstream narrows the int64 to int32, wrapping; keep that.
        return { base: 10, exponent: Number(BigInt.asIntN(32, n)), format: 'DecimalExponent' };
      }
    }
  }
  throw new QuantityParseError(QUANTITY_SUFFIX_ERROR);
}

export class Quantity {
  readonly #mantissa: bigint;
  readonly #exponent: number;
  readonly format: QuantityFormat;
  /** The parsed text, kept when it was already canonical (upstream's cached string). */
  readonly #text: string | undefined;

  private constructor(mantissa: bigint, exponent: number, format: QuantityFormat, text?: string) {
    [this.#mantissa, this.#exponent] = normalize(mantissa, exponent);
    this.format = format;
    this.#text = text;
  }

  /** `value × 10^scale` (resource.NewScaledQuantity); a plain integer with scale 0. */
  static of(value: bigint | number, scale = 0, format: QuantityFormat = 'DecimalSI'): Quantity {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) {
      throw new RangeError(`quantity value must be a safe integer, got ${value}`);
    }
    return new Quantity(BigInt(value), scale, format);
  }

  /** `value / 1000` (resource.NewMilliQuantity). */
  static fromMilli(value: bigint | number, format: QuantityFormat = 'DecimalSI'): Quantity {
    return Quantity.of(value, -3, format);
  }

  static parse(text: string): Quantity {
    return parseQuantity(text);
  }

  static compare(a: Quantity, b: Quantity): -1 | 0 | 1 {
    return a.cmp(b);
  }

  /** @internal Used by parseQuantity. */
  static fromParts(m: bigint, e: number, format: QuantityFormat, text?: string): Quantity {
    return new Quantity(m, e, format, text);
  }

  isZero(): boolean {
    return this.#mantissa === 0n;
  }

  sign(): -1 | 0 | 1 {
    return this.#mantissa === 0n ? 0 : this.#mantissa < 0n ? -1 : 1;
  }

  cmp(other: Quantity): -1 | 0 | 1 {
    const sa = this.sign();
    const sb = other.sign();
    if (sa !== sb || sa === 0) return sa < sb ? -1 : sa > sb ? 1 : 0;
    // Same sign, both non-zero: compare orders of magnitude before aligning digits.
    const oa = digitCount(this.#mantissa) + this.#exponent;
    const ob = digitCount(other.#mantissa) + other.#exponent;
    if (oa !== ob) return (oa > ob ? sa : -sa) as -1 | 1;
    const e = Math.min(this.#exponent, other.#exponent);
    const a = this.#mantissa * pow10(this.#exponent - e);
    const b = other.#mantissa * pow10(other.#exponent - e);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  equals(other: Quantity): boolean {
    return this.cmp(other) === 0;
  }

  /** Sum, in this quantity's format (or the other's when this one is zero), as upstream. */
  add(other: Quantity): Quantity {
    const format = this.isZero() ? other.format : this.format;
    if (other.isZero()) return new Quantity(this.#mantissa, this.#exponent, format);
    if (this.isZero()) return new Quantity(other.#mantissa, other.#exponent, format);
    const e = Math.min(this.#exponent, other.#exponent);
    if (Math.max(this.#exponent, other.#exponent) - e > MAX_ALIGNMENT) {
      throw new RangeError('quantities too far apart in magnitude to add exactly');
    }
    const sum =
      this.#mantissa * pow10(this.#exponent - e) + other.#mantissa * pow10(other.#exponent - e);
    return new Quantity(sum, e, format);
  }

  sub(other: Quantity): Quantity {
    return this.add(other.neg());
  }

  neg(): Quantity {
    return new Quantity(-this.#mantissa, this.#exponent, this.format);
  }

  /**
   * The value in units of 10^scale, rounded away from zero (ScaledValue): `value()` is
   * scale 0, `milliValue()` scale -3.
   */
  scaledValue(scale: number): bigint {
    const shift = this.#exponent - scale;
    if (shift > MAX_ALIGNMENT) throw new RangeError('quantity too large to scale');
    return divRoundAway(this.#mantissa, -shift);
  }

  value(): bigint {
    return this.scaledValue(0);
  }

  milliValue(): bigint {
    return this.scaledValue(-3);
  }

  /**
   * The value as an integer when it is a whole number that fits in an int64, else undefined
   * (AsInt64, without upstream's quirk of refusing whole values stored at a negative scale
   * such as `1000m`).
   */
  asInt64(): bigint | undefined {
    if (this.#exponent < 0) return undefined;
    if (digitCount(this.#mantissa) + this.#exponent > 19) return undefined;
    const v = this.#mantissa * pow10(this.#exponent);
    return v > INT64_MAX || v < -INT64_MAX - 1n ? undefined : v;
  }

  /** A float close to the value (AsApproximateFloat64); ±Infinity when out of range. */
  asApproximateNumber(): number {
    return Number(`${this.#mantissa}e${this.#exponent}`);
  }

  /** The text upstream's String() returns: the parsed text if canonical, else canonical. */
  toString(): string {
    return this.#text ?? this.toCanonicalString();
  }

  toJSON(): string {
    return this.toString();
  }

  /**
   * The canonical form: the largest suffix that keeps an integer mantissa, `1.5Gi` →
   * `1536Mi`, `0.1` → `100m`, `1000m` → `1`. Binary amounts below 1Ki, or that are not
   * whole numbers, print as decimal.
   */
  toCanonicalString(): string {
    const m = this.#mantissa;
    const e = this.#exponent;
    if (m === 0n) return '0';
    let format = this.format;
    if (format === 'BinarySI') {
      const small = e < 4 && abs(m * pow10(Math.max(e, 0))) < 1024n * pow10(Math.max(-e, 0));
      // Huge exponents cannot print in base 1024 anyway; show them in decimal.
      if (small || e < 0 || e > 10_000) format = 'DecimalSI';
    }
    if (format === 'BinarySI') {
      let value = m * pow10(e);
      let power = 0;
      while (abs(value) >= 1024n && value % 1024n === 0n) {
        value /= 1024n;
        power++;
      }
      // Past Ei upstream finds no suffix and prints the bare number; so do we.
      return `${value}${BINARY_SUFFIX_BY_POWER[power] ?? ''}`;
    }
    // Lower the exponent to a multiple of three, moving digits into the mantissa.
    const r = ((e % 3) + 3) % 3;
    const mantissa = m * pow10(r);
    const exponent = e - r;
    if (format === 'DecimalExponent') {
      return exponent === 0 ? `${mantissa}` : `${mantissa}e${exponent}`;
    }
    // Past E upstream finds no suffix and prints the bare mantissa; so do we.
    return `${mantissa}${DECIMAL_SUFFIX_BY_EXPONENT.get(exponent) ?? ''}`;
  }
}

/**
 * ParseQuantity. Throws QuantityParseError with upstream's message for text that is not a
 * quantity.
 */
export function parseQuantity(str: string): Quantity {
  if (str.length === 0) throw new QuantityParseError(QUANTITY_FORMAT_ERROR);
  if (str === '0') return Quantity.fromParts(0n, 0, 'DecimalSI', str);

  const { positive, num, denom, hasDigits, suffix } = splitQuantity(str);
  const { base, exponent, format } = interpretSuffix(suffix);
  const shifted = num + denom;

  // Upstream's int64 fast path: no rounding, no cap, and the text may be kept verbatim.
  if (base === 10) {
    const precision = 18 - shifted.length;
    const scale = exponent - denom.length;
    if (precision >= 0 && scale >= NANO_EXPONENT) {
      const value = BigInt(shifted);
      const canonical = scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
      return Quantity.fromParts(
        positive ? value : -value,
        scale,
        format,
        canonical ? str : undefined,
      );
    }
  } else if (denom.length === 0) {
    const precision = 15 - num.length - Math.trunc((exponent * 3) / 10) - 1;
    if (precision >= 0) {
      const value = BigInt(num);
      const canonical = exponent % 10 === 0 && (value & 7n) !== 0n;
      const amount = value << BigInt(exponent);
      return Quantity.fromParts(
        positive ? amount : -amount,
        0,
        format,
        canonical ? str : undefined,
      );
    }
  }

  // The general path: exact decimal, rounded up to 1n, capped at 2^63-1.
  if (!hasDigits) throw new QuantityParseError(QUANTITY_NUMERIC_ERROR);
  let mantissa = BigInt(shifted);
  let exp = -denom.length;
  if (base === 10) exp += exponent;
  else mantissa <<= BigInt(exponent);

  let resultFormat = format;
  if (mantissa !== 0n) {
    if (exp < NANO_EXPONENT) {
      mantissa = divRoundAway(mantissa, NANO_EXPONENT - exp);
      exp = NANO_EXPONENT;
    }
    // Beyond 19 digits the value is surely above the cap; below, compare exactly.
    const order = digitCount(mantissa) + exp;
    if (order > 19 || mantissa * pow10(Math.max(exp, 0)) > INT64_MAX * pow10(Math.max(-exp, 0))) {
      mantissa = INT64_MAX;
      exp = 0;
    }
    // A binary amount below one would print oddly; upstream switches it to decimal.
    if (resultFormat === 'BinarySI' && digitCount(mantissa) + exp <= 0) {
      resultFormat = 'DecimalSI';
    }
  }
  return Quantity.fromParts(positive ? mantissa : -mantissa, exp, resultFormat);
}

/** parseQuantity, or undefined for text that is not a quantity. */
export function tryParseQuantity(str: string): Quantity | undefined {
  try {
    return parseQuantity(str);
  } catch (err) {
    if (err instanceof QuantityParseError) return undefined;
    throw err;
  }
}

export function compareQuantities(a: Quantity, b: Quantity): -1 | 0 | 1 {
  return a.cmp(b);
}
