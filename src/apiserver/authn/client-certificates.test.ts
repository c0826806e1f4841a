import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpsRequest, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CertificateAuthority,
  issueClientCertificate,
  issueServingCertificate,
  type KeyPairPem,
  loadOrCreateCA,
} from '../tls/pki.ts';
import { ClientCertificateAuthenticator } from './client-certificates.ts';

let dir: string;
let ca: CertificateAuthority;
let otherCa: CertificateAuthority;
let server: Server;
let port: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'canopy-x509-'));
  mkdirSync(join(dir, 'other'));
  ca = await loadOrCreateCA(dir);
  otherCa = await loadOrCreateCA(join(dir, 'other'), 'someone-else');
  const serving = await issueServingCertificate(ca, ['127.0.0.1']);
  const authenticator = new ClientCertificateAuthenticator();
  // The server's TLS options as ApiServer sets them.
  server = createServer(
    {
      cert: serving.cert,
      key: serving.key,
      ca: ca.cert,
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const user = authenticator.authenticate(req);
      res.writeHead(user ? 200 : 401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(user ?? null));
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function call(client?: KeyPairPem): Promise<{ code: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/',
        ca: ca.cert,
        ...(client ? { cert: client.cert, key: client.key } : {}),
        agent: false,
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => {
          text += d;
        });
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('client certificates', () => {
  it('name the user (CN) and groups (O)', async () => {
    const cert = await issueClientCertificate(ca, 'alice', ['devs', 'system:masters']);
    const { code, body } = await call(cert);
    expect(code).toBe(200);
    expect(body).toMatchObject({ username: 'alice', groups: ['devs', 'system:masters'] });
    expect(
      (body as { extra: Record<string, string[]> }).extra[
        'authentication.kubernetes.io/credential-id'
      ]?.[0],
    ).toMatch(/^X509SHA256=[0-9a-f]{64}$/);
  });

  it('from another CA authenticate nobody', async () => {
    const cert = await issueClientCertificate(otherCa, 'alice', ['system:masters']);
    expect(await call(cert)).toEqual({ code: 401, body: null });
  });

  it('that expired authenticate nobody', async () => {
    const cert = await issueClientCertificate(ca, 'alice', [], -120_000);
    expect(await call(cert)).toEqual({ code: 401, body: null });
  });

  it('absent leave the request to other authenticators', async () => {
    expect(await call()).toEqual({ code: 401, body: null });
  });
});
