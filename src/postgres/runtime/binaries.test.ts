import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  candidateDirectories,
  findInstalledPostgres,
  findPostgresBinaries,
  parsePostgresVersion,
  REQUIRED_BINARIES,
} from './binaries.ts';

/** A directory of stand-in server binaries whose `postgres --version` says `version`. */
function fakeInstallation(root: string, name: string, version: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const binary of REQUIRED_BINARIES) {
    const file = join(dir, binary);
    writeFileSync(file, `#!/bin/sh\necho "${binary} (PostgreSQL) ${version}"\n`);
    chmodSync(file, 0o755);
  }
  return dir;
}

describe('PostgreSQL binaries', () => {
  it('parses postgres --version', () => {
    expect(parsePostgresVersion('postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n')).toEqual({
      version: '15.18',
      major: 15,
    });
    expect(parsePostgresVersion('postgres (PostgreSQL) 17beta1')).toEqual({
      version: '17',
      major: 17,
    });
    expect(parsePostgresVersion('nonsense')).toBeUndefined();
  });

  it('looks in $CANOPY_POSTGRES_BIN first', () => {
    expect(candidateDirectories({ CANOPY_POSTGRES_BIN: '/opt/pg/bin', PATH: '/usr/bin' })[0]).toBe(
      '/opt/pg/bin',
    );
  });

  it('explains what to install when an explicit directory lacks the binaries', () => {
    const r = findPostgresBinaries('/nonexistent');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/lacks initdb.*apt-get install postgresql/);
  });

  it.skipIf(!existsSync('/usr/lib/postgresql'))('finds the Debian server binaries', () => {
    const r = findPostgresBinaries();
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.binaries.dir).toMatch(/\/usr\/lib\/postgresql\/\d+\/bin/);
      expect(r.binaries.major).toBeGreaterThanOrEqual(13);
      expect(existsSync(r.binaries.path('initdb'))).toBe(true);
    }
  });

  it('lists one installation per major, newest first, the first found of each', () => {
    const root = mkdtempSync(join(tmpdir(), 'canopy-pg-bin-'));
    try {
      const pg14 = fakeInstallation(root, 'a', '94.11');
      const pg16 = fakeInstallation(root, 'b', '96.2');
      const pg16again = fakeInstallation(root, 'c', '96.1');
      const found = findInstalledPostgres(undefined, {
        PATH: [pg14, join(root, 'empty'), pg16, pg16again].join(':'),
      });
      // The machine's own installations are found too (unusual majors keep them apart).
      const fakes = found.filter((b) => b.dir.startsWith(root));
      expect(fakes.map((b) => [b.major, b.version, b.dir])).toEqual([
        [96, '96.2', pg16],
        [94, '94.11', pg14],
      ]);
      expect(findInstalledPostgres(pg14).map((b) => b.version)).toEqual(['94.11']);
      expect(findInstalledPostgres(join(root, 'empty'))).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
