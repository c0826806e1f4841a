import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../logging/logger.ts';
import type { PostgresBinaries } from '../runtime/binaries.ts';
import { InstanceManager } from './instance-manager.ts';

const binaries = (major: number, version: string): PostgresBinaries => ({
  dir: `/opt/pg${major}/bin`,
  version,
  major,
  path: (name) => `/opt/pg${major}/bin/${name}`,
});
const pg16 = binaries(16, '16.6');
const pg15 = binaries(15, '15.18');
const dataDir = mkdtempSync(join(tmpdir(), 'canopy-instance-manager-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const manager = () =>
  new InstanceManager({
    dataDir,
    bin: pg16,
    installed: [pg16, pg15],
    user: {
      name: 'me',
      uid: process.getuid?.() ?? 0,
      gid: process.getgid?.() ?? 0,
      home: '/',
      switched: false,
    },
    host: '127.0.0.1',
    log: silentLogger(),
  });
const cluster = (name: string) => ({ metadata: { namespace: 'ns', name, uid: `uid-${name}` } });

describe('which PostgreSQL a Cluster runs', () => {
  it('is the installed major its image asks for, kept with its data', async () => {
    const m = manager();
    const old = await m.runtimeFor(cluster('old'), 15);
    expect(old.bin).toBe(pg15);
    expect(JSON.parse(readFileSync(join(old.dir, 'cluster.json'), 'utf8')).major).toBe(15);
    // Asked again with another major, the data's own stays.
    expect((await m.runtimeFor(cluster('old'), 16)).bin).toBe(pg15);
    // And so after a restart of the operator.
    const again = manager();
    again.loadAll();
    expect(again.get('ns', 'old')?.bin).toBe(pg15);
  });

  it('is the default for a major not installed, or none asked', async () => {
    const m = manager();
    expect((await m.runtimeFor(cluster('missing'), 17)).bin).toBe(pg16);
    expect((await m.runtimeFor(cluster('plain'))).bin).toBe(pg16);
  });
});
