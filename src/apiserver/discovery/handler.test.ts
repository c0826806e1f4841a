/**
 * Discovery and OpenAPI documents of the built-ins over HTTP: legacy and aggregated
 * discovery with ETags, OpenAPI v3 by content hash, 404s for what is not served.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinTypes } from '../builtin/index.ts';
import { writeError } from '../http/respond.ts';
import { OpenApiHandler } from '../openapi/handler.ts';
import { TypeRegistry } from '../registry/type-registry.ts';
import { DiscoveryHandler } from './handler.ts';

let server: Server;
let base: string;

beforeAll(async () => {
  const registry = new TypeRegistry(builtinTypes);
  const discovery = new DiscoveryHandler(registry);
  const openapi = new OpenApiHandler(registry);
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    try {
      const types = () => openapi.forCluster('root');
      if (openapi.handle(req, res, types, url.pathname, url.searchParams)) return;
      if (discovery.handle(req, res, 'root', url.pathname)) return;
      res.writeHead(418).end();
    } catch (err) {
      writeError(res, err);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, { headers, redirect: 'manual' });

describe('discovery', () => {
  it('answers legacy documents with an ETag, and 304 when it matches', async () => {
    const res = await get('/apis/rbac.authorization.k8s.io/v1');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { kind: string; resources: Array<{ name: string }> };
    expect(body.kind).toBe('APIResourceList');
    expect(body.resources.map((r) => r.name)).toContain('clusterroles');
    const etag = res.headers.get('etag') as string;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const again = await get('/apis/rbac.authorization.k8s.io/v1', { 'if-none-match': etag });
    expect(again.status).toBe(304);
  });

  it('answers aggregated discovery when asked for it', async () => {
    const accept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
    const res = await get('/apis', { accept });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(accept);
    expect(await res.json()).toMatchObject({ kind: 'APIGroupDiscoveryList' });
    expect((await get('/api', { accept: 'text/html' })).status).toBe(406);
  });

  it('is 404 for groups and versions not served', async () => {
    expect((await get('/apis/example.com')).status).toBe(404);
    expect((await get('/apis/example.com/v1')).status).toBe(404);
    expect((await get('/api/v2')).status).toBe(404);
  });
});

describe('openapi v3', () => {
  it('lists documents by hash, serves them immutable, redirects an old hash', async () => {
    const index = (await (await get('/openapi/v3')).json()) as {
      paths: Record<string, { serverRelativeURL: string }>;
    };
    const url = index.paths['api/v1']?.serverRelativeURL as string;
    expect(url).toMatch(/^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{64}$/);
    const doc = await get(url);
    expect(doc.status).toBe(200);
    expect(doc.headers.get('cache-control')).toBe('public, immutable');
    const moved = await get('/openapi/v3/api/v1?hash=OLD');
    expect(moved.status).toBe(301);
    expect(moved.headers.get('location')).toBe(url);
    expect((await get('/openapi/v3/apis/example.com/v1')).status).toBe(404);
    expect((await get('/openapi/v3/nonsense')).status).toBe(404);
  });
});
