import { describe, expect, it } from 'vitest';
import { compareStrings, deepCopy, deepEqual, goFloat, jsonTypeName, member } from './json.ts';

describe('JSON helpers', () => {
  it("prints floats like Go's %v", () => {
    expect(goFloat(1)).toBe('1');
    expect(goFloat(1.5)).toBe('1.5');
    expect(goFloat(100000)).toBe('100000');
    expect(goFloat(1000000)).toBe('1e+06');
    expect(goFloat(123456789)).toBe('1.23456789e+08');
    expect(goFloat(0.0001)).toBe('0.0001');
    expect(goFloat(0.00001)).toBe('1e-05');
  });

  it("sorts strings in Go's byte order, which differs from UTF-16 order above U+FFFF", () => {
    // U+1F600 is a surrogate pair (0xD83D…) in UTF-16 but sorts after U+FF01 by code point.
    expect(['\u{1F600}', '\uFF01', 'b', 'a', 'ab'].sort(compareStrings)).toEqual([
      'a',
      'ab',
      'b',
      '\uFF01',
      '\u{1F600}',
    ]);
    expect(['\u{1F600}', '\uFF01'].sort()).toEqual(['\u{1F600}', '\uFF01']);
    expect(compareStrings('x', 'x')).toBe(0);
  });

  it('names JSON types the way go-openapi infers them', () => {
    expect([null, true, 's', 1, 1.5, [], {}].map(jsonTypeName)).toEqual([
      'null',
      'boolean',
      'string',
      'integer',
      'number',
      'array',
      'object',
    ]);
  });

  it('compares and copies structurally', () => {
    const v = { a: [1, { b: 'c' }], d: null };
    const c = deepCopy(v);
    expect(c).toEqual(v);
    expect(c).not.toBe(v);
    expect(deepEqual(v, c)).toBe(true);
    expect(deepEqual({ a: 1 }, { a: 1, b: undefined })).toBe(true);
    expect(deepEqual([1], { 0: 1 })).toBe(false);
    expect(deepEqual({ a: [1, { b: 2 }], c: undefined }, { a: [1, { b: 2 }] })).toBe(true);
    expect(deepEqual({ a: [1] }, { a: [1, 2] })).toBe(false);
  });

  it('reads only own members', () => {
    expect(member({}, 'constructor')).toBeUndefined();
    expect(member({ a: 1 }, 'a')).toBe(1);
  });
});
