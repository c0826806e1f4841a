import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apimachinery/meta.ts';
import { type KubeClient, KubeError, type ResourceRef } from './client.ts';
import { addFinalizer, removeFinalizer } from './finalizers.ts';

const CLUSTERS: ResourceRef = {
  group: 'postgresql.cnpg.io',
  version: 'v1',
  plural: 'clusters',
  namespaced: true,
};

const F = 'canopy.io/postgres-cleanup';
const obj = (rv: string, extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  metadata: { namespace: 'ns', name: 'c', resourceVersion: rv, ...extra },
});

/** A client whose patches fail with the given errors first, and whose reads return `latest`. */
function fakeClient(errors: KubeError[], latest: KubeObject | undefined) {
  const patches: unknown[] = [];
  const client = {
    patch: async (_ref: unknown, _ns: unknown, _name: unknown, body: { metadata: object }) => {
      patches.push(body);
      const err = errors.shift();
      if (err) throw err;
      return { metadata: { ...body.metadata, namespace: 'ns', name: 'c' } };
    },
    getOrUndefined: async () => latest,
  } as unknown as KubeClient;
  return { client, patches };
}

describe('addFinalizer', () => {
  it('does not write when the finalizer is there', async () => {
    const { client, patches } = fakeClient([], undefined);
    const o = obj('1', { finalizers: [F] });
    expect(await addFinalizer(client, CLUSTERS, o, F)).toBe(o);
    expect(patches).toEqual([]);
  });

  it('adds it guarded by the resourceVersion, re-reading on a conflict', async () => {
    const conflict = new KubeError(409, 'Conflict', 'conflict');
    const { client, patches } = fakeClient([conflict], obj('2', { finalizers: ['other'] }));
    const out = await addFinalizer(client, CLUSTERS, obj('1'), F);
    expect(patches).toEqual([
      { metadata: { finalizers: [F], resourceVersion: '1' } },
      { metadata: { finalizers: ['other', F], resourceVersion: '2' } },
    ]);
    expect(out?.metadata.finalizers).toEqual(['other', F]);
  });

  it('gives up when the object is gone or being deleted', async () => {
    const conflict = new KubeError(409, 'Conflict', 'conflict');
    const deleting = obj('2', { deletionTimestamp: '2026-01-01T00:00:00Z' });
    expect(
      await addFinalizer(fakeClient([conflict], deleting).client, CLUSTERS, obj('1'), F),
    ).toBeUndefined();
    const gone = new KubeError(404, 'NotFound', 'gone');
    expect(
      await addFinalizer(fakeClient([gone], undefined).client, CLUSTERS, obj('1'), F),
    ).toBeUndefined();
  });

  it('passes other errors on', async () => {
    const denied = new KubeError(403, 'Forbidden', 'denied');
    await expect(
      addFinalizer(fakeClient([denied], undefined).client, CLUSTERS, obj('1'), F),
    ).rejects.toBe(denied);
  });
});

describe('removeFinalizer', () => {
  it('does not write when the finalizer is not there', async () => {
    const { client, patches } = fakeClient([], undefined);
    const o = obj('1', { finalizers: ['other'] });
    expect(await removeFinalizer(client, CLUSTERS, o, F)).toBe(o);
    expect(patches).toEqual([]);
  });

  it('removes only it, guarded by the resourceVersion, re-reading on a conflict', async () => {
    const conflict = new KubeError(409, 'Conflict', 'conflict');
    const latest = obj('2', { finalizers: ['other', F, 'third'] });
    const { client, patches } = fakeClient([conflict], latest);
    const out = await removeFinalizer(client, CLUSTERS, obj('1', { finalizers: [F] }), F);
    expect(patches).toEqual([
      { metadata: { finalizers: [], resourceVersion: '1' } },
      { metadata: { finalizers: ['other', 'third'], resourceVersion: '2' } },
    ]);
    expect(out?.metadata.finalizers).toEqual(['other', 'third']);
  });

  it('stops after repeated conflicts with an error', async () => {
    const conflict = () => new KubeError(409, 'Conflict', 'conflict');
    const latest = obj('2', { finalizers: [F] });
    const { client } = fakeClient(Array.from({ length: 5 }, conflict), latest);
    await expect(removeFinalizer(client, CLUSTERS, latest, F)).rejects.toThrow(/conflicts/);
  });
});
