import { describe, expect, it } from 'vitest';
import {
  compareQuantities,
  parseQuantity,
  QUANTITY_FORMAT_ERROR,
  QUANTITY_NUMERIC_ERROR,
  QUANTITY_SUFFIX_ERROR,
  Quantity,
  type QuantityFormat,
  QuantityParseError,
  tryParseQuantity,
} from './quantity.ts';

const q = parseQuantity;

describe('parseQuantity: value and format', () => {
  // [input, exact value as a decimal string, format]
  it.each<[string, string, QuantityFormat]>([
    ['0', '0', 'DecimalSI'],
    ['0n', '0', 'DecimalSI'],
    ['0Ki', '0', 'BinarySI'],
    ['0M', '0', 'DecimalSI'],
    ['-0', '0', 'DecimalSI'],
    ['00', '0', 'DecimalSI'],
    ['1Ki', '1024', 'BinarySI'],
    ['8Ki', '8192', 'BinarySI'],
    ['7Mi', String(7 * 2 ** 20), 'BinarySI'],
    ['6Gi', String(6 * 2 ** 30), 'BinarySI'],
    ['5Ti', String(5 * 2 ** 40), 'BinarySI'],
    ['4Pi', (4n * 2n ** 50n).toString(), 'BinarySI'],
    ['3Ei', (3n * 2n ** 60n).toString(), 'BinarySI'],
    ['100Ti', (100n * 2n ** 40n).toString(), 'BinarySI'],
    ['5n', '0.000000005', 'DecimalSI'],
    ['4u', '0.000004', 'DecimalSI'],
    ['3m', '0.003', 'DecimalSI'],
    ['9', '9', 'DecimalSI'],
    ['8k', '8000', 'DecimalSI'],
    ['7M', '7000000', 'DecimalSI'],
    ['6G', '6000000000', 'DecimalSI'],
    ['5T', '5000000000000', 'DecimalSI'],
    ['2P', '2000000000000000', 'DecimalSI'],
    ['1E', '1000000000000000000', 'DecimalSI'],
    ['1E-3', '0.001', 'DecimalExponent'],
    ['1e3', '1000', 'DecimalExponent'],
    ['1.3E+6', '1300000', 'DecimalExponent'],
    ['1.53E12', '1530000000000', 'DecimalExponent'],
    ['129e6', '129000000', 'DecimalExponent'],
    ['128974848', '128974848', 'DecimalSI'],
    ['129M', '129000000', 'DecimalSI'],
    ['123Mi', String(123 * 2 ** 20), 'BinarySI'],
    ['1.5Gi', '1610612736', 'BinarySI'],
    ['100m', '0.1', 'DecimalSI'],
    ['500m', '0.5', 'DecimalSI'],
    ['0.1', '0.1', 'DecimalSI'],
    ['1.5G', '1500000000', 'DecimalSI'],
    ['2e3', '2000', 'DecimalExponent'],
    ['-0.25', '-0.25', 'DecimalSI'],
    ['.5', '0.5', 'DecimalSI'],
    ['+1Ki', '1024', 'BinarySI'],
    ['-5', '-5', 'DecimalSI'],
    ['100.035k', '100035', 'DecimalSI'],
    ['0.0005k', '0.5', 'DecimalSI'],
    ['0.5e-2', '0.005', 'DecimalExponent'],
    ['10.035M', '10035000', 'DecimalSI'],
    ['7.123456M', '7123456', 'DecimalSI'],
    ['6.987654321G', '6987654321', 'DecimalSI'],
    ['1.01E', '1010000000000000000', 'DecimalSI'],
    // Rounded up to a whole nano, away from zero.
    ['3.001n', '0.000000004', 'DecimalSI'],
    ['1.1E-9', '0.000000002', 'DecimalExponent'],
    ['0.0000000001', '0.000000001', 'DecimalSI'],
    ['0.5e-9', '0.000000001', 'DecimalExponent'],
    ['0.00000012345', '0.000000124', 'DecimalSI'],
    ['-0.0000000001', '-0.000000001', 'DecimalSI'],
    // The general path caps at 2^63-1; the int64 fast path does not.
    ['9Ei', '9223372036854775807', 'BinarySI'],
    ['9223372036854775807Ki', '9223372036854775807', 'BinarySI'],
    ['9223372036854775808', '9223372036854775807', 'DecimalSI'],
    ['-9223372036854775809', '-9223372036854775807', 'DecimalSI'],
    ['9223372036854775807.5', '9223372036854775807', 'DecimalSI'],
    ['12E', '12000000000000000000', 'DecimalSI'],
    // Fractional binary amounts; below one they turn decimal.
    ['100.035Ki', '102435.84', 'BinarySI'],
    ['0.5Mi', '524288', 'BinarySI'],
    ['0.05Gi', '53687091.2', 'BinarySI'],
    ['0.000000000001Ki', '0.000000002', 'DecimalSI'],
    ['.001Ki', '1.024', 'BinarySI'],
    ['.0001Ki', '0.1024', 'DecimalSI'],
    // Written by trolls, still accepted upstream.
    ['.001', '0.001', 'DecimalSI'],
    ['.0001k', '0.1', 'DecimalSI'],
    ['1.', '1', 'DecimalSI'],
    ['1.G', '1000000000', 'DecimalSI'],
    ['.', '0', 'DecimalSI'],
    ['-', '0', 'DecimalSI'],
    ['+', '0', 'DecimalSI'],
    // No digits at all: the int64 fast path reads the empty number as zero.
    ['Gi', '0', 'BinarySI'],
    // The exponent is narrowed to 32 bits, wrapping.
    ['1e4294967296', '1', 'DecimalExponent'],
    ['1e4294967299', '1000', 'DecimalExponent'],
  ])('%j', (input, value, format) => {
    const parsed = q(input);
    expect(parsed.format).toBe(format);
    expect(parsed.cmp(decimal(value))).toBe(0);
  });
});

