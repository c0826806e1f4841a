import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseLabelSelector } from '../../apimachinery/labels.ts';
import type { KubeObject } from '../../apimachinery/meta.ts';
import type { Status } from '../../apimachinery/status.ts';
import { configMapScope, type TestEnv, testEnv } from '../authz/testing.ts';
import type { Scope } from './scope.ts';
import { INITIAL_EVENTS_END_ANNOTATION, type ObjectEvent, ObjectWatch } from './watch.ts';

let env: TestEnv;
let scope: Scope;

const configMap = (name: string, labels: Record<string, string> = {}): KubeObject =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data: {} }) as KubeObject;

const relabel = (name: string, labels: Record<string, string>) =>
  env.storage.update(scope, name, (cur) => {
    const obj = structuredClone(cur as KubeObject);
    obj.metadata.labels = labels;
    return obj;
  });

/** The first `n` events of a watch, then closes it. */
async function take(watch: ObjectWatch, n: number): Promise<ObjectEvent[]> {
  const out: ObjectEvent[] = [];
  for await (const event of watch) {
    out.push(event);
    if (out.length === n) break;
  }
  watch.close();
  return out;
}

const summary = (events: ObjectEvent[]) =>
  events.map((e) => `${e.type} ${(e.object as KubeObject).metadata?.name ?? ''}`);

beforeEach(() => {
  env = testEnv();
  scope = configMapScope(env);
});

afterEach(async () => {
  await env.close();
});

describe('ObjectWatch', () => {
  it('sends the initial objects, the bookmark that ends them, then changes', async () => {
    await env.storage.create(scope, configMap('a'));
    await env.storage.create(scope, configMap('b'));
    const watch = new ObjectWatch(env.storage, scope, {
      sendInitialEvents: true,
      resourceVersionMatch: 'NotOlderThan',
      allowWatchBookmarks: true,
    });
    const events = take(watch, 4);
    const created = env.storage.create(scope, configMap('c'));
    const got = await events;
    await created;
    expect(summary(got)).toEqual(['ADDED a', 'ADDED b', 'BOOKMARK ', 'ADDED c']);
    const bookmark = got[2]?.object as KubeObject;
    expect(bookmark.metadata.annotations?.[INITIAL_EVENTS_END_ANNOTATION]).toBe('true');
  });

  it('turns selector transitions into ADDED and DELETED, as upstream does', async () => {
    const { object } = await env.storage.create(scope, configMap('x', { tier: 'db' }));
    const watch = new ObjectWatch(env.storage, scope, {
      resourceVersion: object.metadata.resourceVersion,
      labels: parseLabelSelector('tier=web'),
    });
    const events = take(watch, 3);
    await relabel('x', { tier: 'web' }); // starts matching
    await relabel('x', { tier: 'web', more: 'yes' }); // still matching
    await relabel('x', { tier: 'db' }); // stops matching
    expect(summary(await events)).toEqual(['ADDED x', 'MODIFIED x', 'DELETED x']);
  });

  it('ends with an ERROR event carrying 410 when the start revision was compacted', async () => {
    const { object } = await env.storage.create(scope, configMap('old'));
    await relabel('old', { v: '2' });
    await env.store.compact(await env.store.currentRevision());
    const watch = new ObjectWatch(env.storage, scope, {
      resourceVersion: object.metadata.resourceVersion,
    });
    const [event] = await take(watch, 1);
    expect(event?.type).toBe('ERROR');
    const status = event?.object as Status | undefined;
    expect(status?.code).toBe(410);
    expect(status?.reason).toBe('Expired');
  });

  it('sends the initial objects without the ending bookmark when bookmarks are not allowed', async () => {
    await env.storage.create(scope, configMap('a'));
    const watch = new ObjectWatch(env.storage, scope, {
      sendInitialEvents: true,
      resourceVersionMatch: 'NotOlderThan',
    });
    const events = take(watch, 2);
    const created = env.storage.create(scope, configMap('b'));
    const got = await events;
    await created;
    expect(summary(got)).toEqual(['ADDED a', 'ADDED b']);
  });
});
