import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../meta.ts';
import { StatusError } from '../status.ts';
import { applyJsonPatch, jsonSizeWithin, MAX_JSON_PATCH_OPERATIONS } from './json-patch.ts';

function refusal(doc: JsonValue, ops: JsonValue[], limit?: number) {
  try {
    applyJsonPatch(doc, ops, limit);
  } catch (err) {
    if (err instanceof StatusError) return { code: err.status.code, message: err.status.message };
    throw err;
  }
  throw new Error('the patch applied');
}

/** Ops that each copy a list into itself: the document doubles with every op. */
const doubling = (n: number): JsonValue[] => [
  { op: 'add', path: '/x', value: [1] },
  ...Array.from({ length: n }, () => ({ op: 'copy', from: '/x', path: '/x/-' })),
];

describe('applyJsonPatch', () => {
  it('applies a patch to a copy, leaving the document as it was', () => {
    const doc = { a: { b: 'c' } };
    const out = applyJsonPatch(doc, [
      { op: 'copy', from: '/a', path: '/d' },
      { op: 'replace', path: '/a/b', value: 'e' },
      { op: 'test', path: '/d/b', value: 'c' },
    ]);
    expect(out).toEqual({ a: { b: 'e' }, d: { b: 'c' } });
    expect(doc).toEqual({ a: { b: 'c' } });
  });

  it('refuses a malformed op with 400 and one that does not apply with 422', () => {
    expect(refusal({}, [{ op: 'bogus', path: '/a' }]).code).toBe(400);
    expect(refusal({}, [{ op: 'add', value: 1 }]).code).toBe(400);
    expect(refusal({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }]).code).toBe(422);
    expect(refusal({}, [{ op: 'copy', from: '/missing', path: '/b' }]).code).toBe(422);
  });

  it('refuses more operations than upstream allows with 413', () => {
    const ops = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({
      op: 'test',
      path: '',
      value: {},
    }));
    expect(refusal({}, ops)).toEqual({
      code: 413,
      message: 'The allowed maximum operations in a JSON patch is 10000, got 10001',
    });
    expect(applyJsonPatch({}, ops.slice(1))).toEqual({});
  });

  it('bounds what copies add together: a doubling patch is a 422 long before it is big', () => {
    expect(applyJsonPatch({}, doubling(8), 3 * 1024 * 1024)).toMatchObject({
      x: expect.any(Array),
    });
    const refused = refusal({}, doubling(64), 65_536);
    expect(refused.code).toBe(422);
    expect(refused.message).toMatch(
      /^Unable to copy, the accumulated size increase of copy is \d+, exceeding the limit 65536$/,
    );
    // The limit counts the copies' JSON, quotes included.
    const big = 'a'.repeat(49);
    expect(() =>
      applyJsonPatch({ s: big }, [{ op: 'copy', from: '/s', path: '/t' }], 51),
    ).not.toThrow();
    expect(refusal({ s: big }, [{ op: 'copy', from: '/s', path: '/t' }], 50).code).toBe(422);
  });

  it('measures JSON sizes exactly within the budget and stops beyond it', () => {
    for (const v of [null, 1.5, 'a"b', [], {}, [1, 'x'], { a: [true, null], 'b c': {} }]) {
      expect(jsonSizeWithin(v, 1_000)).toBe(JSON.stringify(v).length);
    }
    const huge = Array.from({ length: 100_000 }, () => 'abc');
    expect(jsonSizeWithin(huge, 100)).toBeGreaterThan(100);
    expect(jsonSizeWithin(huge, 100)).toBeLessThan(200_000);
  });
});
