/**
 * `canopy up` as a newcomer meets it: one command brings up the stack with the workshop's
 * world, saying where the operator's and the agent's metrics and health are; a second run
 * on the same directory, or on a busy port, stops at once and says why; a tenant gets a
 * database whose credentials work; a crashed process is restarted and reported; Ctrl-C
 * stops everything, PostgreSQL included; and a second `canopy up` on the same directory
 * comes back with the same workspaces, databases and data, and the tenant's kubeconfig
 * still in the tenant's workspace.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { httpClient } from './harness/http.ts';
import { kubectl as kubectlFor } from './harness/kubectl.ts';
import { EXAMPLES } from './harness/manifests.ts';
import {
  cleanupDataDir,
  commandLine,
  postgresProcessesUnder,
  processesUnder,
  processRunning,
  psql,
} from './harness/postgres-operator.ts';
import { followOutput } from './harness/process-output.ts';
import { until } from './harness/wait.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const CANOPY = join(ROOT, 'bin', 'canopy');

interface Up {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the output once `pattern` shows up after `from` characters. */
  waitFor(pattern: RegExp, from?: number): Promise<string>;
  /** Ctrl-C (or another signal), then the exit code. */
  interrupt(signal?: NodeJS.Signals): Promise<number | null>;
  /** The exit code, once it exits by itself. */
  readonly exited: Promise<number | null>;
}

function startUp(
  dir: string,
  ports: string[] = ['--port', '0', '--service-port', '0', '--hub-port', '0'],
): Up {
  const child = spawn(process.execPath, [CANOPY, 'up', '--data-dir', dir, ...ports], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = followOutput(child, 'canopy up', 120_000);
  return {
    child,
    output: out.text,
    waitFor: (pattern, from = 0) => out.waitFor(pattern, { from }),
    async interrupt(signal = 'SIGINT') {
      child.kill(signal);
      return out.exited;
    },
    exited: out.exited,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'canopy-up-e2e-'));
// PostgreSQL runs as its own user when the tests run as root; it must reach the data.
chmodSync(dir, 0o711);
const home = mkdtempSync(join(tmpdir(), 'canopy-up-home-'));
const tenantKubeconfig = join(home, 'tenant.kubeconfig');
const kubectl = kubectlFor('1.33', tenantKubeconfig, home, { path: [join(ROOT, 'bin')] });
/** The kubeconfig `canopy up` hands out, used as it is (the summary's KUBECONFIG). */
const handedOut = kubectlFor('1.33', join(dir, 'admin.kubeconfig'), home, {
  path: [join(ROOT, 'bin')],
});
const asTenant = (args: string[]) => kubectl.ok(args);
let running: Up | undefined;

afterAll(async () => {
  if (running && running.child.exitCode === null) await running.interrupt();
  cleanupDataDir(dir);
  cleanupDataDir(home);
}, 60_000);

interface Credentials {
  host: string;
  port: string;
  user: string;
  password: string;
  dbname: string;
  uri: string;
}

async function appCredentials(): Promise<Credentials> {
  const data = JSON.parse(await asTenant(['get', 'secret', 'kcp-app', '-o', 'jsonpath={.data}']));
  const get = (k: string) => Buffer.from(String(data[k] ?? ''), 'base64').toString('utf8');
  return {
    host: get('host'),
    port: get('port'),
    user: get('username'),
    password: get('password'),
    dbname: get('dbname'),
    uri: get('uri'),
  };
}

/** psql as the app user of `app`'s Secret: its output, or undefined when it failed. */
async function asApp(app: Credentials, sql: string): Promise<string | undefined> {
  const { host, port, user, password, dbname } = app;
  const r = await psql({ host, port, user, password, dbname }, sql);
  return r.code === 0 ? r.stdout : undefined;
}

/** The tenant's connection string as first handed out. */
let firstUri = '';

/** psql with a connection string, as an application configured once would connect. */
function psqlUri(uri: string, sql: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile('psql', [uri, '-X', '-Atqc', sql], { timeout: 20_000 }, (err, stdout) =>
      resolve({ code: err ? 1 : 0, stdout: stdout.trim() }),
    );
  });
}

