/**
 * The server's certificate authority and certificates: a CA made on first start and kept
 * in the data directory (so kubeconfigs stay valid across restarts), a serving
 * certificate for the addresses the server answers on, and client certificates for
 * users (CN is the user name, O the groups).
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const YEAR_MS = 365 * 24 * 3600 * 1000;

export interface KeyPairPem {
  readonly cert: string;
  readonly key: string;
}

export interface CertificateAuthority extends KeyPairPem {
  readonly certificate: x509.X509Certificate;
  readonly privateKey: CryptoKey;
}

async function exportKey(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN PRIVATE KEY-----\n${b64.trimEnd()}\n-----END PRIVATE KEY-----\n`;
}

async function importKey(pem: string): Promise<CryptoKey> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return webcrypto.subtle.importKey('pkcs8', der, ALGORITHM, true, ['sign']);
}

function generateKeys(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
}

function write(path: string, content: string, secret: boolean): void {
  writeFileSync(path, content, { mode: secret ? 0o600 : 0o644 });
}

/** Loads the CA from `dir`, creating it on first use. */
export async function loadOrCreateCA(
  dir: string,
  commonName = 'canopy-ca',
): Promise<CertificateAuthority> {
  const certPath = join(dir, 'ca.crt');
  const keyPath = join(dir, 'ca.key');
  if (existsSync(certPath) && existsSync(keyPath)) {
    const cert = readFileSync(certPath, 'utf8');
    const key = readFileSync(keyPath, 'utf8');
    return {
      cert,
      key,
      certificate: new x509.X509Certificate(cert),
      privateKey: await importKey(key),
    };
  }
  const keys = await generateKeys();
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=${commonName}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 10 * YEAR_MS),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign |
          x509.KeyUsageFlags.cRLSign |
          x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const cert = certificate.toString('pem');
  const key = await exportKey(keys.privateKey);
  write(certPath, cert, false);
  write(keyPath, key, true);
  return { cert, key, certificate, privateKey: keys.privateKey };
}

function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] as number) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

async function issue(
  ca: CertificateAuthority,
  subject: string,
  extensions: x509.Extension[],
  validityMs: number,
): Promise<KeyPairPem> {
  const keys = await generateKeys();
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject,
    issuer: ca.certificate.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + validityMs),
    signingAlgorithm: ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: ca.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      await x509.AuthorityKeyIdentifierExtension.create(ca.certificate),
      ...extensions,
    ],
  });
  return { cert: certificate.toString('pem'), key: await exportKey(keys.privateKey) };
}

/** A serving certificate for these host names and IP addresses, valid for a year. */
export async function issueServingCertificate(
  ca: CertificateAuthority,
  hosts: readonly string[],
): Promise<KeyPairPem> {
  return issue(
    ca,
    `CN=${hosts[0] ?? 'canopy'}`,
    [
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        hosts.map((h) =>
          isIP(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h },
        ),
      ),
    ],
    YEAR_MS,
  );
}

/** A client certificate: CN is the user, each O a group (as kube-apiserver reads them). */
export async function issueClientCertificate(
  ca: CertificateAuthority,
  user: string,
  groups: readonly string[],
  validityMs = YEAR_MS,
): Promise<KeyPairPem> {
  const escapeDn = (v: string) => v.replace(/([,+"\\<>;=])/g, '\\$1');
  const subject = [...groups.map((g) => `O=${escapeDn(g)}`), `CN=${escapeDn(user)}`].join(', ');
  return issue(
    ca,
    subject,
    [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
    ],
    validityMs,
  );
}

/** The names a serving certificate for a listener on `bind` covers (loopback always). */
export function servingHosts(bind: string, extra: readonly string[] = []): string[] {
  return [...new Set([bind, '127.0.0.1', 'localhost', '::1', ...extra])].filter(
    (h) => h !== '0.0.0.0' && h !== '::',
  );
}

/** Serving certificate in `dir`, re-issued when the host list changed or it nears expiry. */
export async function loadOrIssueServing(
  dir: string,
  ca: CertificateAuthority,
  hosts: readonly string[],
): Promise<KeyPairPem> {
  const certPath = join(dir, 'serving.crt');
  const keyPath = join(dir, 'serving.key');
  const hostsPath = join(dir, 'serving.hosts');
  const wanted = [...hosts].sort().join(',');
  if (
    existsSync(certPath) &&
    existsSync(keyPath) &&
    existsSync(hostsPath) &&
    readFileSync(hostsPath, 'utf8') === wanted
  ) {
    const cert = readFileSync(certPath, 'utf8');
    const parsed = new x509.X509Certificate(cert);
    if (parsed.notAfter.getTime() - Date.now() > 30 * 24 * 3600 * 1000) {
      return { cert, key: readFileSync(keyPath, 'utf8') };
    }
  }
  const pair = await issueServingCertificate(ca, hosts);
  write(certPath, pair.cert, false);
  write(keyPath, pair.key, true);
  write(hostsPath, wanted, false);
  return pair;
}

/**
 * The serving certificate the replicas of one control plane share in their PKI directory
 * (`--pki-dir`): one key pair in `serving.pem` (certificate, then key), valid for the
 * addresses of every replica that started with it. A replica whose addresses it lacks
 * issues one for the union, under a lock file so replicas starting together add to each
 * other's, and swaps it in by rename, so a reader never sees half of one. Each replica
 * serves the certificate it loaded, which covers itself; all are signed by the one CA.
 */
export async function loadOrIssueSharedServing(
  dir: string,
  ca: CertificateAuthority,
  hosts: readonly string[],
): Promise<KeyPairPem> {
  const path = join(dir, 'serving.pem');
  const covers = (b: ServingBundle) =>
    hosts.every((h) => b.hosts.includes(h)) && b.notAfter - Date.now() > 30 * 24 * 3600 * 1000;
  const current = readServingBundle(path);
  if (current && covers(current)) return { cert: current.cert, key: current.key };
  return withLockFile(`${path}.lock`, async () => {
    const locked = readServingBundle(path);
    if (locked && covers(locked)) return { cert: locked.cert, key: locked.key };
    const pair = await issueServingCertificate(ca, [
      ...new Set([...hosts, ...(locked?.hosts ?? [])]),
    ]);
    const tmp = `${path}.${process.pid}.${randomSerial().slice(0, 8)}`;
    write(tmp, `${pair.cert}${pair.key}`, true);
    renameSync(tmp, path);
    return pair;
  });
}

/** A lock older than this was left by a process that died holding it. */
const STALE_LOCK_MS = 30_000;

/** Runs `fn` holding `lock` (a file made exclusively); waits for another holder to finish. */
async function withLockFile<T>(lock: string, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx', 0o600));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmSync(lock, { force: true });
      } catch {}
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

interface ServingBundle {
  readonly cert: string;
  readonly key: string;
  readonly hosts: string[];
  readonly notAfter: number;
}

function readServingBundle(path: string): ServingBundle | undefined {
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8');
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/.exec(text)?.[0];
  const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n?/.exec(text)?.[0];
  if (!cert || !key) return undefined;
  const parsed = new x509.X509Certificate(cert);
  const san = parsed.getExtension(x509.SubjectAlternativeNameExtension);
  const hosts = (san?.names.toJSON() ?? []).map((n) => n.value);
  return { cert, key, hosts, notAfter: parsed.notAfter.getTime() };
}
