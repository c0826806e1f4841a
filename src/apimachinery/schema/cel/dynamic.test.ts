import { describe, expect, it } from 'vitest';
import { DEFAULT_COST_LIMITS, Meter } from './cost.ts';
import { compileDynamic, runDynamic, toDynamic } from './dynamic.ts';

const NAMES = ['object', 'oldObject'];
const run = (text: string, object: unknown, want?: 'bool' | 'string') => {
  const compiled = compileDynamic(text, NAMES, want);
  if (!compiled.ok) throw new Error(compiled.error);
  return runDynamic(
    compiled.program,
    { object: toDynamic(object as never), oldObject: null },
    new Meter(DEFAULT_COST_LIMITS),
  );
};

describe('CEL over untyped values', () => {
  const cluster = { spec: { instances: 3, backup: { barmanObjectStore: {} }, imageName: 'pg:16' } };

  it('reads JSON as maps and ints', () => {
    expect(run('has(object.spec.backup)', cluster)).toBe(true);
    expect(run('!has(object.spec.storage)', cluster)).toBe(true);
    expect(run('object.spec.instances == 3', cluster)).toBe(true);
    expect(run("object.spec.imageName.startsWith('pg:')", cluster)).toBe(true);
    expect(run("'asks for ' + object.spec.imageName", cluster, 'string')).toBe('asks for pg:16');
    expect(run('oldObject == null', cluster)).toBe(true);
  });

  it('refuses what does not compile, or cannot be what is wanted', () => {
    expect(compileDynamic('object.spec.(', NAMES)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^compilation failed: ERROR: <input>:1:/),
    });
    expect(compileDynamic('params.x', NAMES)).toMatchObject({ ok: false });
    expect(compileDynamic("'text'", NAMES, 'bool')).toEqual({
      ok: false,
      error: 'must evaluate to bool, not string',
    });
  });

  it('stops an expression that runs too long', () => {
    const compiled = compileDynamic('[1, 2, 3].all(x, [1, 2, 3].all(y, x + y > 0))', NAMES, 'bool');
    if (!compiled.ok) throw new Error(compiled.error);
    const meter = new Meter({ ...DEFAULT_COST_LIMITS, perCall: 10 });
    expect(() => runDynamic(compiled.program, { object: null, oldObject: null }, meter)).toThrow(
      'actual cost limit exceeded',
    );
  });
});