describe('canopy up', () => {
  it('starts the whole stack with the workshop set up and prints what to do next', async () => {
    running = startUp(dir);
    const out = await running.waitFor(/Canopy is ready/);
    expect(out).toContain('starting the control plane');
    expect(out).toContain(join(dir, 'admin.kubeconfig'));
    expect(out).toContain(`export PATH=${join(ROOT, 'bin')}:`);
    expect(out).toContain('kubectl wait --for=condition=Ready cluster/kcp');
    for (const file of ['admin.kubeconfig', 'provider.kubeconfig', 'sync-agent.kubeconfig'])
      expect(existsSync(join(dir, file))).toBe(true);
    copyFileSync(join(dir, 'admin.kubeconfig'), tenantKubeconfig);
    // The tenant's lines work verbatim in a new shell elsewhere, without Node 24 on PATH.
    const lines = out
      .slice(out.indexOf('In another terminal'), out.indexOf('then create a database'))
      .split('\n')
      .filter((l) => /^ {2}(cd|export|kubectl) /.test(l))
      .map((l) => l.trim());
    expect(lines[0]).toMatch(/^cd /);
    const fresh = spawnSync('bash', ['-c', [...lines, 'kubectl ws .'].join('\n')], {
      cwd: home,
      env: { HOME: home, PATH: '/usr/local/bin:/usr/bin:/bin' },
      encoding: 'utf8',
    });
    expect(fresh.stderr).toBe('');
    expect(fresh.stdout).toContain("Current workspace is 'root:consumers:pg'");
    expect(await asTenant(['config', 'current-context'])).toBe('root\n');
    expect(await asTenant(['ws', 'use', ':root:consumers:pg'])).toContain(
      "Current workspace is 'root:consumers:pg'",
    );
    expect(
      await asTenant(['get', 'apibinding', 'postgresql.cnpg.io', '-o', 'jsonpath={.status.phase}']),
    ).toBe('Bound');
    // Where the operator and the agent serve metrics and health, and that they answer.
    const operator = /^ {2}PostgreSQL operator +(\S+\/metrics) +(\S+\/healthz)$/m.exec(out);
    const agent = /^ {2}sync agent metrics, health +(\S+\/metrics) +(\S+\/healthz)$/m.exec(out);
    expect(operator).not.toBeNull();
    expect(agent).not.toBeNull();
    for (const url of [...(operator ?? []).slice(1), ...(agent ?? []).slice(1)]) {
      const res = await fetch(url);
      expect(res.status, url).toBe(200);
      if (url.endsWith('/metrics')) expect(await res.text()).toContain('# TYPE');
    }
    expect(out).toContain('`canopy up` again brings it all back');
  }, 180_000);

  it('refuses a second run on the same directory before printing anything', async () => {
    const second = startUp(dir);
    expect(await second.exited).toBe(1);
    expect(second.output()).toMatch(
      new RegExp(
        `^canopy: another canopy up \\(pid ${running?.child.pid}\\) is running on ${dir}; stop it first`,
      ),
    );
  });

  it('names the flag that moves a busy port', async () => {
    const other = mkdtempSync(join(tmpdir(), 'canopy-up-ports-'));
    try {
      const servicePort = String(portOf(join(dir, 'provider.kubeconfig')));
      const clash = startUp(other, [
        '--port',
        '0',
        '--service-port',
        servicePort,
        '--hub-port',
        '0',
      ]);
      expect(await clash.exited).toBe(1);
      expect(clash.output()).toContain(
        `cannot listen on 127.0.0.1:${servicePort} for the service cluster: the address is in use; stop the program using it or choose another port with --service-port (or CANOPY_SERVICE_PORT; 0 picks a free one)`,
      );
      expect(clash.output()).not.toContain('ready');
    } finally {
      cleanupDataDir(other);
    }
  });

  it('gives a tenant a database whose credentials work', async () => {
    await asTenant([
      'apply',
      '-f',
      join(EXAMPLES, 'consumer-1-cluster.yaml'),
      '-f',
      join(EXAMPLES, 'consumer-1-database.yaml'),
    ]);
    await asTenant(['wait', '--for=condition=Ready', 'cluster/kcp', '--timeout=120s']);
    await asTenant([
      'wait',
      '--for=jsonpath={.status.applied}=true',
      'database/db-one',
      '--timeout=60s',
    ]);
    const app = await appCredentials();
    // The superuser the tenant chose, on the database the tenant asked for.
    const asPostgres = await psql(
      { host: app.host, port: app.port, user: 'postgres', password: 'password', dbname: 'one' },
      'SELECT current_database()',
    );
    expect(asPostgres).toMatchObject({ code: 0, stdout: 'one' });
    const written = await until('the app user to connect through the uri', () =>
      asApp(
        app,
        "CREATE TABLE IF NOT EXISTS notes (t text); INSERT INTO notes VALUES ('kept across restarts'); SELECT count(*) FROM notes",
      ),
    );
    expect(written).toBe('1');
    expect(app.uri).toBe(`postgresql://app:password@${app.host}:${app.port}/app`);
    firstUri = app.uri;
  });

  it('offers PostgreSQL in the hub’s catalog; a tenant enables it there and gets a database', async () => {
    const hubUrl = readFileSync(join(dir, 'hub-url'), 'utf8').trim();
    expect(running?.output()).toContain(`${hubUrl}/ui/`);
    const hub = httpClient(tenantKubeconfig, hubUrl);
    const catalog = JSON.parse((await hub({ path: '/api/providers' })).body);
    expect(catalog.items).toContainEqual(
      expect.objectContaining({
        name: 'postgresql',
        displayName: 'PostgreSQL',
        category: 'Databases',
        builtin: true,
        ready: true,
        apiExportPath: 'root:providers:database',
        apiExportName: 'postgresql.cnpg.io',
      }),
    );
    const claims = catalog.items
      .find((i: { name: string }) => i.name === 'postgresql')
      .permissionClaims.map((c: { resource: string }) => c.resource)
      .sort();
    expect(claims).toEqual(['events', 'namespaces', 'secrets']);

    await asTenant(['ws', 'use', ':root:consumers']);
    await asTenant(['ws', 'create', 'shop', '--enter']);
    const canopy = (...args: string[]) =>
      spawnSync(process.execPath, [CANOPY, 'providers', ...args], {
        env: { ...process.env, KUBECONFIG: tenantKubeconfig, CANOPY_HUB_URL: hubUrl },
        encoding: 'utf8',
      });
    const list = canopy('list');
    expect(list.stderr).toBe('');
    expect(list.stdout).toMatch(/^postgresql\s+PostgreSQL\s+Databases\s+True\s+no\s+/m);
    const enabled = canopy(
      'enable',
      'postgresql',
      '--accept-permission-claim',
      'secrets.core,namespaces.core,events.core',
    );
    expect(enabled.stderr).toBe('');
    expect(enabled.stdout).toContain(
      'postgresql is enabled in root:consumers:shop (APIBinding postgresql, Bound). Claims accepted: ',
    );
    expect(canopy('list').stdout).toMatch(/^postgresql\s+PostgreSQL\s+Databases\s+True\s+yes\s+/m);

    // The workshop's database steps, in the new workspace.
    await asTenant([
      'apply',
      '-f',
      join(EXAMPLES, 'consumer-1-cluster.yaml'),
      '-f',
      join(EXAMPLES, 'consumer-1-database.yaml'),
    ]);
    await asTenant(['wait', '--for=condition=Ready', 'cluster/kcp', '--timeout=120s']);
    const app = await appCredentials();
    expect(await until('the app user to connect', () => asApp(app, 'SELECT current_user'))).toBe(
      'app',
    );
    await asTenant(['ws', 'use', ':root:consumers:pg']);
  });

  it('restarts a process that crashes, and says so', async () => {
    const up = running as Up;
    const agent = up.output().length;
    const pid = agentPid();
    process.kill(pid, 'SIGKILL');
    await up.waitFor(/syncagent killed by SIGKILL; restarting it/, agent);
    await up.waitFor(/syncagent is running again/, agent);
    expect(agentPid()).not.toBe(pid);
    // The restarted agent still carries a new tenant object down and its status back up.
    await kubectl.ok(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'postgresql.cnpg.io/v1',
        kind: 'Database',
        metadata: { name: 'db-two' },
        spec: { name: 'two', owner: 'app', cluster: { name: 'kcp' } },
      }),
    });
    await asTenant([
      'wait',
      '--for=jsonpath={.status.applied}=true',
      'database/db-two',
      '--timeout=60s',
    ]);
  });

  it('stops every process, PostgreSQL servers included, on Ctrl-C', async () => {
    const up = running as Up;
    // The tenant works in the kubeconfig handed out, in its own workspace.
    await handedOut.ok(['ws', 'use', ':root:consumers:pg']);
    expect(postgresServers().length).toBeGreaterThan(0);
    expect(await up.interrupt()).toBe(0);
    expect(up.output()).toContain('stopping every process');
    await until('every child to be gone', () => processesUnder(dir).length === 0);
  });

  it('comes back on the same directory with the same workspaces, databases and data', async () => {
    running = startUp(dir);
    await running.waitFor(/Canopy is ready/);
    // The restart refreshed the kubeconfig handed out and left the tenant where it was.
    expect(await handedOut.ok(['ws', '.'])).toContain("Current workspace is 'root:consumers:pg'");
    expect(await handedOut.ok(['get', 'databases', '-o', 'name'])).toContain('db-one');
    copyFileSync(join(dir, 'admin.kubeconfig'), tenantKubeconfig);
    await asTenant(['ws', 'use', ':root:consumers:pg']);
    expect(await asTenant(['get', 'databases', '-o', 'name'])).toBe(
      'database.postgresql.cnpg.io/db-one\ndatabase.postgresql.cnpg.io/db-two\n',
    );
    // The connection string a tenant configured never changes: the Cluster's read-write
    // endpoint keeps its port across a restart, and reaches the primary again.
    const app = await appCredentials();
    expect(app.uri).toBe(firstUri);
    const kept = await until('the database to answer again through the same uri', async () => {
      const r = await psqlUri(firstUri, 'SELECT t FROM notes');
      return r.code === 0 ? r.stdout : undefined;
    });
    expect(kept).toBe('kept across restarts');
    // …and takes writes there: the uri reaches the primary, not a server in recovery.
    const written = await psqlUri(
      firstUri,
      "INSERT INTO notes VALUES ('written after the restart'); SELECT count(*) FROM notes WHERE NOT pg_is_in_recovery()",
    );
    expect(written).toEqual({ code: 0, stdout: '2' });
    await asTenant(['wait', '--for=condition=Ready', 'cluster/kcp', '--timeout=60s']);
  }, 180_000);

  it('stops everything on SIGTERM too', async () => {
    const up = running as Up;
    expect(postgresServers().length).toBeGreaterThan(0);
    expect(await up.interrupt('SIGTERM')).toBe(0);
    await until('every child to be gone', () => processesUnder(dir).length === 0);
  });
});

function portOf(kubeconfig: string): number {
  const server = /server: (\S+)/.exec(readFileSync(kubeconfig, 'utf8'))?.[1] ?? '';
  return Number(new URL(server).port);
}

function agentPid(): number {
  const pids = childPids((running as Up).child.pid as number).filter((pid) =>
    commandLine(pid).includes(' syncagent '),
  );
  expect(pids).toHaveLength(1);
  return pids[0] as number;
}

function postgresServers(): number[] {
  return postgresProcessesUnder(join(dir, 'postgres')).filter((pid) =>
    commandLine(pid).includes('pgdata'),
  );
}

function childPids(parent: number): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return ppid === parent && processRunning(pid);
      } catch {
        return false;
      }
    });
}
