/**
 * A newcomer's first hour (issue 20), scripted: `npm start` in a directory laid out like a
 * fresh clone, a second tenant that binds the PostgreSQL export without accepting its claims
 * (the plugin's warning, `kubectl kcp claims get`, the tenant-visible Synced condition
 * naming the command), the claims accepted with that one command, a restart with Ctrl-C and
 * `npm start` that leaves the tenant's terminal in its workspace, and a Cluster with
 * `imageName` and `backup`, which the service accepts but does not honour, warned about on
 * apply and in its status. The tenant works as the quick start says: KUBECONFIG is the file
 * `npm start` hands out, the plugins are on PATH.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kubectl as kubectlFor } from './harness/kubectl.ts';
import { EXAMPLES } from './harness/manifests.ts';
import { cleanupDataDir, processesUnder } from './harness/postgres-operator.ts';
import { followOutput, type ProcessOutput } from './harness/process-output.ts';
import { until } from './harness/wait.ts';

const ROOT = join(import.meta.dirname, '..', '..');
/** What a clone has of its own; the rest of the working copy is linked (node_modules too). */
const NOT_LINKED = new Set(['.git', '.canopy', '.workshop', '.providers', 'package.json']);

function cloneLike(): string {
  const dir = mkdtempSync(join(tmpdir(), 'canopy-newcomer-'));
  // PostgreSQL runs as its own user when the tests run as root; it must reach the data.
  chmodSync(dir, 0o711);
  for (const entry of readdirSync(ROOT)) {
    if (!NOT_LINKED.has(entry)) symlinkSync(join(ROOT, entry), join(dir, entry));
  }
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  return dir;
}

const clone = cloneLike();
const home = mkdtempSync(join(tmpdir(), 'canopy-newcomer-home-'));
const dataDir = join(clone, '.canopy');
/** The tenant's terminal: the handed-out kubeconfig as it is, the plugins and Node 24 on PATH. */
const kubectl = kubectlFor('1.33', join(dataDir, 'admin.kubeconfig'), home, {
  path: [join(clone, 'bin'), dirname(process.execPath)],
});
const EXPORT = 'root:providers:database:postgresql.cnpg.io';
const BINDING = 'postgresql.cnpg.io';

interface Run {
  readonly child: ChildProcess;
  readonly out: ProcessOutput;
}
let running: Run | undefined;

/** `npm start` in the clone, in a process group of its own as in a terminal. */
function npmStart(): Run {
  const child = spawn('npm', ['start'], {
    cwd: clone,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
      // Free ports, so it never meets a Canopy the developer runs (0 picks one).
      CANOPY_PORT: '0',
      CANOPY_SERVICE_PORT: '0',
      CANOPY_HUB_PORT: '0',
    },
  });
  return { child, out: followOutput(child, 'npm start', 180_000) };
}

/**
 * Ctrl-C in the terminal: SIGINT to the whole foreground group. npm dies of it at once;
 * `canopy up` (its child, still writing to the same output) stops every process and says
 * so. Resolves with what it printed meanwhile.
 */
async function ctrlC(run: Run): Promise<string> {
  const from = run.out.text().length;
  process.kill(-(run.child.pid as number), 'SIGINT');
  // Polled, not waitFor: npm has exited by then, and waitFor gives up when it does.
  return until(
    'canopy up to say it stopped',
    () => {
      const out = run.out.text().slice(from);
      return /\] stopped$/m.test(out) ? out : undefined;
    },
    120_000,
  );
}

