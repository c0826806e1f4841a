import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseLabelSelector } from '../../apimachinery/labels.ts';
import { type KubeObject, nameOf } from '../../apimachinery/meta.ts';
import { StatusError } from '../../apimachinery/status.ts';
import { configMapScope, type TestEnv, testEnv } from '../authz/testing.ts';
import type { ResourceStorage } from './resource-storage.ts';
import type { Scope } from './scope.ts';

let env: TestEnv;
let storage: ResourceStorage;
let scope: Scope;

const configMap = (name: string, metadata: KubeObject['metadata'] = {}): KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { ...(name ? { name } : {}), ...metadata },
    data: { k: name },
  }) as KubeObject;

async function statusOf(p: Promise<unknown>): Promise<StatusError['status']> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StatusError);
  return (err as StatusError).status;
}

beforeEach(() => {
  env = testEnv();
  storage = env.storage;
  scope = configMapScope(env);
});

afterEach(async () => {
  await env.close();
});

describe('create', () => {
  it('fills in uid, creationTimestamp, resourceVersion and a generated name', async () => {
    const { object } = await storage.create(scope, configMap('', { generateName: 'cm-' }));
    expect(object.metadata.name).toMatch(/^cm-[a-z0-9]{5}$/);
    expect(object.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(object.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(object.metadata.namespace).toBe('ns');
    const read = await storage.get(scope, nameOf(object));
    expect(read.metadata.resourceVersion).toBe(object.metadata.resourceVersion);
  });

  it('refuses a second object of the same name with 409 AlreadyExists', async () => {
    await storage.create(scope, configMap('one'));
    const status = await statusOf(storage.create(scope, configMap('one')));
    expect(status.code).toBe(409);
    expect(status.reason).toBe('AlreadyExists');
    expect(status.message).toBe('configmaps "one" already exists');
  });

  it('drops empty labels, annotations, finalizers and ownerReferences, on create and update', async () => {
    const empty = { labels: {}, annotations: {}, finalizers: [], ownerReferences: [] };
    const { object } = await storage.create(scope, configMap('bare', empty));
    for (const key of Object.keys(empty)) expect(object.metadata).not.toHaveProperty(key);
    const updated = await storage.update(scope, 'bare', (cur) => {
      const obj = structuredClone(cur as KubeObject);
      Object.assign(obj.metadata, empty, { labels: { kept: 'yes' } });
      return obj;
    });
    expect(updated.object.metadata.labels).toEqual({ kept: 'yes' });
    for (const key of ['annotations', 'finalizers', 'ownerReferences'])
      expect(updated.object.metadata).not.toHaveProperty(key);
  });

  it('stores nothing on a dry run', async () => {
    const { object } = await storage.create(scope, configMap('dry'), { dryRun: true });
    expect(object.metadata.name).toBe('dry');
    expect((await statusOf(storage.get(scope, 'dry'))).code).toBe(404);
  });
});

describe('update', () => {
  it('compares and swaps on resourceVersion, with the upstream conflict message', async () => {
    const { object } = await storage.create(scope, configMap('one'));
    const stale = structuredClone(object);
    await storage.update(scope, 'one', (cur) => ({ ...(cur as KubeObject), data: { k: '2' } }));
    const status = await statusOf(
      storage.update(scope, 'one', () => ({ ...stale, data: { k: '3' } })),
    );
    expect(status.code).toBe(409);
    expect(status.reason).toBe('Conflict');
    expect(status.message).toBe(
      'Operation cannot be fulfilled on configmaps "one": the object has been modified; please apply your changes to the latest version and try again',
    );
    expect((await storage.get(scope, 'one')).data).toEqual({ k: '2' });
  });

  it('answers 404 for a missing object of a type that does not create on update', async () => {
    const status = await statusOf(storage.update(scope, 'missing', () => configMap('missing')));
    expect(status.code).toBe(404);
    expect(status.message).toBe('configmaps "missing" not found');
  });
});

describe('delete', () => {
  it('keeps an object with finalizers, marked, until they are removed', async () => {
    await storage.create(scope, configMap('held', { finalizers: ['x/y'] }));
    const first = await storage.delete(scope, 'held');
    expect(first.deleted).toBe(false);
    expect(first.object.metadata.deletionTimestamp).toBeDefined();
    const after = await storage.update(scope, 'held', (cur) => {
      const obj = structuredClone(cur as KubeObject);
      obj.metadata.finalizers = [];
      return obj;
    });
    expect(after.object.metadata.finalizers ?? []).toEqual([]);
    expect((await statusOf(storage.get(scope, 'held'))).code).toBe(404);
  });
});

describe('list', () => {
  it('pages with limit and continue at the first page revision', async () => {
    for (const n of ['a', 'b', 'c', 'd', 'e']) await storage.create(scope, configMap(n));
    const first = await storage.list(scope, { limit: 2 });
    expect(first.items.map((i) => i.metadata.name)).toEqual(['a', 'b']);
    // Written after the first page: not part of this list.
    await storage.create(scope, configMap('c2'));
    await storage.delete(scope, 'd');
    const second = await storage.list(scope, { limit: 2, continue: first.metadata.continue });
    expect(second.items.map((i) => i.metadata.name)).toEqual(['c', 'd']);
    const third = await storage.list(scope, { limit: 2, continue: second.metadata.continue });
    expect(third.items.map((i) => i.metadata.name)).toEqual(['e']);
    expect(third.metadata.continue).toBeUndefined();
    expect(third.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
  });

  it('selects by label', async () => {
    await storage.create(scope, configMap('x', { labels: { tier: 'web' } }));
    await storage.create(scope, configMap('y', { labels: { tier: 'db' } }));
    const list = await storage.list(scope, { labels: parseLabelSelector('tier in (web)') });
    expect(list.items.map((i) => i.metadata.name)).toEqual(['x']);
  });

  it('answers 410 Expired for a compacted revision', async () => {
    const { object } = await storage.create(scope, configMap('old'));
    await storage.update(scope, 'old', (cur) => ({ ...(cur as KubeObject), data: { k: '2' } }));
    await env.store.compact(await env.store.currentRevision());
    const status = await statusOf(
      storage.list(scope, {
        resourceVersion: object.metadata.resourceVersion,
        resourceVersionMatch: 'Exact',
      }),
    );
    expect(status.code).toBe(410);
    expect(status.reason).toBe('Expired');
  });
});
