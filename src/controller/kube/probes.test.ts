import { afterEach, describe, expect, it } from 'vitest';
import { type ProbeServer, serveProbes } from './probes.ts';

const registry = {
  contentType: 'text/plain; version=0.0.4; charset=utf-8',
  metrics: async () => 'up 1\n',
};

describe('serveProbes', () => {
  const servers: ProbeServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const serve = async (...args: Parameters<typeof serveProbes>) => {
    const s = await serveProbes(...args);
    servers.push(s);
    return s;
  };

  it('serves metrics, liveness and readiness with its reason', async () => {
    let ready = false;
    const s = await serve('127.0.0.1:0', '0.0.0.0', {
      metrics: registry,
      notReady: () => (ready ? undefined : 'informers not synced'),
    });
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const metrics = await fetch(`${s.url}/metrics`);
    expect(metrics.headers.get('content-type')).toBe(registry.contentType);
    expect(await metrics.text()).toBe('up 1\n');
    for (const path of ['/healthz', '/livez?verbose'])
      expect(await (await fetch(`${s.url}${path}`)).text()).toBe('ok');
    const notReady = await fetch(`${s.url}/readyz`);
    expect([notReady.status, await notReady.text()]).toEqual([503, 'informers not synced']);
    ready = true;
    const isReady = await fetch(`${s.url}/readyz`);
    expect([isReady.status, await isReady.text()]).toEqual([200, 'ok']);
    expect((await fetch(`${s.url}/other`)).status).toBe(404);
  });

  it('without a registry answers probes only; an address without a host gets the default', async () => {
    const s = await serve(':0', '127.0.0.1', { notReady: () => undefined });
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${s.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
  });

  it('fails when the port is taken', async () => {
    const s = await serve('127.0.0.1:0', '127.0.0.1', { notReady: () => undefined });
    await expect(
      serveProbes(s.url.replace('http://', ''), '', { notReady: () => undefined }),
    ).rejects.toThrow(/EADDRINUSE/);
  });
});