afterAll(async () => {
  if (running && processesUnder(dataDir).length > 0) await ctrlC(running).catch(() => undefined);
  cleanupDataDir(dataDir);
  rmSync(clone, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
}, 60_000);

/** A condition of the tenant's Cluster, once it is there. */
async function condition(
  cluster: string,
  type: string,
): Promise<{ status: string; reason: string; message: string } | undefined> {
  const r = await kubectl(['get', 'cluster', cluster, '-o', 'json']);
  if (r.code !== 0) return undefined;
  const conditions = (JSON.parse(r.stdout).status?.conditions ?? []) as Array<{
    type: string;
    status: string;
    reason: string;
    message: string;
  }>;
  return conditions.find((c) => c.type === type);
}

/** A PostgreSQL major this host lacks, so imageName cannot be honoured here. */
function missingMajor(): number {
  let installed: string[] = [];
  try {
    installed = readdirSync('/usr/lib/postgresql');
  } catch {
    // None installed where Debian puts them.
  }
  let major = 16;
  while (installed.includes(String(major))) major++;
  return major;
}

describe('a newcomer’s first hour', () => {
  it('npm start brings Canopy up and names itself as the way back', async () => {
    running = npmStart();
    const out = await running.out.waitFor(/Canopy is ready/);
    expect(out).toContain('`npm start` again brings it all back');
    expect(out).not.toContain('`canopy up` again');
  }, 240_000);

  it('a second tenant binding without claims is told which are open and how to accept them', async () => {
    await kubectl.ok(['ws', 'use', ':root:consumers']);
    const created = await kubectl(['create', 'workspace', 'team-b', '--enter']);
    expect(created.code).toBe(0);
    expect(created.stderr).not.toMatch(/deprecated/i);
    const bound = await kubectl(['kcp', 'bind', 'apiexport', EXPORT]);
    expect(bound.code, bound.stderr).toBe(0);
    expect(bound.stdout).toContain(`${BINDING} created and bound.`);
    expect(bound.stderr).toContain(
      `Warning: APIExport ${EXPORT} claims 3 resources in this workspace that APIBinding ${BINDING} neither accepts nor rejects: events, namespaces, secrets.`,
    );
    for (const resource of ['events', 'namespaces', 'secrets'])
      expect(bound.stderr).toContain(
        `  kubectl kcp claims accept ${BINDING} --resource=${resource}\n`,
      );

    const claims = await kubectl.ok(['kcp', 'claims', 'get', 'apibinding']);
    expect(claims.split('\n')[0]).toMatch(/^APIBINDING\s+GROUP-RESOURCE\s+VERBS\s+STATUS$/);
    for (const resource of ['events', 'namespaces', 'secrets'])
      expect(claims).toMatch(new RegExp(`^${BINDING}\\s+${resource}\\s+\\*\\s+Open$`, 'm'));
  });

  it('the tenant’s Cluster says which claim is missing; the documented command accepts it', async () => {
    await kubectl.ok(['apply', '-f', join(EXAMPLES, 'consumer-1-cluster.yaml')]);
    const synced = await until(
      'the Cluster to say Synced=False',
      async () => {
        const c = await condition('kcp', 'Synced');
        return c?.status === 'False' ? c : undefined;
      },
      120_000,
    );
    expect(synced.reason).toBe('PermissionClaimNotAccepted');
    expect(synced.message).toContain(`kubectl kcp claims accept ${BINDING} --resource=secrets`);
    // Not the misleading phase of before: the Secret exists, it is the claim that is missing.
    const phaseReason = await kubectl.ok([
      'get',
      'cluster',
      'kcp',
      '-o',
      'jsonpath={.status.phaseReason}',
    ]);
    expect(phaseReason).not.toMatch(/waiting for Secret/);

    const accepted = await kubectl([
      'kcp',
      'claims',
      'accept',
      BINDING,
      '--resource=secrets,namespaces,events',
    ]);
    expect(accepted.code, accepted.stderr).toBe(0);
    await kubectl.ok(['wait', '--for=condition=Ready', 'cluster/kcp', '--timeout=180s']);
    await until(
      'the Synced condition to clear',
      async () => {
        const c = await condition('kcp', 'Synced');
        return c === undefined || c.status === 'True';
      },
      120_000,
    );
    expect(await kubectl.ok(['kcp', 'claims', 'get', 'apibinding'])).not.toMatch(/Open$/m);
    // With the events claim accepted, the sync's events reach the tenant at once (a refusal
    // seen before the acceptance does not keep them out).
    await until(
      'the ObjectPlaced event in the tenant’s workspace',
      async () =>
        (
          await kubectl.ok([
            'get',
            'events',
            '--field-selector',
            'involvedObject.name=kcp',
            '-o',
            'jsonpath={.items[*].reason}',
          ])
        ).includes('ObjectPlaced'),
      30_000,
    );

    // The tenant's view holds nothing of the service owner's machine.
    const status = await kubectl.ok(['get', 'cluster', 'kcp', '-o', 'jsonpath={.status}']);
    expect(status).not.toMatch(/dataDirectory|"pid"|\/tmp\/|\.canopy/);
    expect(JSON.parse(status).phase).toBe('Cluster in healthy state');
  }, 300_000);

  it('Ctrl-C and npm start again leave the tenant’s terminal where it was', async () => {
    const first = running as Run;
    expect(processesUnder(dataDir).length).toBeGreaterThan(0);
    expect(await ctrlC(first)).toContain('interrupted: stopping every process');
    await until(
      'every process of the first run to be gone',
      () => processesUnder(dataDir).length === 0,
    );
    running = npmStart();
    await running.out.waitFor(/Canopy is ready/);
    expect(await kubectl.ok(['ws', '.'])).toContain("Current workspace is 'root:consumers:team-b'");
    expect(await kubectl.ok(['get', 'clusters', '-o', 'name'])).toBe(
      'cluster.postgresql.cnpg.io/kcp\n',
    );
    await kubectl.ok(['wait', '--for=condition=Ready', 'cluster/kcp', '--timeout=180s']);
  }, 300_000);

  it('fields the service does not honour are warned about on apply and on the Cluster', async () => {
    const major = missingMajor();
    const applied = await kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'postgresql.cnpg.io/v1',
        kind: 'Cluster',
        metadata: { name: 'archived' },
        spec: {
          instances: 1,
          imageName: `ghcr.io/cloudnative-pg/postgresql:${major}.4`,
          backup: { barmanObjectStore: { destinationPath: 's3://backups/archived' } },
        },
      }),
    });
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('cluster.postgresql.cnpg.io/archived created');
    expect(applied.stderr).toMatch(
      /^Warning: .*spec\.backup is accepted but nothing backs this cluster up/m,
    );
    expect(applied.stderr).toMatch(
      new RegExp(
        `^Warning: .*spec\\.imageName ghcr\\.io/cloudnative-pg/postgresql:${major}\\.4 is not pulled`,
        'm',
      ),
    );
    const ignored = await until(
      'the IgnoredFields condition',
      () => condition('archived', 'IgnoredFields'),
      120_000,
    );
    expect(ignored.status).toBe('True');
    expect(ignored.message).toContain('backup');
    expect(ignored.message).toContain(`PostgreSQL ${major} is not installed`);
    // kubectl explain helps: the field says what it does here.
    const explain = await kubectl.ok(['explain', 'cluster.spec.backup']);
    expect(explain).not.toContain('<no description>');
    await kubectl.ok(['wait', '--for=condition=Ready', 'cluster/archived', '--timeout=180s']);
  }, 300_000);

  it('Ctrl-C stops everything', async () => {
    expect(processesUnder(dataDir).length).toBeGreaterThan(0);
    expect(await ctrlC(running as Run)).toContain('interrupted: stopping every process');
    await until('every process to be gone', () => processesUnder(dataDir).length === 0);
  }, 120_000);
});
