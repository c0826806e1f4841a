import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirInUse, lockDataDir } from './lock.ts';

const dirs: string[] = [];
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'canopy-lock-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(r.stdout);
}

describe('one canopy up per data directory', () => {
  it('takes a free directory and gives it back', () => {
    const dir = fresh();
    const release = lockDataDir(dir);
    expect(readFileSync(join(dir, 'up.pid'), 'utf8')).toBe(`${process.pid}\n`);
    release();
    expect(existsSync(join(dir, 'up.pid'))).toBe(false);
  });

  it('refuses a directory a live process holds, naming it', () => {
    const dir = fresh();
    // pid 1 is always alive.
    writeFileSync(join(dir, 'up.pid'), '1\n');
    expect(() => lockDataDir(dir)).toThrow(DataDirInUse);
    expect(() => lockDataDir(dir)).toThrow(
      `another canopy up (pid 1) is running on ${dir}; stop it first (Ctrl-C in its terminal, or kill 1), or give this one its own --data-dir`,
    );
    expect(readFileSync(join(dir, 'up.pid'), 'utf8')).toBe('1\n');
  });

  it('takes over from a holder that died', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'up.pid'), `${deadPid()}\n`);
    const release = lockDataDir(dir);
    expect(readFileSync(join(dir, 'up.pid'), 'utf8')).toBe(`${process.pid}\n`);
    release();
  });

  it('leaves a lock that is no longer its own', () => {
    const dir = fresh();
    const release = lockDataDir(dir);
    writeFileSync(join(dir, 'up.pid'), '1\n');
    release();
    expect(readFileSync(join(dir, 'up.pid'), 'utf8')).toBe('1\n');
  });
});
