import { describe, expect, it } from 'vitest';
import type { Pod, Service } from '../../../api/core/types.ts';
import { resolveTargetPort, serviceEndpoints } from './endpoints-reconcile.ts';

const pod = (
  name: string,
  labels: Record<string, string>,
  opts: { ready?: boolean; ip?: string; port?: number; deleting?: boolean } = {},
): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name,
    namespace: 'ns',
    uid: `uid-${name}`,
    labels,
    ...(opts.deleting ? { deletionTimestamp: '2025-01-01T00:00:00Z' } : {}),
  },
  spec: {
    nodeName: 'node-1',
    containers: [
      {
        name: 'c',
        ports: [{ name: 'read-write', containerPort: opts.port ?? 31000, protocol: 'TCP' }],
      },
    ],
  },
  status: {
    phase: 'Running',
    ...(opts.ip === '' ? {} : { podIP: opts.ip ?? '127.0.0.1' }),
    conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }],
  },
});

const service = (
  selector: Record<string, string>,
  targetPort: number | string = 'read-write',
  extra: Partial<Service['spec']> = {},
): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'db-rw', namespace: 'ns' },
  spec: {
    selector,
    ports: [{ name: 'postgres', port: 5432, protocol: 'TCP', targetPort }],
    ...extra,
  },
});

describe('serviceEndpoints', () => {
  it('selects pods by label, resolves named target ports, and records readiness', () => {
    const groups = serviceEndpoints(service({ role: 'primary' }), [
      pod('db-1', { role: 'primary' }),
      pod('db-2', { role: 'replica' }),
      pod('db-3', { role: 'primary' }, { ready: false }),
    ]);
    expect(groups).toEqual([
      {
        ports: [{ name: 'postgres', protocol: 'TCP', port: 31000 }],
        endpoints: [
          {
            addresses: ['127.0.0.1'],
            conditions: { ready: true, serving: true, terminating: false },
            nodeName: 'node-1',
            targetRef: { kind: 'Pod', namespace: 'ns', name: 'db-1', uid: 'uid-db-1' },
          },
          {
            addresses: ['127.0.0.1'],
            conditions: { ready: false, serving: false, terminating: false },
            nodeName: 'node-1',
            targetRef: { kind: 'Pod', namespace: 'ns', name: 'db-3', uid: 'uid-db-3' },
          },
        ],
      },
    ]);
  });

  it('groups pods that number a named port differently, skips pods without an IP or the port', () => {
    const groups = serviceEndpoints(service({ app: 'x' }), [
      pod('a', { app: 'x' }, { port: 1 }),
      pod('b', { app: 'x' }, { port: 2 }),
      pod('c', { app: 'x' }, { ip: '' }),
    ]);
    expect(groups.map((g) => [g.ports[0]?.port, g.endpoints.length])).toEqual([
      [1, 1],
      [2, 1],
    ]);
    expect(
      serviceEndpoints(service({ app: 'x' }, 'no-such-port'), [pod('a', { app: 'x' })]),
    ).toEqual([]);
  });

  it('marks terminating pods, and publishes not-ready pods as ready when asked', () => {
    const [deleting] = serviceEndpoints(service({ app: 'x' }), [
      pod('a', { app: 'x' }, { deleting: true }),
    ]);
    expect(deleting?.endpoints[0]?.conditions).toEqual({
      ready: false,
      serving: true,
      terminating: true,
    });
    const [all] = serviceEndpoints(service({ app: 'x' }, 80, { publishNotReadyAddresses: true }), [
      pod('a', { app: 'x' }, { ready: false }),
    ]);
    expect(all?.endpoints[0]?.conditions?.ready).toBe(true);
    expect(all?.ports[0]?.port).toBe(80);
  });

  it('has nothing to say for a Service without a selector', () => {
    expect(serviceEndpoints(service({}), [pod('a', {})])).toEqual([]);
  });

  it('resolves numeric and numeric-string target ports directly', () => {
    const p = pod('a', {});
    expect(resolveTargetPort({ port: 80, targetPort: 8080 }, p)).toBe(8080);
    expect(resolveTargetPort({ port: 80, targetPort: '8081' }, p)).toBe(8081);
    expect(resolveTargetPort({ port: 80 }, p)).toBe(80);
  });
});
