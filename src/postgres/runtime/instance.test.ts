import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PostgresBinaries } from './binaries.ts';
import { Instance } from './instance.ts';
import type { ServerUser } from './os-user.ts';

const user: ServerUser = {
  name: 'me',
  uid: process.getuid?.() ?? 0,
  gid: process.getgid?.() ?? 0,
  home: tmpdir(),
  switched: false,
};
/** Binaries that do not exist: a start that got as far as spawning would fail differently. */
const bin: PostgresBinaries = {
  dir: '/nonexistent',
  version: '15.0',
  major: 15,
  path: (name) => join('/nonexistent', name),
};

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function instance(closed: boolean): Instance {
  const dir = mkdtempSync(join(tmpdir(), 'canopy-instance-'));
  dirs.push(dir);
  const init = { name: 'db-1', serial: 1, port: 1, role: 'primary', phase: 'ready' } as const;
  return Instance.create(join(dir, 'db-1'), init, bin, user, { closed });
}

describe('Instance.start behind a start fence', () => {
  it('refuses to start a server once the fence is closed (the operator is stopping its servers)', async () => {
    await expect(instance(true).start(1000)).rejects.toThrow(
      'not starting PostgreSQL db-1: the operator is stopping its servers',
    );
  });

  it('goes on to spawn the server while the fence is open', async () => {
    const start = instance(false).start(1000);
    await expect(start).rejects.toThrow();
    await expect(start).rejects.not.toThrow('the operator is stopping');
  });
});
