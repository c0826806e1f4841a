import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../apimachinery/meta.ts';
import { type KubeClient, KubeError } from '../../../controller/kube/client.ts';
import { silentLog } from '../../testing.ts';
import { StateStore, stateKey, stateSecretName } from './state-store.ts';

/** An in-memory Secret store with resourceVersions, and a hook to simulate other writers. */
function fakeClient() {
  const secrets = new Map<string, KubeObject>();
  let rv = 1;
  let calls = 0;
  const client = {
    async getOrUndefined(_ref: unknown, ns: string, name: string) {
      calls++;
      const s = secrets.get(`${ns}/${name}`);
      return s ? structuredClone(s) : undefined;
    },
    async create(_ref: unknown, ns: string, body: KubeObject) {
      calls++;
      const key = `${ns}/${body.metadata.name}`;
      if (secrets.has(key)) throw new KubeError(409, 'AlreadyExists', 'exists');
      const s = { ...body, metadata: { ...body.metadata, resourceVersion: String(rv++) } };
      secrets.set(key, s);
      return structuredClone(s);
    },
    async update(_ref: unknown, ns: string, name: string, body: KubeObject) {
      calls++;
      const key = `${ns}/${name}`;
      const cur = secrets.get(key);
      if (!cur) throw new KubeError(404, 'NotFound', 'not found');
      if (cur.metadata.resourceVersion !== body.metadata.resourceVersion)
        throw new KubeError(409, 'Conflict', 'conflict');
      const s = { ...body, metadata: { ...body.metadata, resourceVersion: String(rv++) } };
      secrets.set(key, s);
      return structuredClone(s);
    },
    async delete(_ref: unknown, ns: string, name: string) {
      calls++;
      return secrets.delete(`${ns}/${name}`);
    },
  };
  return { client: client as unknown as KubeClient, secrets, calls: () => calls, bump: () => rv++ };
}

describe('state Secrets', () => {
  const primary = {
    cluster: 'lc',
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Cluster',
    namespace: 'default',
    name: 'kcp',
  };

  it('are named obj-state-<cluster>-<20 hex> and keyed per source object', () => {
    expect(stateSecretName(primary)).toMatch(/^obj-state-lc-[0-9a-f]{20}$/);
    expect(stateSecretName({ ...primary, name: 'other' })).not.toBe(stateSecretName(primary));
    const k = stateKey({
      cluster: 'lc',
      namespace: 'default',
      name: 'kcp',
      apiVersion: 'v1',
      kind: 'Secret',
    });
    expect(k).toMatch(/^[0-9a-f]{40}$/);
    expect(
      stateKey({
        cluster: 'lc',
        namespace: 'default',
        name: 'kcp',
        apiVersion: 'postgresql.cnpg.io/v1',
        kind: 'Cluster',
      }),
    ).not.toBe(k);
  });

  it('stores, reads back (from cache), skips unchanged writes, forgets and deletes', async () => {
    const f = fakeClient();
    const store = new StateStore(f.client, 'syncagent', silentLog);
    const name = stateSecretName(primary);
    expect(await store.get(name, 'a')).toBeUndefined();
    await store.put(name, { x: 'y' }, 'a', { spec: { instances: 1 } });
    await store.put(name, { x: 'y' }, 'b', { data: { k: 'dg==' } });
    const secret = f.secrets.get(`syncagent/${name}`);
    expect(secret?.metadata.labels).toEqual({ x: 'y', 'syncagent.kcp.io/object-state': 'true' });
    expect(Object.keys((secret?.data as Record<string, string>) ?? {}).sort()).toEqual(['a', 'b']);
    const before = f.calls();
    expect(await store.get(name, 'a')).toEqual({ spec: { instances: 1 } });
    await store.put(name, { x: 'y' }, 'a', { spec: { instances: 1 } });
    expect(f.calls()).toBe(before);
    await store.forget(name, 'b');
    expect(
      Object.keys((f.secrets.get(`syncagent/${name}`)?.data as Record<string, string>) ?? {}),
    ).toEqual(['a']);
    await store.delete(name);
    expect(f.secrets.size).toBe(0);
    expect(await store.get(name, 'a')).toBeUndefined();
  });

  it('re-reads and retries when someone else wrote meanwhile', async () => {
    const f = fakeClient();
    const store = new StateStore(f.client, 'ns', silentLog);
    await store.put('s', {}, 'a', { v: 1 });
    // Another writer changes the Secret behind the cache's back.
    const cur = f.secrets.get('ns/s') as KubeObject;
    f.secrets.set('ns/s', {
      ...cur,
      metadata: { ...cur.metadata, resourceVersion: String(f.bump() + 100) },
    });
    await store.put('s', {}, 'b', { v: 2 });
    expect(
      Object.keys((f.secrets.get('ns/s')?.data as Record<string, string>) ?? {}).sort(),
    ).toEqual(['a', 'b']);
  });

  it('treats defective state as absent (a full update follows)', async () => {
    const f = fakeClient();
    f.secrets.set('ns/s', {
      metadata: { name: 's', namespace: 'ns', resourceVersion: '1' },
      data: { a: Buffer.from('{nope').toString('base64') },
    });
    expect(await new StateStore(f.client, 'ns', silentLog).get('s', 'a')).toBeUndefined();
  });
});
