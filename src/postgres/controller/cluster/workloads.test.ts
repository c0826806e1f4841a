import { describe, expect, it } from 'vitest';
import type { Cluster } from '../../types.ts';
import type { InstanceView } from './status.ts';
import { clusterServices, instancePod, instancePodStatus, type PodInput } from './workloads.ts';

const cluster: Cluster = {
  apiVersion: 'postgresql.cnpg.io/v1',
  kind: 'Cluster',
  metadata: { name: 'kcp', namespace: 'lc', uid: 'cluster-uid' },
  spec: {},
};
const endpoints = { rw: 31000, ro: 31001, r: 31002 };
const view = (extra: Partial<InstanceView> = {}): InstanceView => ({
  name: 'kcp-1',
  role: 'primary',
  provisioning: false,
  running: true,
  ready: true,
  host: '127.0.0.1',
  port: 45000,
  pid: 123,
  dataDirectory: '/data/kcp-1/pgdata',
  ...extra,
});
const input = (v: InstanceView, extra: Partial<PodInput> = {}): PodInput => ({
  cluster,
  view: v,
  nodeName: 'node-1',
  image: 'local/postgresql:15',
  endpoints,
  createdAt: '2025-01-01T00:00:00Z',
  startedAt: '2025-01-01T00:00:05Z',
  restarts: 0,
  now: new Date('2025-01-01T00:01:00Z'),
  ...extra,
});

describe('instance pods', () => {
  it('carry CloudNativePG’s name, labels and owner, on the node, with the endpoints as named ports', () => {
    const pod = instancePod(input(view({ role: 'replica', name: 'kcp-2' })));
    expect(pod.metadata).toMatchObject({
      name: 'kcp-2',
      namespace: 'lc',
      labels: {
        'cnpg.io/cluster': 'kcp',
        'cnpg.io/instanceName': 'kcp-2',
        'cnpg.io/podRole': 'instance',
        'cnpg.io/instanceRole': 'replica',
        role: 'replica',
      },
      ownerReferences: [{ kind: 'Cluster', name: 'kcp', uid: 'cluster-uid', controller: true }],
    });
    expect(pod.spec.nodeName).toBe('node-1');
    expect(pod.spec.containers[0]?.ports).toEqual([
      { name: 'postgresql', containerPort: 5432, protocol: 'TCP' },
      { name: 'read-write', containerPort: 31000, protocol: 'TCP' },
      { name: 'read-only', containerPort: 31001, protocol: 'TCP' },
      { name: 'any-instance', containerPort: 31002, protocol: 'TCP' },
    ]);
  });

  it.each([
    [
      'provisioning',
      view({ provisioning: true, running: false, ready: false }),
      'Pending',
      { waiting: { reason: 'PodInitializing' } },
      'False',
    ],
    [
      'running and ready',
      view(),
      'Running',
      { running: { startedAt: '2025-01-01T00:00:05Z' } },
      'True',
    ],
    ['running, not ready', view({ ready: false }), 'Running', { running: {} }, 'False'],
    [
      'process gone',
      view({ running: false, ready: false }),
      'Running',
      { waiting: { reason: 'NotRunning' } },
      'False',
    ],
  ] as const)(
    '%s: phase, container state and Ready follow the process',
    (_, v, phase, state, ready) => {
      const status = instancePodStatus(input(v), undefined);
      expect(status.phase).toBe(phase);
      expect(status.containerStatuses?.[0]?.state).toMatchObject(state);
      expect(status.conditions?.find((c) => c.type === 'Ready')?.status).toBe(ready);
      expect(status.podIP).toBe('127.0.0.1');
    },
  );

  it('counts restarts and keeps condition times that did not change', () => {
    const first = instancePodStatus(
      input(view(), { restarts: 2, lastRestartAt: '2025-01-01T00:00:30Z' }),
      undefined,
    );
    expect(first.containerStatuses?.[0]).toMatchObject({
      restartCount: 2,
      lastState: { terminated: { finishedAt: '2025-01-01T00:00:30Z' } },
      containerID: 'process://123',
    });
    const later = instancePodStatus(
      input(view(), { now: new Date('2025-01-01T00:09:00Z') }),
      first,
    );
    expect(later.conditions).toEqual(first.conditions);
  });
});

describe('cluster services', () => {
  it('are NodePort Services on the stable endpoints with CloudNativePG’s selectors', () => {
    const services = clusterServices(cluster, endpoints);
    expect(services.map((s) => [s.metadata.name, s.spec.selector, s.spec.ports?.[0]])).toEqual([
      [
        'kcp-rw',
        { 'cnpg.io/cluster': 'kcp', 'cnpg.io/instanceRole': 'primary' },
        {
          name: 'postgres',
          protocol: 'TCP',
          port: 5432,
          targetPort: 'read-write',
          nodePort: 31000,
        },
      ],
      [
        'kcp-ro',
        { 'cnpg.io/cluster': 'kcp', 'cnpg.io/instanceRole': 'replica' },
        { name: 'postgres', protocol: 'TCP', port: 5432, targetPort: 'read-only', nodePort: 31001 },
      ],
      [
        'kcp-r',
        { 'cnpg.io/cluster': 'kcp', 'cnpg.io/podRole': 'instance' },
        {
          name: 'postgres',
          protocol: 'TCP',
          port: 5432,
          targetPort: 'any-instance',
          nodePort: 31002,
        },
      ],
    ]);
    expect(services.every((s) => s.spec.type === 'NodePort')).toBe(true);
  });
});
