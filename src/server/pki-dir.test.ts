import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadOrCreateCA, loadOrIssueSharedServing } from '../apiserver/tls/pki.ts';
import { ensureSharedPki } from './pki-dir.ts';

let parent: string;

beforeEach(() => {
  parent = mkdtempSync(join(tmpdir(), 'canopy-pki-'));
});

afterEach(() => {
  rmSync(parent, { recursive: true, force: true });
});

const contents = (dir: string) =>
  Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));

/** Runs ensureSharedPki(dir) in a separate Node process; resolves to what it printed. */
function inProcess(dir: string): Promise<string> {
  const module = join(import.meta.dirname, 'pki-dir.ts');
  const code = `import 'reflect-metadata'; const { ensureSharedPki } = await import(${JSON.stringify(module)}); process.stdout.write(await ensureSharedPki(${JSON.stringify(dir)}));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d;
    });
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(err))));
  });
}

describe('the shared PKI directory', () => {
  it('is made once when replicas start at the same moment, and all of them read that one', async () => {
    const dir = join(parent, 'pki');
    const results = await Promise.all([1, 2, 3, 4].map(() => inProcess(dir)));
    expect(new Set(results)).toEqual(new Set([dir]));
    const made = contents(dir);
    expect(Object.keys(made).sort()).toEqual(['admin.token', 'ca.crt', 'ca.key', 'sa.key']);
    // Nothing of the losers is left beside it.
    expect(readdirSync(parent)).toEqual(['pki']);
    // Starting again reads, never rewrites.
    await ensureSharedPki(dir);
    expect(contents(dir)).toEqual(made);
  });

  it('takes an empty directory made beforehand', async () => {
    const dir = join(parent, 'pki');
    mkdirSync(dir);
    await Promise.all([ensureSharedPki(dir), ensureSharedPki(dir)]);
    expect(readdirSync(dir).sort()).toEqual(['admin.token', 'ca.crt', 'ca.key', 'sa.key']);
  });

  it('refuses a directory holding something else', async () => {
    const dir = join(parent, 'pki');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    await expect(ensureSharedPki(dir)).rejects.toThrow(
      /--pki-dir .* holds other files and no Canopy PKI \(missing ca\.crt, ca\.key, sa\.key, admin\.token\)/,
    );
    expect(readdirSync(dir)).toEqual(['notes.txt']);
  });
});

describe('the shared serving certificate', () => {
  const sans = (pem: string) =>
    (
      new x509.X509Certificate(pem)
        .getExtension(x509.SubjectAlternativeNameExtension)
        ?.names.toJSON() ?? []
    ).map((n) => n.value);

  it('grows to cover every replica’s addresses, even when they start together', async () => {
    const ca = await loadOrCreateCA(parent);
    const hosts = [
      ['127.0.0.1', 'localhost', '10.0.0.1'],
      ['127.0.0.1', 'localhost', '10.0.0.2'],
      ['127.0.0.1', 'localhost', '10.0.0.3'],
    ];
    const pairs = await Promise.all(hosts.map((h) => loadOrIssueSharedServing(parent, ca, h)));
    // Each replica serves a certificate valid for its own addresses…
    pairs.forEach((pair, i) => {
      expect(sans(pair.cert)).toEqual(expect.arrayContaining(hosts[i] as string[]));
    });
    // …and the one on disk covers them all, so the next start of any of them reuses it.
    const shared = readFileSync(join(parent, 'serving.pem'), 'utf8');
    expect(sans(shared)).toEqual(expect.arrayContaining(hosts.flat()));
    const again = await loadOrIssueSharedServing(parent, ca, hosts[1] as string[]);
    expect(`${again.cert}${again.key}`).toBe(shared);
  });
});
