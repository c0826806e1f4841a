/**
 * `canopy start` on an etcd that speaks TLS and requires client certificates
 * (--etcd-cafile, --etcd-certfile, --etcd-keyfile), and what happens when that etcd goes
 * away while the server runs: requests get 503/504 Statuses rather than hanging, /readyz
 * fails, and once etcd is back requests succeed again and an open watch goes on from
 * where it was, missing nothing.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  issueClientCertificate,
  issueServingCertificate,
  loadOrCreateCA,
} from '../../src/apiserver/tls/pki.ts';
import { startTestEtcd, type TestEtcd } from '../../src/storage/etcd/testing.ts';
import { type CanopyProcess, startCanopy } from './harness/canopy-process.ts';
import { httpClient, type RawRequest, type RawResponse } from './harness/http.ts';
import { ResumableWatch } from './harness/resumable-watch.ts';
import { until } from './harness/wait.ts';

const CM = '/api/v1/namespaces/default/configmaps';

describe('canopy start on etcd over TLS, while etcd goes away and comes back', () => {
  let home: string;
  let etcd: TestEtcd;
  let server: CanopyProcess;
  let send: (r: RawRequest) => Promise<RawResponse>;
  const files = { ca: '', cert: '', key: '', serverCert: '', serverKey: '' };

  const configMap = (name: string) =>
    send({
      method: 'POST',
      path: CM,
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } }),
    });

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'canopy-etcd-tls-'));
    const ca = await loadOrCreateCA(join(home), 'etcd-ca');
    const serving = await issueServingCertificate(ca, ['127.0.0.1', 'localhost']);
    const client = await issueClientCertificate(ca, 'canopy', []);
    files.ca = join(home, 'ca.crt');
    for (const [name, content] of [
      ['server.crt', serving.cert],
      ['server.key', serving.key],
      ['client.crt', client.cert],
      ['client.key', client.key],
    ] as const) {
      writeFileSync(join(home, name), content, { mode: 0o600 });
    }
    files.serverCert = join(home, 'server.crt');
    files.serverKey = join(home, 'server.key');
    files.cert = join(home, 'client.crt');
    files.key = join(home, 'client.key');
    etcd = await startTestEtcd({
      tls: { caFile: files.ca, certFile: files.serverCert, keyFile: files.serverKey },
    });
    server = await startCanopy({
      plain: true,
      args: [
        '--etcd-servers',
        etcd.endpoints.join(','),
        '--etcd-cafile',
        files.ca,
        '--etcd-certfile',
        files.cert,
        '--etcd-keyfile',
        files.key,
      ],
    });
    send = httpClient(server.kubeconfig);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    server?.cleanup();
    await etcd?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('refuses to start without a certificate etcd accepts, saying where it failed', async () => {
    expect(etcd.endpoints[0]).toMatch(/^https:/);
    const err = await startCanopy({
      plain: true,
      args: ['--etcd-servers', etcd.endpoints.join(','), '--etcd-cafile', files.ca],
    }).then(
      (p) => {
        void p.kill();
        return undefined;
      },
      (e: Error) => e,
    );
    expect(err?.message).toContain(
      `cannot reach etcd (etcd at ${etcd.endpoints[0]} is unavailable: etcd refused the client certificate (give --etcd-certfile and --etcd-keyfile, signed by a CA etcd trusts))`,
    );
  });

  it('answers 503 while etcd is away and recovers when it returns, its watch intact', async () => {
    const list = await send({ path: CM });
    expect(list.status).toBe(200);
    const from = JSON.parse(list.body).metadata.resourceVersion as string;
    const watch = new ResumableWatch([server.kubeconfig], CM, from, 0, () => true);
    expect((await configMap('before')).status).toBe(201);

    await etcd.kill(0);
    const refused = await until('a read refused while etcd is away', async () => {
      const res = await send({ path: `${CM}/before` });
      return res.status === 503 ? res : undefined;
    });
    const status = JSON.parse(refused.body);
    expect(status).toMatchObject({ kind: 'Status', code: 503, reason: 'ServiceUnavailable' });
    expect(status.message).toContain(etcd.endpoints[0]);
    expect(refused.headers['retry-after']).toBe('1');
    expect([503, 504]).toContain((await configMap('during')).status);
    const ready = await send({ path: '/readyz' });
    expect(ready.status).toBe(503);
    expect(ready.body).toContain('[-]storage failed');
    expect((await send({ path: '/livez' })).status).toBe(200);

    await etcd.restart(0);
    await until(
      'reads served again',
      async () => (await send({ path: `${CM}/before` })).status === 200,
      60_000,
    );
    // Ready once its watch on etcd is back too (reads may come first: nothing changed meanwhile).
    await until('ready again', async () => (await send({ path: '/readyz' })).status === 200);
    expect((await configMap('after')).status).toBe(201);
    await until('the watch saw the write after the outage', () =>
      watch.events.some((e) => e.name === 'after'),
    );
    watch.stop();
    expect(watch.problems).toEqual([]);
    // The same stream all along: never resumed, nothing missed, nothing from the refused write.
    expect(watch.resumes).toBe(0);
    expect(watch.events.map((e) => [e.type, e.name])).toEqual([
      ['ADDED', 'before'],
      ['ADDED', 'after'],
    ]);
  });
});
