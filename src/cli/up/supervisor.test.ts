import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Supervisor } from './supervisor.ts';

const dir = mkdtempSync(join(tmpdir(), 'canopy-supervisor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const quiet = { crashed() {}, recovered() {}, restartFailed() {} };
const alive = (marker: string) => spawnSync('pgrep', ['-f', marker]).status === 0;

describe('Supervisor', () => {
  it('stops a child that is still starting, instead of leaving it behind', async () => {
    const data = join(dir, 'slow');
    const logFile = join(dir, 'slow.log');
    const supervisor = new Supervisor(quiet);
    const started = supervisor.start({
      name: 'slow',
      args: () => ['start', '--plain', '--data-dir', data, '--port', '0'],
      logFile,
      // Never printed: the child stays "starting" however long it runs.
      ready: /this line never comes/,
      readyTimeoutMs: 60_000,
    });
    const failed = started.then(
      () => undefined,
      (err: Error) => err,
    );
    const serving = () => existsSync(logFile) && readFileSync(logFile, 'utf8').includes('ready');
    for (let i = 0; i < 300 && !serving(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive(data)).toBe(true);
    await supervisor.stop(5_000);
    expect(alive(data)).toBe(false);
    expect((await failed)?.message).toMatch(/slow (exited|was killed).*before it was ready/);
  });
});

describe('Supervisor ready lines', () => {
  it('resolves with the whole line that said ready, which tells where the child serves', async () => {
    const supervisor = new Supervisor(quiet);
    try {
      const line = await supervisor.start({
        name: 'plain',
        args: () => [
          'start',
          '--plain',
          '--data-dir',
          join(dir, 'plain'),
          '--port',
          '0',
          '--log-format',
          'json',
        ],
        logFile: join(dir, 'plain.log'),
        ready: /API server ready/,
        readyTimeoutMs: 60_000,
      });
      expect(line).not.toContain('\n');
      expect(JSON.parse(line).msg).toMatch(/API server ready/);
    } finally {
      await supervisor.stop(5_000);
    }
  });
});
