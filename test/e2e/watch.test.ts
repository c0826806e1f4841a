/**
 * Watch and list semantics over HTTP against `canopy start --plain`, on either store (the
 * vitest project etcd runs it on etcd too), with compaction every second so expired
 * revisions can be met: events one JSON object per line, the server-side
 * timeout, the initial events with their closing bookmark, 410 for compacted revisions
 * (an ERROR event for a watch, a Status for a list), resourceVersionMatch, Table watches and
 * the metrics that count it all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEtcd, type TestEtcd } from '../../src/storage/etcd/testing.ts';
import { type CanopyProcess, startCanopy } from './harness/canopy-process.ts';
import { e2eOnEtcd } from './harness/etcd.ts';
import { httpClient, type RawRequest, type RawResponse } from './harness/http.ts';
import { until } from './harness/wait.ts';

const NS = '/api/v1/namespaces/watched';
const CM = `${NS}/configmaps`;

interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: {
    kind?: string;
    code?: number;
    reason?: string;
    metadata?: { name?: string; resourceVersion?: string; annotations?: Record<string, string> };
    rows?: Array<{ cells: unknown[] }>;
    columnDefinitions?: Array<{ name: string }>;
  };
}

const events = (body: string): WatchEvent[] =>
  body
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as WatchEvent);

const configMap = (name: string, value = '1') =>
  JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { value } });

describe('watch and list semantics', () => {
  let server: CanopyProcess;
  let etcd: TestEtcd | undefined;
  let send: (r: RawRequest) => Promise<RawResponse>;

  const create = async (name: string) => {
    const r = await send({ method: 'POST', path: CM, body: configMap(name) });
    expect(r.status).toBe(201);
    return JSON.parse(r.body) as { metadata: { resourceVersion: string } };
  };

  beforeAll(async () => {
    // etcd compacts its whole keyspace: on etcd this file runs a member of its own, so that
    // compacting every second takes no history from the other files' servers.
    etcd = e2eOnEtcd() ? await startTestEtcd() : undefined;
    server = await startCanopy({
      plain: true,
      ...(etcd
        ? { etcdEndpoints: etcd.endpoints, args: ['--etcd-compaction-interval', '1s'] }
        : { args: ['--compaction-interval', '1s'] }),
    });
    send = httpClient(server.kubeconfig);
    const ns = await send({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'watched' } }),
    });
    expect(ns.status).toBe(201);
    // The root CA publisher adds kube-root-ca.crt to every namespace; on etcd its controller
    // may start only once its replica holds the controllers' Lease. Wait for it, so the
    // tests below see only their own ConfigMaps change.
    await until(
      'kube-root-ca.crt published in the namespace',
      async () => (await send({ path: `${CM}/kube-root-ca.crt` })).status === 200,
      60_000,
      100,
    );
  });

  afterAll(async () => {
    await server?.stop();
    server?.cleanup();
    await etcd?.stop();
  });

  it('streams the changes after a resourceVersion and ends at timeoutSeconds', async () => {
    const from = (await create('w-0')).metadata.resourceVersion;
    // The response only ends because the server honours timeoutSeconds.
    const watching = send({ path: `${CM}?watch=true&resourceVersion=${from}&timeoutSeconds=2` });
    await create('w-1');
    await send({
      method: 'PATCH',
      path: `${CM}/w-1`,
      body: '{"data":{"value":"2"}}',
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    await send({ method: 'DELETE', path: `${CM}/w-1` });
    const res = await watching;
    expect(res.status).toBe(200);
    expect(events(res.body).map((e) => `${e.type} ${e.object.metadata?.name}`)).toEqual([
      'ADDED w-1',
      'MODIFIED w-1',
      'DELETED w-1',
    ]);
  });

  it('sends the initial events, then a bookmark marking their end', async () => {
    await create('initial-a');
    const res = await send({
      path: `${CM}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1&labelSelector=`,
    });
    const all = events(res.body);
    const bookmark = all.findIndex((e) => e.type === 'BOOKMARK');
    expect(bookmark).toBeGreaterThan(0);
    expect(all.slice(0, bookmark).every((e) => e.type === 'ADDED')).toBe(true);
    expect(all.slice(0, bookmark).map((e) => e.object.metadata?.name)).toContain('initial-a');
    expect(all[bookmark]?.object.metadata?.annotations).toEqual({
      'k8s.io/initial-events-end': 'true',
    });
    expect(Number(all[bookmark]?.object.metadata?.resourceVersion)).toBeGreaterThan(0);
  });

  it('answers compacted revisions with 410 Expired: an ERROR event, or a Status for lists', async () => {
    const old = (await create('old')).metadata.resourceVersion;
    await send({
      method: 'PATCH',
      path: `${CM}/old`,
      body: '{"data":{"value":"2"}}',
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    // Compaction runs every second and keeps one second: wait until `old` is gone.
    let filler = 0;
    const watch = await until(
      `revision ${old} compacted`,
      async () => {
        await create(`filler-${filler++}`);
        const res = await send({
          path: `${CM}?watch=true&resourceVersion=${old}&timeoutSeconds=1`,
        });
        const got = events(res.body);
        return got[0]?.type === 'ERROR' ? got : undefined;
      },
      60_000,
      200,
    );
    expect(watch[0]).toMatchObject({
      type: 'ERROR',
      object: { kind: 'Status', code: 410, reason: 'Expired' },
    });
    const list = await send({
      path: `${CM}?resourceVersion=${old}&resourceVersionMatch=Exact`,
    });
    expect(list.status).toBe(410);
    expect(JSON.parse(list.body)).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
  });

  it('answers an expired continue token with 410 and a fresh token that lists the rest', async () => {
    for (const name of ['page-a', 'page-b', 'page-c']) await create(name);
    const first = JSON.parse((await send({ path: `${CM}?limit=1` })).body) as {
      metadata: { continue?: string };
      items: Array<{ metadata: { name: string } }>;
    };
    const token = first.metadata.continue as string;
    expect(token).toBeTruthy();
    // Compaction runs every second and keeps one second: write until the token's revision
    // is gone.
    let filler = 0;
    const expired = await until(
      'the continue token expired',
      async () => {
        await create(`page-filler-${filler++}`);
        const res = await send({ path: `${CM}?limit=1&continue=${encodeURIComponent(token)}` });
        return res.status === 410 ? res : undefined;
      },
      60_000,
      200,
    );
    const status = JSON.parse(expired.body) as {
      reason: string;
      message: string;
      metadata: { continue?: string };
    };
    expect(status.reason).toBe('Expired');
    expect(status.message).toContain('use the continue token in this response');
    const fresh = status.metadata.continue as string;
    expect(fresh).toBeTruthy();
    // The fresh token goes on after the first page, at the latest revision.
    const rest = JSON.parse(
      (await send({ path: `${CM}?continue=${encodeURIComponent(fresh)}` })).body,
    ) as { items: Array<{ metadata: { name: string } }> };
    const names = rest.items.map((i) => i.metadata.name);
    expect(names).not.toContain(first.items[0]?.metadata.name);
    expect(names).toEqual(expect.arrayContaining(['page-filler-0']));
  });

  it('lists at an exact revision, or one not older than asked', async () => {
    const at = (await create('exact-a')).metadata.resourceVersion;
    await create('exact-b');
    const exact = JSON.parse(
      (await send({ path: `${CM}?resourceVersion=${at}&resourceVersionMatch=Exact` })).body,
    ) as { metadata: { resourceVersion: string }; items: Array<{ metadata: { name: string } }> };
    expect(exact.metadata.resourceVersion).toBe(at);
    const names = exact.items.map((i) => i.metadata.name);
    expect(names).toContain('exact-a');
    expect(names).not.toContain('exact-b');
    const notOlder = JSON.parse(
      (await send({ path: `${CM}?resourceVersion=${at}&resourceVersionMatch=NotOlderThan` })).body,
    ) as { metadata: { resourceVersion: string }; items: Array<{ metadata: { name: string } }> };
    expect(Number(notOlder.metadata.resourceVersion)).toBeGreaterThan(Number(at));
    expect(notOlder.items.map((i) => i.metadata.name)).toContain('exact-b');
    const future = await send({
      path: `${CM}?resourceVersion=${Number(at) + 1_000_000}&resourceVersionMatch=Exact`,
    });
    expect(future.status).toBe(504);
  });

  it('watches as a Table, with the columns kubectl get -w prints', async () => {
    const from = (await create('table-0')).metadata.resourceVersion;
    const watching = send({
      path: `${CM}?watch=true&resourceVersion=${from}&timeoutSeconds=1`,
      headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
    });
    await create('table-1');
    const res = await watching;
    // The media type names the Table's version as the Accept header does (it said v=meta.k8s.io/v1).
    expect(res.headers['content-type']).toBe('application/json;as=Table;g=meta.k8s.io;v=v1');
    const all = events(res.body);
    expect(all).toHaveLength(1);
    expect(all[0]?.type).toBe('ADDED');
    expect(all[0]?.object.kind).toBe('Table');
    expect(all[0]?.object.columnDefinitions?.map((c) => c.name)).toEqual(['Name', 'Data', 'Age']);
    expect(all[0]?.object.rows?.[0]?.cells.slice(0, 2)).toEqual(['table-1', 1]);
  });

  it('streams JSON only: a watch asked for as YAML alone is a 406, as upstream', async () => {
    const yaml = await send({
      path: `${CM}?watch=true&timeoutSeconds=1`,
      headers: { accept: 'application/yaml' },
    });
    expect(yaml.status, yaml.body.slice(0, 200)).toBe(406);
    const either = await send({
      path: `${CM}?watch=true&timeoutSeconds=1`,
      headers: { accept: 'application/yaml, application/json' },
    });
    expect(either.status).toBe(200);
    expect(either.headers['content-type']).toBe('application/json');
  });

  it('counts requests by verb and resource, watches and the store revision in /metrics', async () => {
    const metrics = (await send({ path: '/metrics' })).body;
    expect(metrics).toMatch(
      /apiserver_request_total\{verb="create",group="",resource="configmaps",code="201"\} \d+/,
    );
    expect(metrics).toMatch(/apiserver_request_duration_seconds_count\{verb="list"/);
    expect(metrics).toMatch(/apiserver_registered_watchers(\{[^}]*\})? \d+/);
    expect(metrics).toMatch(/canopy_store_revision \d+/);
  });
});
