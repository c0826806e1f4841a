import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isStatusError } from '../apimachinery/status.ts';
import { type TestEnv, testEnv } from './authz/testing.ts';

const CONFIGMAPS = { group: '', version: 'v1', resource: 'configmaps' };

const configMap = (namespace: string, name: string, finalizers?: string[]) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace, ...(finalizers ? { finalizers } : {}) },
  data: { k: name },
});

describe('Client', () => {
  let env: TestEnv;
  beforeEach(() => {
    env = testEnv();
  });
  afterEach(async () => {
    await env.close();
  });

  it('find is undefined for a missing object, createIfAbsent creates once', async () => {
    const cms = env.client.resource('root', CONFIGMAPS, 'a');
    expect(await cms.find('one')).toBeUndefined();
    const created = await cms.createIfAbsent(configMap('a', 'one'));
    expect(created?.metadata.name).toBe('one');
    expect(await cms.createIfAbsent({ ...configMap('a', 'one'), data: { k: 'other' } })).toBe(
      undefined,
    );
    expect((await cms.get('one')).data).toEqual({ k: 'one' });
  });

  it('deleteAll deletes across namespaces and counts what is still finalizing', async () => {
    const cms = env.client.resource('root', CONFIGMAPS, 'a');
    await cms.create(configMap('a', 'one'));
    await cms.create(configMap('b', 'two', ['example.com/hold']));
    await env.client.resource('other', CONFIGMAPS, 'a').create(configMap('a', 'elsewhere'));

    const all = env.client.resource('root', CONFIGMAPS);
    expect(await all.deleteAll()).toBe(2);
    const left = await all.list();
    expect(left.items.map((i) => i.metadata.name)).toEqual(['two']);
    expect(left.items[0]?.metadata.deletionTimestamp).toBeDefined();
    // Still there while its finalizer holds it; not deleted again.
    expect(await all.deleteAll()).toBe(1);
    // Another cluster is untouched.
    expect((await env.client.resource('other', CONFIGMAPS).list()).items).toHaveLength(1);

    await env.client
      .resource('root', CONFIGMAPS, 'b')
      .modify('two', (cur) => ({ ...cur, metadata: { ...cur.metadata, finalizers: [] } }));
    expect(await all.deleteAll()).toBe(0);
  });

  it('modify of a missing object is a 404, also for types that create on update', async () => {
    const roles = env.client.resource(
      'root',
      { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles' },
      'a',
    );
    const err = await roles
      .modify('gone', (cur) => cur)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isStatusError(err, 'NotFound')).toBe(true);
  });
});
