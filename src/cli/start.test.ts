import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const CANOPY = join(import.meta.dirname, '..', '..', 'bin', 'canopy');
const dir = mkdtempSync(join(tmpdir(), 'canopy-start-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `canopy start` with bad flags: it must refuse before serving, saying what is wrong. */
const start = (...args: string[]) =>
  spawnSync(process.execPath, [CANOPY, 'start', '--data-dir', dir, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
  });

describe('canopy start flags', () => {
  it.each([
    [['--port', 'abc'], '--port must be a number between 0 and 65535, not "abc"'],
    [
      ['--port', '0', '--compaction-interval', '5x'],
      '--compaction-interval must be a duration such as 5m or 30s (0 turns compaction off), not "5x"',
    ],
    [
      ['--port', '0', '--compaction-interval', '-1s'],
      '--compaction-interval must be a duration such as 5m or 30s (0 turns compaction off), not "-1s"',
    ],
    [
      ['--port', '0', '--hub-port', 'x'],
      '--hub-port must be a number between 0 and 65535, not "x"',
    ],
    [
      ['--port', '0', '--max-requests-inflight', 'lots'],
      '--max-requests-inflight must be a whole number of at least 1, not "lots"',
    ],
  ])('refuses %j', (args, message) => {
    const r = start(...args);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(message);
    expect(r.stdout).not.toContain('ready');
  });
});
