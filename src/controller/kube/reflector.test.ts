import { describe, expect, it } from 'vitest';
import type { KubeList, KubeObject } from '../../apimachinery/meta.ts';
import { silentLogger } from '../../logging/logger.ts';
import type { KubeClient, WatchEvent } from './client.ts';
import { Reflector } from './reflector.ts';

const SECRETS = { group: '', version: 'v1', plural: 'secrets', namespaced: true };

const secret = (name: string, owner: string | undefined, rv: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: {
    name,
    namespace: 'ns',
    resourceVersion: rv,
    ...(owner ? { labels: { owner } } : {}),
  },
});

/** A server with one list and a watch whose events the test sends. */
function fakeServer(items: KubeObject[]) {
  let send: ((event: WatchEvent<KubeObject>) => void) | undefined;
  let opened: () => void = () => {};
  const watching = new Promise<void>((resolve) => {
    opened = resolve;
  });
  const client = {
    async list(): Promise<KubeList<KubeObject>> {
      return { metadata: { resourceVersion: '1' }, items: structuredClone(items) };
    },
    async watch(
      _path: string,
      _query: unknown,
      onEvent: (event: WatchEvent<KubeObject>) => void,
      done: (err: unknown) => void,
    ): Promise<() => void> {
      send = onEvent;
      opened();
      return () => done(null);
    },
  };
  return {
    // The reflector uses only list and watch.
    client: client as unknown as KubeClient,
    watching,
    send: (type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubeObject) =>
      send?.({ type, object } as WatchEvent<KubeObject>),
  };
}

const names = (objs: KubeObject[]) => objs.map((o) => o.metadata.name).sort();

describe('Reflector indexes', () => {
  it('files objects by index value through list, add, update and delete', async () => {
    const server = fakeServer([
      secret('a', 'x', '1'),
      secret('b', 'x', '1'),
      secret('c', 'y', '1'),
    ]);
    const r = new Reflector({
      client: server.client,
      ref: SECRETS,
      log: silentLogger(),
      name: 'test',
      indexes: { owner: (o) => (o.metadata.labels?.owner ? [o.metadata.labels.owner] : []) },
    });
    await r.start();
    await server.watching;
    expect(names(r.byIndex('owner', 'x'))).toEqual(['a', 'b']);
    expect(names(r.byIndex('owner', 'y'))).toEqual(['c']);
    expect(r.byIndex('owner', 'z')).toEqual([]);
    expect(r.indexValues('owner').sort()).toEqual(['x', 'y']);

    server.send('ADDED', secret('d', 'y', '2'));
    // b moves from x to y: it leaves x's entry.
    server.send('MODIFIED', secret('b', 'y', '3'));
    // An object filed under nothing is still cached, just not indexed.
    server.send('MODIFIED', secret('c', undefined, '4'));
    server.send('DELETED', secret('a', 'x', '5'));
    expect(r.byIndex('owner', 'x')).toEqual([]);
    expect(names(r.byIndex('owner', 'y'))).toEqual(['b', 'd']);
    // x has no object left: it is no longer a value of the index.
    expect(r.indexValues('owner')).toEqual(['y']);
    expect(r.get('ns/c')).toBeDefined();
    expect(() => r.byIndex('nope', 'x')).toThrow(/no index nope/);
    expect(() => r.indexValues('nope')).toThrow(/no index nope/);
    await r.stop();
  });
});