/** An exact decimal string as a Quantity, independent of the parser under test. */
function decimal(text: string): Quantity {
  const negative = text.startsWith('-');
  const [int, frac = ''] = (negative ? text.slice(1) : text).split('.');
  const m = BigInt(`${int}${frac}`);
  return Quantity.of(negative ? -m : m, -frac.length);
}

describe('parseQuantity: errors', () => {
  it.each<[string, string]>([
    ['', QUANTITY_FORMAT_ERROR],
    ['1.1.M', QUANTITY_FORMAT_ERROR],
    ['1+1.0M', QUANTITY_FORMAT_ERROR],
    ['0.1am', QUANTITY_FORMAT_ERROR],
    ['aoeu', QUANTITY_FORMAT_ERROR],
    ['abc', QUANTITY_FORMAT_ERROR],
    ['1.2.3', QUANTITY_FORMAT_ERROR],
    ['1 Gi', QUANTITY_FORMAT_ERROR],
    ['1Gb', QUANTITY_FORMAT_ERROR],
    [' 1', QUANTITY_FORMAT_ERROR],
    ['1 ', QUANTITY_FORMAT_ERROR],
    ['1Gi ', QUANTITY_FORMAT_ERROR],
    // The second sign starts the suffix, which then means nothing.
    ['--1', QUANTITY_SUFFIX_ERROR],
    ['1,000', QUANTITY_FORMAT_ERROR],
    ['0x10', QUANTITY_FORMAT_ERROR],
    ['1Ki1x', QUANTITY_FORMAT_ERROR],
    ['0.1mi', QUANTITY_SUFFIX_ERROR],
    ['.5i', QUANTITY_SUFFIX_ERROR],
    ['1i', QUANTITY_SUFFIX_ERROR],
    ['-3.01i', QUANTITY_SUFFIX_ERROR],
    ['-3.01e-', QUANTITY_SUFFIX_ERROR],
    ['1e', QUANTITY_SUFFIX_ERROR],
    ['1K', QUANTITY_SUFFIX_ERROR],
    ['1KiB', QUANTITY_FORMAT_ERROR],
    ['1mm', QUANTITY_SUFFIX_ERROR],
    ['1e99999999999999999999', QUANTITY_SUFFIX_ERROR],
    ['.Ei', QUANTITY_NUMERIC_ERROR],
  ])('%j', (input, message) => {
    expect(() => q(input)).toThrow(QuantityParseError);
    expect(() => q(input)).toThrow(message);
    expect(tryParseQuantity(input)).toBeUndefined();
  });

  it('spells out the format rule', () => {
    expect(QUANTITY_FORMAT_ERROR).toBe(
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    );
  });
});

