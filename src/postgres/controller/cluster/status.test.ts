import { describe, expect, it } from 'vitest';
import { Phase } from '../../types.ts';
import { computeStatus, type InstanceView, readyCondition, steadyPhase } from './status.ts';

const now = new Date('2026-01-02T03:04:05.678Z');
const view = (
  name: string,
  role: 'primary' | 'replica',
  extra: Partial<InstanceView> = {},
): InstanceView => ({
  name,
  role,
  provisioning: false,
  running: true,
  ready: true,
  host: '127.0.0.1',
  port: 40000 + Number(name.slice(-1)),
  pid: 100,
  timeline: 1,
  ...extra,
});

describe('cluster status', () => {
  it('is CloudNativePG-shaped for a healthy 3-instance cluster', () => {
    const s = computeStatus({
      clusterName: 'kcp',
      previous: undefined,
      instances: [view('kcp-2', 'replica'), view('kcp-1', 'primary'), view('kcp-3', 'replica')],
      currentPrimary: 'kcp-1',
      targetPrimary: 'kcp-1',
      phase: Phase.Healthy,
      latestGeneratedNode: 3,
      ignoredFields: [],
      now,
    });
    expect(s).toMatchObject({
      instances: 3,
      readyInstances: 3,
      instanceNames: ['kcp-1', 'kcp-2', 'kcp-3'],
      instancesStatus: { healthy: ['kcp-1', 'kcp-2', 'kcp-3'] },
      currentPrimary: 'kcp-1',
      targetPrimary: 'kcp-1',
      currentPrimaryTimestamp: '2026-01-02T03:04:05.678000Z',
      phase: 'Cluster in healthy state',
      writeService: 'kcp-rw',
      readService: 'kcp-r',
      latestGeneratedNode: 3,
      timelineID: 1,
      writeEndpoint: '127.0.0.1:40001',
    });
    expect(s.instancesReportedState?.['kcp-1']).toEqual({
      isPrimary: true,
      timeLineID: 1,
      ip: '127.0.0.1',
    });
    expect(s.instanceEndpoints?.['kcp-2']).toMatchObject({
      port: 40002,
      role: 'replica',
      ready: true,
    });
    expect(s.conditions).toEqual([
      {
        type: 'Ready',
        status: 'True',
        reason: 'ClusterIsReady',
        message: 'Cluster is Ready',
        lastTransitionTime: '2026-01-02T03:04:05Z',
      },
    ]);
  });

  it('leaves zero counts and the primary out while the first primary is set up', () => {
    const s = computeStatus({
      clusterName: 'kcp',
      previous: undefined,
      instances: [view('kcp-1', 'primary', { provisioning: true, running: false, ready: false })],
      targetPrimary: 'kcp-1',
      phase: Phase.FirstPrimary,
      latestGeneratedNode: 1,
      ignoredFields: [],
      now,
    });
    expect(s.instances).toBe(1);
    expect(s.readyInstances).toBeUndefined();
    expect(s.currentPrimary).toBeUndefined();
    expect(s.instancesStatus).toEqual({ replicating: ['kcp-1'] });
    expect(s.phase).toBe('Setting up primary');
    expect(s.conditions?.[0]).toMatchObject({
      status: 'False',
      reason: 'ClusterIsNotReady',
      message: 'Cluster Is Not Ready',
    });
  });

  it('marks dead instances failed and keeps timestamps of unchanged primaries', () => {
    const later = new Date(now.getTime() + 60_000);
    const first = computeStatus({
      clusterName: 'kcp',
      previous: undefined,
      instances: [view('kcp-1', 'primary')],
      currentPrimary: 'kcp-1',
      targetPrimary: 'kcp-1',
      phase: Phase.Healthy,
      latestGeneratedNode: 1,
      ignoredFields: [],
      now,
    });
    const second = computeStatus({
      clusterName: 'kcp',
      previous: first,
      instances: [
        view('kcp-1', 'replica', { running: false, ready: false }),
        view('kcp-2', 'primary'),
      ],
      currentPrimary: 'kcp-2',
      targetPrimary: 'pending',
      phase: Phase.Failover,
      latestGeneratedNode: 2,
      ignoredFields: ['backup'],
      now: later,
    });
    expect(second.instancesStatus).toEqual({ failed: ['kcp-1'], healthy: ['kcp-2'] });
    // CloudNativePG's Timestamp: RFC 3339 with microseconds.
    expect(second.currentPrimaryTimestamp).toBe('2026-01-02T03:05:05.678000Z');
    expect(second.targetPrimary).toBe('pending');
    expect(second.instancesReportedState?.['kcp-1']).toBeUndefined();
    expect(second.conditions?.find((c) => c.type === 'IgnoredFields')?.message).toMatch(/backup/);
    const third = computeStatus({
      clusterName: 'kcp',
      previous: second,
      instances: [view('kcp-2', 'primary')],
      currentPrimary: 'kcp-2',
      targetPrimary: 'kcp-2',
      phase: Phase.Healthy,
      latestGeneratedNode: 2,
      ignoredFields: [],
      now: new Date(later.getTime() + 1000),
    });
    expect(third.currentPrimaryTimestamp).toBe(second.currentPrimaryTimestamp);
    expect(third.conditions?.map((c) => c.type)).toEqual(['Ready']);
  });

  it('is Ready exactly when healthy', () => {
    expect(readyCondition(Phase.Healthy).status).toBe('True');
    for (const p of [
      Phase.FirstPrimary,
      Phase.CreatingReplica,
      Phase.Failover,
      Phase.Switchover,
      Phase.WaitingForUser,
    ])
      expect(readyCondition(p)).toEqual({
        type: 'Ready',
        status: 'False',
        reason: 'ClusterIsNotReady',
        message: 'Cluster Is Not Ready',
      });
  });

  it('is healthy only with every desired instance ready', () => {
    const ok = [view('kcp-1', 'primary'), view('kcp-2', 'replica')];
    expect(steadyPhase(ok, 2)).toBe(Phase.Healthy);
    expect(steadyPhase(ok, 3)).toBe(Phase.WaitingForInstancesToBeActive);
    expect(
      steadyPhase([view('kcp-1', 'primary'), view('kcp-2', 'replica', { ready: false })], 2),
    ).toBe(Phase.WaitingForInstancesToBeActive);
  });
});

describe('the rest of CloudNativePG status', () => {
  const input = {
    clusterName: 'kcp',
    previous: undefined,
    instances: [view('kcp-1', 'primary'), view('kcp-2', 'replica')],
    currentPrimary: 'kcp-1',
    phase: Phase.Failover,
    latestGeneratedNode: 2,
    ignoredFields: [],
    now,
  } as const;

  it('names the read-write endpoint, the image, the topology and since when the primary fails', () => {
    const s = computeStatus({
      ...input,
      readWritePort: 31000,
      image: 'local/postgresql:15',
      primaryFailingSince: Date.parse('2026-01-02T03:04:00Z'),
    });
    expect(s).toMatchObject({
      writeEndpoint: '127.0.0.1:31000',
      image: 'local/postgresql:15',
      currentPrimaryFailingSinceTimestamp: '2026-01-02T03:04:00.000000Z',
      topology: {
        instances: { 'kcp-1': {}, 'kcp-2': {} },
        nodesUsed: 1,
        successfullyExtracted: true,
      },
    });
    expect(computeStatus(input).currentPrimaryFailingSinceTimestamp).toBeUndefined();
  });
});
