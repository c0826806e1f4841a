import { describe, expect, it } from 'vitest';
import type { KubeList, KubeObject } from '../../../apimachinery/meta.ts';
import { type KubeClient, KubeError } from '../../../controller/kube/client.ts';
import { AGENT_NAME_LABEL } from '../../constants.ts';
import { silentLog } from '../../testing.ts';
import { NamespaceEnsurer } from './shared.ts';

/** Namespaces on a fake service cluster, with every request the ensurer makes. */
function fakeCluster(existing: KubeObject[]) {
  const namespaces = new Map(existing.map((n) => [n.metadata.name ?? '', n]));
  const calls: string[] = [];
  const client = {
    async list(): Promise<KubeList<KubeObject>> {
      calls.push('list');
      return {
        metadata: { resourceVersion: '1' },
        items: [...namespaces.values()].filter((n) => n.metadata.labels?.[AGENT_NAME_LABEL]),
      };
    },
    async watch(_p: string, _q: unknown, _e: unknown, done: (err: unknown) => void) {
      return () => done(null);
    },
    async getOrUndefined(_ref: unknown, _ns: unknown, name: string) {
      calls.push(`get ${name}`);
      return namespaces.get(name);
    },
    async create(_ref: unknown, _ns: unknown, body: KubeObject) {
      const name = body.metadata.name ?? '';
      calls.push(`create ${name}`);
      if (namespaces.has(name)) throw new KubeError(409, 'AlreadyExists', `${name} exists`);
      namespaces.set(name, body);
      return body;
    },
  };
  // The ensurer uses list and watch (its Reflector), get and create.
  return { client: client as unknown as KubeClient, calls };
}

const ns = (name: string, options: { ours?: boolean; deleting?: boolean } = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: {
    name,
    ...(options.ours ? { labels: { [AGENT_NAME_LABEL]: 'agent' } } : {}),
    ...(options.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
  },
});

describe('NamespaceEnsurer', () => {
  it.each([
    {
      name: 'a new namespace is created without a GET first',
      existing: [],
      ensure: 'c1',
      calls: ['create c1'],
      result: true,
    },
    {
      name: 'one the watch has is used as it is',
      existing: [ns('c1', { ours: true })],
      ensure: 'c1',
      calls: [],
      result: false,
    },
    {
      name: 'one that is not ours is read after the create is refused',
      existing: [ns('default')],
      ensure: 'default',
      calls: ['create default', 'get default'],
      result: false,
    },
  ])('$name', async ({ existing, ensure, calls, result }) => {
    const cluster = fakeCluster(existing);
    const ensurer = new NamespaceEnsurer(cluster.client, 'agent', silentLog);
    await ensurer.start();
    cluster.calls.length = 0;
    expect(await ensurer.ensure(ensure, 'c1')).toBe(result);
    expect(cluster.calls).toEqual(calls);
    // Known from then on: no request at all.
    cluster.calls.length = 0;
    expect(await ensurer.ensure(ensure, 'c1')).toBe(false);
    expect(cluster.calls).toEqual([]);
    await ensurer.stop();
  });

  it.each([
    { name: 'watched', existing: [ns('c1', { ours: true, deleting: true })] },
    { name: 'not ours', existing: [ns('c1', { deleting: true })] },
  ])('refuses a namespace being deleted ($name)', async ({ existing }) => {
    const cluster = fakeCluster(existing);
    const ensurer = new NamespaceEnsurer(cluster.client, 'agent', silentLog);
    await ensurer.start();
    await expect(ensurer.ensure('c1', 'c1')).rejects.toThrow(/being deleted/);
    await ensurer.stop();
  });
});
