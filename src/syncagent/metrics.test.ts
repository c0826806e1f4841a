import { describe, expect, it } from 'vitest';
import { AgentMetrics } from './metrics.ts';

describe('AgentMetrics.timeReconcile', () => {
  it('counts successes and failures per controller and passes results and errors on', async () => {
    const m = new AgentMetrics();
    expect(await m.timeReconcile('sync', async () => 42)).toBe(42);
    const boom = new Error('boom');
    await expect(
      m.timeReconcile('sync', async () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    const counts = (await m.reconciles.get()).values.map((v) => [v.labels.result, v.value]);
    expect(counts).toEqual([
      ['success', 1],
      ['error', 1],
    ]);
    const durations = (await m.reconcileDuration.get()).values.find(
      (v) => v.metricName === 'syncagent_reconcile_duration_seconds_count',
    );
    expect(durations?.value).toBe(2);
  });
});
