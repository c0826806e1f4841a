import { describe, expect, it } from 'vitest';
import { isConditionTrue, sameStatusIgnoringTimes, setCondition } from './conditions.ts';
import type { Condition } from './meta.ts';

describe('conditions', () => {
  it('keeps the transition time while the status stays, and moves it when it changes', () => {
    const conditions: Condition[] = [
      { type: 'Ready', status: 'True', reason: 'Ok', message: '', lastTransitionTime: 'then' },
    ];
    setCondition(conditions, { type: 'Ready', status: 'True', reason: 'StillOk', message: '' });
    expect(conditions[0]).toMatchObject({ reason: 'StillOk', lastTransitionTime: 'then' });
    setCondition(conditions, { type: 'Ready', status: 'False', reason: 'Broken', message: '' });
    expect(conditions[0]?.lastTransitionTime).not.toBe('then');
    expect(isConditionTrue(conditions, 'Ready')).toBe(false);
  });

  it('compares statuses without their transition times', () => {
    const at = (time: string, status = 'True') => ({
      phase: 'Bound',
      conditions: [{ type: 'Ready', status, lastTransitionTime: time }],
    });
    expect(sameStatusIgnoringTimes(at('t1'), at('t2'))).toBe(true);
    expect(sameStatusIgnoringTimes(at('t1'), at('t1', 'False'))).toBe(false);
    expect(sameStatusIgnoringTimes({ phase: 'Bound' }, { phase: 'Binding' })).toBe(false);
  });
});