describe('toCanonicalString', () => {
  it.each<[string, string]>([
    ['1.5Gi', '1536Mi'],
    ['1000m', '1'],
    ['0.1', '100m'],
    ['1Ki', '1Ki'],
    ['1024Mi', '1Gi'],
    ['1000M', '1G'],
    ['1000', '1k'],
    ['.001Ki', '1024m'],
    ['.000001Ki', '1024u'],
    ['.000000001Ki', '1024n'],
    ['.000000000001Ki', '2n'],
    ['0.5Ki', '512'],
    ['0.1Ki', '102400m'],
    ['1025Ki', '1025Ki'],
    ['1536Ki', '1536Ki'],
    ['2048Ki', '2Mi'],
    ['1.0001Ki', '1024102400u'],
    ['+1Ki', '1Ki'],
    ['-1Ki', '-1Ki'],
    ['-5Ki', '-5Ki'],
    ['-0.5Ki', '-512'],
    ['129e6', '129e6'],
    ['1.5e3', '1500'],
    ['1e-3', '1e-3'],
    ['1e3', '1e3'],
    ['1000e0', '1e3'],
    ['1.08e0', '1080e-3'],
    ['1.5k', '1500'],
    ['1.08', '1080m'],
    ['-1.08', '-1080m'],
    ['0100m', '100m'],
    ['5.444T', '5444G'],
    ['9Ei', '9223372036854775807'],
    ['3Ei', '3Ei'],
    ['0', '0'],
    ['0Ki', '0'],
    ['-0.0', '0'],
    ['10E', '10E'],
    // Above E no decimal suffix exists; upstream prints the bare mantissa.
    ['1000E', '1'],
  ])('%j → %j', (input, expected) => {
    expect(q(input).toCanonicalString()).toBe(expected);
  });

  it.each<[bigint, number, QuantityFormat, string]>([
    [1024n * 1024n * 1024n, 0, 'BinarySI', '1Gi'],
    [300n * 1024n * 1024n, 0, 'BinarySI', '300Mi'],
    [1001n * 1024n ** 3n, 0, 'BinarySI', '1001Gi'],
    [5n, 0, 'BinarySI', '5'],
    [500n, -3, 'BinarySI', '500m'],
    [1025n, 0, 'BinarySI', '1025'],
    [1234567n, -3, 'BinarySI', '1234567m'],
    [1000n, 6, 'DecimalSI', '1G'],
    [108n, -2, 'DecimalSI', '1080m'],
    [10800n, -10, 'DecimalSI', '1080n'],
    [1234567n, 6, 'DecimalSI', '1234567M'],
    [80n, -3, 'DecimalExponent', '80e-3'],
    [108n, -2, 'DecimalExponent', '1080e-3'],
    [1n, 0, 'DecimalExponent', '1'],
    [-1n, 12, 'DecimalSI', '-1T'],
  ])('Quantity.of(%s, %d, %s) → %j', (value, scale, format, expected) => {
    expect(Quantity.of(value, scale, format).toCanonicalString()).toBe(expected);
  });
});

describe('toString keeps canonical input verbatim', () => {
  it.each<[string, string]>([
    ['128974848', '128974848'],
    ['129e6', '129e6'],
    ['129M', '129M'],
    ['123Mi', '123Mi'],
    ['100m', '100m'],
    ['+1Ki', '+1Ki'],
    ['0100m', '0100m'],
    ['1E3', '1E3'],
    ['0', '0'],
    // Not canonical: re-rendered.
    ['1000m', '1'],
    ['1.5Gi', '1536Mi'],
    ['0.1', '100m'],
    ['8Ki', '8Ki'],
    ['1024Mi', '1Gi'],
    ['1.0', '1'],
    ['1.5k', '1500'],
    ['00', '0'],
  ])('%j → %j', (input, expected) => {
    expect(q(input).toString()).toBe(expected);
    expect(JSON.stringify({ q: q(input) })).toBe(JSON.stringify({ q: expected }));
  });

  it('drops the verbatim text after arithmetic', () => {
    expect(q('+1Ki').add(q('0')).toString()).toBe('1Ki');
  });
});

