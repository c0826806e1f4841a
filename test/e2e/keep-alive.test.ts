/**
 * One TLS connection, many requests: large bodies (1–3 MB) followed by small requests,
 * one after the other (keep-alive) and all sent at once (pipelined) while the client is
 * slow to read, so the server's big responses are still queued when the next request
 * arrives. Every request must get its own response, in order, on the same connection:
 * none may be cut off with `400 malformed HTTP request: HPE_PAUSED`.
 */
import { readFileSync } from 'node:fs';
import { connect, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKubeconfig } from '../../src/apimachinery/kubeconfig.ts';
import { type CanopyProcess, startCanopy } from './harness/canopy-process.ts';
import { until } from './harness/wait.ts';

const CM = '/api/v1/namespaces/default/configmaps';

interface Parsed {
  readonly status: number;
  readonly body: string;
}

/** Splits a byte stream into HTTP/1.1 responses (every response carries Content-Length). */
function parseResponses(data: Buffer): { responses: Parsed[]; rest: Buffer } {
  const responses: Parsed[] = [];
  let at = 0;
  for (;;) {
    const end = data.indexOf('\r\n\r\n', at);
    if (end < 0) break;
    const head = data.subarray(at, end).toString('latin1');
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? Number.NaN);
    if (!Number.isFinite(length)) throw new Error(`response without Content-Length:\n${head}`);
    if (data.length < end + 4 + length) break;
    responses.push({
      status: Number(head.slice(9, 12)),
      body: data.subarray(end + 4, end + 4 + length).toString('utf8'),
    });
    at = end + 4 + length;
  }
  return { responses, rest: data.subarray(at) };
}

class Connection {
  private readonly socket: TLSSocket;
  private buffered: Buffer = Buffer.alloc(0);
  private readonly received: Parsed[] = [];
  private waiting: (() => void) | undefined;
  private closed = false;

  private constructor(socket: TLSSocket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      const { responses, rest } = parseResponses(Buffer.concat([this.buffered, d]));
      this.buffered = rest;
      this.received.push(...responses);
      this.waiting?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
    socket.on('error', () => {});
  }

  static open(url: URL, ca: Buffer): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: url.hostname, port: Number(url.port), ca }, () =>
        resolve(new Connection(socket)),
      );
      socket.once('error', reject);
    });
  }

  send(raw: string): void {
    this.socket.write(raw);
  }

  pauseReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    this.socket.resume();
  }

  /** The first `n` responses, or fewer when the server closed the connection before. */
  async responses(n: number): Promise<Parsed[]> {
    while (this.received.length < n && !this.closed) {
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
      });
    }
    return this.received.slice(0, n);
  }

  get open(): boolean {
    return !this.closed;
  }

  close(): void {
    this.socket.end();
  }
}

describe('keep-alive and pipelining after large bodies', () => {
  let server: CanopyProcess;
  let url: URL;
  let ca: Buffer;
  let token: string;

  beforeAll(async () => {
    server = await startCanopy({ plain: true });
    const config = parseKubeconfig(readFileSync(server.kubeconfig, 'utf8'));
    url = new URL(config.clusters[0]?.cluster.server ?? '');
    ca = Buffer.from(config.clusters[0]?.cluster['certificate-authority-data'] ?? '', 'base64');
    token = config.users[0]?.user.token ?? '';
  });

  afterAll(async () => {
    await server?.stop();
    server?.cleanup();
  });

  const request = (method: string, path: string, body?: string, type = 'application/json') =>
    `${method} ${path} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${token}\r\n${
      body === undefined
        ? ''
        : `Content-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`
    }\r\n${body ?? ''}`;
  const configMap = (name: string, bytes: number) =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name },
      data: { big: 'x'.repeat(bytes) },
    });
  /** A big write, a small read, a big patch, an over-limit body and a refused one, per round. */
  const round = (name: string) => [
    { raw: request('POST', CM, configMap(name, 900_000)), status: 201 },
    { raw: request('GET', `${CM}/${name}`), status: 200 },
    {
      raw: request(
        'PATCH',
        `${CM}/${name}`,
        JSON.stringify({ data: { more: 'y'.repeat(100_000) } }),
        'application/merge-patch+json',
      ),
      status: 200,
    },
    // Too big for a ConfigMap (1 MiB of data), but under the 3 MiB body limit: read whole.
    { raw: request('POST', CM, configMap(`${name}-too-big`, 2_500_000)), status: 422 },
    { raw: request('GET', `${CM}?limit=1`), status: 200 },
    // Over the body limit: refused from Content-Length; the body must still be skipped.
    { raw: request('POST', CM, configMap(`${name}-over`, 3_200_000)), status: 413 },
    { raw: request('GET', '/api/v1/namespaces/default'), status: 200 },
  ];

  it('answers each request in turn on one keep-alive connection', async () => {
    const conn = await Connection.open(url, ca);
    const steps = [...round('seq-a'), ...round('seq-b')];
    for (const [i, step] of steps.entries()) {
      conn.send(step.raw);
      const got = await conn.responses(i + 1);
      expect(got.length, `response ${i} of ${steps.length}`).toBe(i + 1);
      expect(got[i]?.status, got[i]?.body.slice(0, 300)).toBe(step.status);
    }
    expect(conn.open).toBe(true);
    conn.close();
  });

  it('counts a client that leaves mid-body as such, not as a server error', async () => {
    const socket = connect({ host: url.hostname, port: Number(url.port), ca });
    await new Promise<void>((resolve) => socket.once('secureConnect', () => resolve()));
    // With Expect: 100-continue the server says when it handles the request; then the
    // client sends part of the body and goes.
    const continued = new Promise<void>((resolve) => {
      socket.on('data', (d: Buffer) => {
        if (d.toString('latin1').startsWith('HTTP/1.1 100')) resolve();
      });
    });
    socket.write(
      `POST ${CM} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n`,
    );
    await continued;
    socket.write('{"metadata":');
    socket.destroy();
    const metrics = await until('the abandoned request counted', async () => {
      const res = await new Promise<string>((resolve, reject) => {
        const conn = connect({ host: url.hostname, port: Number(url.port), ca }, () => {
          conn.write(
            `GET /metrics HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
          );
        });
        let text = '';
        conn.on('data', (d: Buffer) => {
          text += d.toString('utf8');
        });
        conn.on('end', () => resolve(text));
        conn.on('error', reject);
      });
      return /apiserver_request_total\{[^}]*code="499"[^}]*\} 1/.test(res) ? res : undefined;
    });
    expect(metrics).not.toMatch(
      /apiserver_request_total\{[^}]*resource="configmaps"[^}]*code="500"/,
    );
    expect(server.output()).not.toContain('request failed');
  });

  it('answers pipelined requests in order while the client reads slowly', async () => {
    // Three rounds for each connection; the client stops reading until it has sent them all,
    // so the server's large responses queue up while the next requests arrive.
    for (const attempt of ['p1', 'p2', 'p3']) {
      const conn = await Connection.open(url, ca);
      const steps = [...round(`${attempt}-a`), ...round(`${attempt}-b`), ...round(`${attempt}-c`)];
      conn.pauseReading();
      for (const step of steps) conn.send(step.raw);
      setTimeout(() => conn.resumeReading(), 300);
      const got = await conn.responses(steps.length);
      expect(
        got.map((r) => r.status),
        got.at(-1)?.body.slice(0, 300),
      ).toEqual(steps.map((s) => s.status));
      expect(conn.open).toBe(true);
      conn.close();
    }
  });
});
