import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseExpiration, serverDataDir } from './kubeconfig.ts';

const HOUR = 3_600_000;

describe('parseExpiration', () => {
  it.each<[string, number]>([
    ['8760h', 8760 * HOUR],
    ['24h', 24 * HOUR],
    ['90m', 1.5 * HOUR],
    ['1h30m', 1.5 * HOUR],
    ['90s', 90_000],
    ['365d', 365 * 24 * HOUR],
    ['1d12h', 36 * HOUR],
    [' 24h ', 24 * HOUR],
  ])('%j → %d ms', (text, ms) => {
    expect(parseExpiration(text)).toBe(ms);
  });

  it.each(['', '0', '0s', '-1h', '24', '1y', 'soon'])('rejects %j', (text) => {
    expect(() => parseExpiration(text)).toThrow(
      `--expiration must be a positive duration such as 24h, 90m or 365d, not ${JSON.stringify(text)}`,
    );
  });
});

describe('the data directory whose CA signs', () => {
  const root = mkdtempSync(join(tmpdir(), 'canopy-kubeconfig-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const withCA = (dir: string) => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'ca.crt'), 'crt');
    writeFileSync(join(dir, 'ca.key'), 'key');
  };

  it("is canopy start's data directory itself", () => {
    withCA(join(root, 'start'));
    expect(serverDataDir(join(root, 'start'))).toBe(join(root, 'start'));
  });

  it("is the control plane's under canopy up's (npm start's) data directory", () => {
    withCA(join(root, 'up', 'control-plane'));
    expect(serverDataDir(join(root, 'up'))).toBe(join(root, 'up', 'control-plane'));
  });

  it('says where it looked and what to point it at otherwise', () => {
    const empty = join(root, 'empty');
    expect(() => serverDataDir(empty)).toThrow(
      `no certificate authority in ${empty} (ca.crt, ca.key), nor in ${join(empty, 'control-plane')}: point --data-dir at the directory of a server that ran once (canopy start --data-dir DIR), or of canopy up (npm start keeps it in .canopy), or pass the --pki-dir the server was started with`,
    );
  });
});