describe('arithmetic and comparison', () => {
  it.each<[string, string, string]>([
    ['1Gi', '512Mi', '1536Mi'],
    ['100m', '900m', '1'],
    ['1', '-1', '0'],
    ['1.5', '1.5', '3'],
    ['1', '500m', '1500m'],
    ['1n', '1', '1000000001n'],
    ['0', '1Ki', '1Ki'],
    ['1k', '1Ki', '2024'],
    ['9223372036854775807', '1', '9223372036854775808'],
  ])('%s + %s = %s', (a, b, sum) => {
    expect(q(a).add(q(b)).toString()).toBe(sum);
  });

  it.each<[string, string, string]>([
    ['1Gi', '512Mi', '512Mi'],
    ['1', '100m', '900m'],
    ['100m', '1', '-900m'],
  ])('%s - %s = %s', (a, b, diff) => {
    expect(q(a).sub(q(b)).toString()).toBe(diff);
  });

  it('keeps the receiver format unless it is zero', () => {
    expect(q('1Ki').add(q('1k')).format).toBe('BinarySI');
    expect(q('1k').add(q('1Ki')).format).toBe('DecimalSI');
    expect(q('0').add(q('1Ki')).format).toBe('BinarySI');
  });

  it.each<[string, string, -1 | 0 | 1]>([
    ['1', '1', 0],
    ['1000m', '1', 0],
    ['1e3', '1k', 0],
    ['1Gi', '1G', 1],
    ['1G', '1Gi', -1],
    ['-1', '0', -1],
    ['0', '-1', 1],
    ['-2', '-1', -1],
    ['1n', '0', 1],
    ['0.5', '500m', 0],
    ['1e100', '9Ei', 1],
    ['-1e100', '-9Ei', -1],
    ['1n', '1e-5', -1],
    ['999m', '1', -1],
    ['1', '999999999n', 1],
  ])('compare(%s, %s) = %d', (a, b, expected) => {
    expect(compareQuantities(q(a), q(b))).toBe(expected);
    expect(Quantity.compare(q(b), q(a))).toBe(expected === 0 ? 0 : -expected);
    expect(q(a).equals(q(b))).toBe(expected === 0);
  });

  it('stays exact where floats would not', () => {
    const tenth = q('100m');
    let sum = q('0');
    for (let i = 0; i < 10; i++) sum = sum.add(tenth);
    expect(sum.cmp(q('1'))).toBe(0);
    expect(q('9007199254740993').add(q('1')).toString()).toBe('9007199254740994');
  });

  it('refuses to align absurdly distant exponents', () => {
    expect(() => q('1e2000000').add(q('1n'))).toThrow(RangeError);
    expect(q('1e2000000').cmp(q('1n'))).toBe(1);
  });
});

describe('values', () => {
  it.each<[string, bigint, bigint, number]>([
    ['1', 1n, 1000n, 1],
    ['100m', 1n, 100n, 0.1],
    ['1.5', 2n, 1500n, 1.5],
    ['-1.5', -2n, -1500n, -1.5],
    ['1n', 1n, 1n, 1e-9],
    ['1Ki', 1024n, 1024000n, 1024],
    ['129e6', 129000000n, 129000000000n, 129e6],
    ['12E', 12000000000000000000n, 12000000000000000000000n, 1.2e19],
  ])('%s: value %s, milli %s, approx %d', (input, value, milli, approx) => {
    const parsed = q(input);
    expect(parsed.value()).toBe(value);
    expect(parsed.milliValue()).toBe(milli);
    expect(parsed.asApproximateNumber()).toBe(approx);
  });

  it.each<[string, bigint | undefined]>([
    ['0', 0n],
    ['2k', 2000n],
    ['1000m', 1n],
    ['-1Ki', -1024n],
    ['9223372036854775807', 9223372036854775807n],
    ['1.5', undefined],
    ['1n', undefined],
    ['1e19', undefined],
    ['1e100', undefined],
  ])('asInt64(%s) = %s', (input, expected) => {
    expect(q(input).asInt64()).toBe(expected);
  });

  it('asInt64 covers the whole int64 range and no more', () => {
    const max = q('9223372036854775807');
    expect(max.add(q('1')).asInt64()).toBeUndefined();
    expect(max.neg().sub(q('1')).asInt64()).toBe(-(2n ** 63n));
    expect(max.neg().sub(q('2')).asInt64()).toBeUndefined();
  });

  it('reports sign and zero', () => {
    expect([q('-1').sign(), q('0').sign(), q('1m').sign()]).toEqual([-1, 0, 1]);
    expect(q('0Mi').isZero()).toBe(true);
    expect(q('1n').isZero()).toBe(false);
    expect(Quantity.fromMilli(1500).toString()).toBe('1500m');
    expect(Quantity.of(3, 3).toString()).toBe('3k');
    expect(() => Quantity.of(0.5)).toThrow(RangeError);
  });

  // How long these take is measured by `npm run bench -- parsers`.
  it('parses huge inputs', () => {
    expect(q(`${'9'.repeat(100_000)}`).toString()).toBe('9223372036854775807');
    expect(q(`0.${'0'.repeat(100_000)}1`).toString()).toBe('1n');
    expect(q(`${'1'.repeat(50_000)}e-2147483648`).toString()).toBe('1e-9');
  });
});
