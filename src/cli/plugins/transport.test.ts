import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EffectiveConfig } from './client-config.ts';
import { ApiError, connect, errorFromResponse, isAlreadyExists, isNotFound } from './transport.ts';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

let server: Server;
let base: string;
let handler: Handler = (_req, _body, res) => res.end();
const seen: Array<{ method?: string; url?: string; auth?: string; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({
        ...(req.method ? { method: req.method } : {}),
        ...(req.url ? { url: req.url } : {}),
        ...(req.headers.authorization ? { auth: req.headers.authorization } : {}),
        body,
      });
      handler(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function config(user: EffectiveConfig['user']): EffectiveConfig {
  return {
    contextName: 'c',
    context: { cluster: 'c', user: 'u' },
    cluster: { server: `${base}/clusters/root` },
    user,
    host: `${base}/clusters/root`,
  };
}

const json = (
  res: ServerResponse,
  code: number,
  body: unknown,
  headers: Record<string, string> = {},
) => {
  res.writeHead(code, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

describe('HTTP transport', () => {
  it('sends the bearer token and JSON bodies, and parses JSON answers', async () => {
    handler = (_req, body, res) => json(res, 201, { echoed: JSON.parse(body) });
    const t = await connect(config({ token: 'sekret' }), base);
    const res = await t.request('POST', '/clusters/root:a/apis/x', { a: 1 });
    expect(res).toMatchObject({ status: 201, body: { echoed: { a: 1 } } });
    expect(seen.at(-1)).toMatchObject({
      method: 'POST',
      url: '/clusters/root:a/apis/x',
      auth: 'Bearer sekret',
    });
  });

  it('uses basic auth when the user has a username', async () => {
    handler = (_req, _body, res) => json(res, 200, {});
    const t = await connect(config({ username: 'jane', password: 'pw' }), base);
    await t.request('GET', '/x');
    expect(seen.at(-1)?.auth).toBe(`Basic ${Buffer.from('jane:pw').toString('base64')}`);
  });

  it('gets exec credentials through @kubernetes/client-node', async () => {
    handler = (_req, _body, res) => json(res, 200, {});
    const credential = JSON.stringify({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      status: { token: 'from-exec' },
    });
    const t = await connect(
      config({
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: process.execPath,
          args: ['-e', `process.stdout.write(${JSON.stringify(credential)})`],
        },
      }),
      base,
    );
    await t.request('GET', '/x');
    expect(seen.at(-1)?.auth).toBe('Bearer from-exec');
  });

  it('turns Status answers and bare failures into client-go style errors', () => {
    const notFound = errorFromResponse({
      status: 404,
      body: {
        kind: 'Status',
        reason: 'NotFound',
        message: 'workspaces.tenancy.kcp.io "x" not found',
      },
      text: '',
    });
    expect(notFound).toBeInstanceOf(ApiError);
    expect(notFound.message).toBe('workspaces.tenancy.kcp.io "x" not found');
    expect(isNotFound(notFound)).toBe(true);
    expect(
      isAlreadyExists(
        errorFromResponse({
          status: 409,
          body: { kind: 'Status', reason: 'AlreadyExists', message: 'm' },
          text: '',
        }),
      ),
    ).toBe(true);
    expect(
      errorFromResponse({ status: 404, body: undefined, text: '404 page not found' }).message,
    ).toBe('the server could not find the requested resource');
    expect(errorFromResponse({ status: 403, body: undefined, text: '' }).message).toBe(
      'the server does not allow access to the requested resource',
    );
    expect(errorFromResponse({ status: 500, body: undefined, text: 'boom' }).message).toBe(
      'an error on the server ("boom") has prevented the request from succeeding',
    );
  });

  it('retries 429 answers that carry Retry-After', async () => {
    let calls = 0;
    handler = (_req, _body, res) => {
      calls++;
      if (calls === 1)
        json(res, 429, { kind: 'Status', message: 'not here yet' }, { 'Retry-After': '0' });
      else json(res, 200, { ok: true });
    };
    const t = await connect(config({ token: 't' }), base);
    expect((await t.request('GET', '/clusters/root/api')).body).toEqual({ ok: true });
    expect(calls).toBe(2);
  });

  it('reports connection failures with the URL', async () => {
    const t = await connect(config({}), 'http://127.0.0.1:1');
    await expect(t.request('GET', '/clusters/root/api')).rejects.toThrow(
      /^Get "http:\/\/127\.0\.0\.1:1\/clusters\/root\/api": /,
    );
  });
});
