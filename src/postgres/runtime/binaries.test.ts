import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { candidateDirectories, findPostgresBinaries, parsePostgresVersion } from './binaries.ts';

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
});
