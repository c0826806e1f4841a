/**
 * Every shell block of docs/quickstart.md, workshop.md, portal.md, security.md, providers.md
 * and high-availability.md, run in
 * order as a reader would, in a directory laid out like a fresh clone (its own node_modules
 * from `npm install`, its own `.canopy/` and `.workshop/`). The only thing the test adds is free
 * ports, through the environment variables `canopy up` and the workshop's env.sh read, so
 * it never collides with a Canopy the developer is running.
 */
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DocRunner, docBlocks, missingLines } from './harness/doc-runner.ts';
import { commandLine, postgresProcessesUnder } from './harness/postgres-operator.ts';

const ROOT = join(import.meta.dirname, '..', '..');
/** What a clone has that a working copy may have too but must not share with the test. */
const NOT_LINKED = new Set([
  '.git',
  'node_modules',
  '.canopy',
  '.workshop',
  '.providers',
  'package.json',
  'package-lock.json',
]);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function cloneLike(): string {
  const dir = mkdtempSync(join(tmpdir(), 'canopy-docs-'));
  // PostgreSQL runs as its own user when the tests run as root; it must reach the data.
  chmodSync(dir, 0o711);
  for (const entry of readdirSync(ROOT)) {
    if (NOT_LINKED.has(entry)) continue;
    symlinkSync(join(ROOT, entry), join(dir, entry));
  }
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  copyFileSync(join(ROOT, 'package-lock.json'), join(dir, 'package-lock.json'));
  return dir;
}

async function readerEnv(): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CANOPY_PORT: String(await freePort()),
    CANOPY_SERVICE_PORT: String(await freePort()),
    CANOPY_HUB_PORT: String(await freePort()),
    CANOPY_REPLICA_PORT: String(await freePort()),
    CANOPY_ETCD_PORT: String(await freePort()),
    CANOPY_ETCD_PEER_PORT: String(await freePort()),
    HA_REPLICA_1_PORT: String(await freePort()),
    HA_REPLICA_2_PORT: String(await freePort()),
    KCP_PORT: String(await freePort()),
    PROVIDER_PORT: String(await freePort()),
    // The local port of the workshop's port-forward (5432 for a reader).
    PG_PORT: String(await freePort()),
  };
  // The reader's own cluster and data directory settings have no place here.
  for (const name of ['KUBECONFIG', 'CANOPY_DATA_DIR', 'WORKSHOP_DIR']) delete env[name];
  return env;
}

const clone = cloneLike();
const runners: DocRunner[] = [];

afterAll(async () => {
  for (const runner of runners) await runner.stop();
  // Nothing of the docs may outlive the test: every PostgreSQL server was stopped with its operator.
  const pids = postgresProcessesUnder(clone);
  const leftovers = pids.map((pid) => `${pid}: ${commandLine(pid)}`);
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  rmSync(clone, { recursive: true, force: true });
  expect({ leftovers, killed: runners.flatMap((r) => r.killed) }).toEqual({
    leftovers: [],
    killed: [],
  });
}, 240_000);

describe('the documentation runs as written', () => {
  for (const doc of [
    'quickstart.md',
    'workshop.md',
    'portal.md',
    'security.md',
    'providers.md',
    'high-availability.md',
  ]) {
    it(`runs every command of docs/${doc}`, async () => {
      const runner = new DocRunner(join(clone, 'docs', doc), clone, await readerEnv());
      runners.push(runner);
      expect(runner.blocks().filter((b) => b.kind === 'run').length).toBeGreaterThan(3);
      await runner.runAll(240_000);
      await runner.stop();
    }, 900_000);
  }

  it('finds the blocks a reader is told to run and the output they are shown', () => {
    const blocks = docBlocks(
      '# t\n```sh\necho one\n```\n\n```console\nout\n```\n```sh keep-running\nserve\n```\n```yaml\na: 1\n```\n```sh keep-running ready=Forwarding\nforward\n```\n',
    );
    expect(blocks).toEqual([
      { kind: 'run', code: 'echo one\n', line: 2 },
      { kind: 'output', code: 'out\n', line: 6 },
      { kind: 'keep-running', code: 'serve\n', line: 9 },
      { kind: 'keep-running', code: 'forward\n', line: 15, ready: 'Forwarding' },
    ]);
  });

  it('compares output line by line, letting ages, versions and cluster names differ', () => {
    const expected =
      'NAME   AGE   STATUS\nkcp    6s    Cluster in healthy state\n...\nv1.32.2 on 2lq7lqr1ufufe5lj\n';
    const actual =
      'NAME AGE STATUS\nkcp 2m10s Cluster in healthy state\nv1.33.0 on 4jl3kqlv6d8wtov6\n';
    expect(missingLines(expected, actual)).toEqual([]);
    expect(missingLines(expected, 'NAME AGE STATUS\nkcp 2s Cluster in unhealthy state\n')).toEqual([
      'kcp    6s    Cluster in healthy state',
      'v1.32.2 on 2lq7lqr1ufufe5lj',
    ]);
  });
});
