import { describe, expect, it } from 'vitest';
import { addQuantityValues, compareQuantityValues, parseQuantityValue } from './quantity.ts';

const q = (s: string) => {
  const v = parseQuantityValue(s);
  if (v === undefined) throw new Error(`not a quantity: ${s}`);
  return v;
};

describe('quantities', () => {
  it('parses suffixes and exponents exactly', () => {
    expect(q('1Ki')).toEqual({ num: 1024n, den: 1n });
    expect(q('500m')).toEqual({ num: 1n, den: 2n });
    expect(q('1.5G')).toEqual({ num: 1_500_000_000n, den: 1n });
    expect(q('2e3')).toEqual({ num: 2000n, den: 1n });
    expect(q('-0.25')).toEqual({ num: -1n, den: 4n });
    expect(q('.5')).toEqual({ num: 1n, den: 2n });
  });

  it('rejects what Kubernetes rejects', () => {
    for (const bad of ['', 'Gi', '1 Gi', '1K', '1.2.3', '1Gb', 'abc'])
      expect(parseQuantityValue(bad)).toBeUndefined();
  });

  it('compares and adds', () => {
    expect(compareQuantityValues(q('1Gi'), q('1G'))).toBe(1);
    expect(compareQuantityValues(q('1000m'), q('1'))).toBe(0);
    expect(addQuantityValues(q('1'), q('500m'))).toEqual(q('1500m'));
  });
});
