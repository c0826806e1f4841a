/**
 * The PostgreSQL operator end to end, on real PostgreSQL servers against
 * `canopy start --plain`, driven by kubectl 1.30 and psql: the workshop's Cluster and
 * Database, a 3-instance cluster streaming to 2 replicas, failover after SIGKILL of the
 * primary with writes continuing, a switchover, scaling 3 → 1, deletion leaving no process
 * or port, the operator killed mid-provisioning, and bad specs.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import type { Secret } from '../../src/api/core/types.ts';
import { KubeClient } from '../../src/controller/kube/client.ts';
import { CLUSTERS, DATABASES, SECRETS } from '../../src/postgres/controller/deps.ts';
import { findPostgresBinaries } from '../../src/postgres/runtime/binaries.ts';
import type { Cluster, Database } from '../../src/postgres/types.ts';
import { type CanopyProcess, startCanopy } from './harness/canopy-process.ts';
import { type Kubectl, kubectl } from './harness/kubectl.ts';
import { example } from './harness/manifests.ts';
import {
  cleanupDataDir,
  type OperatorProcess,
  operatorDataDir,
  portListening,
  postgresProcessesUnder,
  processRunning,
  psql,
  startOperator,
} from './harness/postgres-operator.ts';
import { until } from './harness/wait.ts';

const haveBinaries = findPostgresBinaries().ok;

/** The workshop's consumer-1-cluster.yaml (Cluster kcp + two basic-auth Secrets) and its Database. */
const WORKSHOP_CLUSTER = example('consumer-1-cluster.yaml');
const WORKSHOP_DATABASE = example('consumer-1-database.yaml');

const secretValue = (s: Secret, key: string) =>
  Buffer.from(s.data?.[key] ?? '', 'base64').toString('utf8');

describe.skipIf(!haveBinaries)('canopy postgres-operator on real PostgreSQL', () => {
  let server: CanopyProcess;
  let operator: OperatorProcess;
  let dataDir: string;
  let home: string;
  let k: Kubectl;
  let client: KubeClient;

  const cluster = (ns: string, name: string) => client.get<Cluster>(CLUSTERS, ns, name);
  const secret = (ns: string, name: string) => client.get<Secret>(SECRETS, ns, name);
  const startOp = (args: string[] = ['--stop-servers-on-exit']) =>
    startOperator({ kubeconfig: server.kubeconfig, dataDir, args });
  const healthy = (ns: string, name: string, instances: number, timeoutMs = 30_000) =>
    until(
      `${ns}/${name} healthy with ${instances} instances`,
      async () => {
        const c = await cluster(ns, name);
        return c.status?.phase === 'Cluster in healthy state' &&
          c.status.readyInstances === instances &&
          c.status.instances === instances
          ? c
          : undefined;
      },
      timeoutMs,
    );
  /** Connection details from the generated `<cluster>-app` / `<cluster>-superuser` Secret. */
  const connFrom = async (ns: string, secretName: string, dbname?: string) => {
    const s = await secret(ns, secretName);
    return {
      host: secretValue(s, 'host'),
      port: secretValue(s, 'port'),
      user: secretValue(s, 'username'),
      password: secretValue(s, 'password'),
      dbname: dbname ?? (secretValue(s, 'dbname') === '*' ? 'postgres' : secretValue(s, 'dbname')),
    };
  };

  beforeAll(async () => {
    server = await startCanopy({ plain: true });
    dataDir = operatorDataDir();
    home = mkdtempSync(join(tmpdir(), 'canopy-kubectl-home-'));
    k = kubectl('1.30', server.kubeconfig, home);
    client = KubeClient.fromKubeconfig(server.kubeconfig);
    operator = await startOp();
  });

  beforeEach(() => {
    onTestFailed(() => {
      console.log(
        `--- operator output ---\n${operator?.output().split('\n').slice(-80).join('\n')}`,
      );
    });
  });

  afterAll(async () => {
    await operator?.stop();
    client?.close();
    await server?.stop();
    server?.cleanup();
    if (dataDir) cleanupDataDir(dataDir);
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('installs the CRDs with CloudNativePG printer columns', async () => {
    const out = await k.ok(['api-resources', '--api-group', 'postgresql.cnpg.io']);
    expect(out).toMatch(/^clusters\s+postgresql\.cnpg\.io\/v1\s+true\s+Cluster$/m);
    expect(out).toMatch(/^databases\s+postgresql\.cnpg\.io\/v1\s+true\s+Database$/m);
    const health = await fetch(`${operator.metricsUrl}/healthz`);
    expect(await health.text()).toBe('ok');
  });

  it('runs the workshop Cluster and Database', async () => {
    await k.ok(['create', 'namespace', 'workshop']);
    await k.ok(['-n', 'workshop', 'apply', '-f', '-'], { input: WORKSHOP_CLUSTER });
    await k.ok([
      '-n',
      'workshop',
      'wait',
      'cluster/kcp',
      '--for=condition=Ready=true',
      '--timeout=60s',
    ]);
    const table = await k.ok(['-n', 'workshop', 'get', 'cluster']);
    expect(table).toMatch(/^NAME\s+AGE\s+INSTANCES\s+READY\s+STATUS\s+PRIMARY$/m);
    expect(table).toMatch(/^kcp\s+\S+\s+1\s+1\s+Cluster in healthy state\s+kcp-1$/m);

    // psql as postgres with the password of the user's superuser Secret.
    const c = await cluster('workshop', 'kcp');
    const [host, port] = (c.status?.writeEndpoint ?? '').split(':') as [string, string];
    expect(host).toBe('127.0.0.1');
    const su = await secret('workshop', 'kcp-superuser');
    const asPostgres = await psql(
      {
        host,
        port,
        user: secretValue(su, 'username'),
        password: secretValue(su, 'password'),
        dbname: 'postgres',
      },
      'SELECT current_user',
    );
    expect(asPostgres).toMatchObject({ code: 0, stdout: 'postgres' });
    const wrong = await psql(
      { host, port, user: 'postgres', password: 'wrong', dbname: 'postgres' },
      'SELECT 1',
    );
    expect(wrong.code).not.toBe(0);

    // <cluster>-app is written although the owner Secret is the user's (documented extension).
    const app = await secret('workshop', 'kcp-app');
    expect(secretValue(app, 'username')).toBe('app');
    expect(secretValue(app, 'password')).toBe('password');
    expect(secretValue(app, 'port')).toBe(port);
    expect(secretValue(app, 'uri')).toBe(`postgresql://app:password@127.0.0.1:${port}/app`);

    await k.ok(['-n', 'workshop', 'apply', '-f', '-'], { input: WORKSHOP_DATABASE });
    await k.ok([
      '-n',
      'workshop',
      'wait',
      'database/db-one',
      '--for=jsonpath={.status.applied}=true',
      '--timeout=30s',
    ]);
    const dbs = await k.ok(['-n', 'workshop', 'get', 'databases']);
    expect(dbs).toMatch(/^NAME\s+AGE\s+CLUSTER\s+PG NAME\s+APPLIED\s+MESSAGE$/m);
    expect(dbs).toMatch(/^db-one\s+\S+\s+kcp\s+one\s+true\s*$/m);
    const db = await client.get<Database>(DATABASES, 'workshop', 'db-one');
    expect(db.status).toMatchObject({ applied: true, observedGeneration: 1 });
    const owner = await psql(
      { host, port, user: 'app', password: 'password', dbname: 'one' },
      "SELECT current_user || '@' || current_database()",
    );
    expect(owner).toMatchObject({ code: 0, stdout: 'app@one' });
    // The workshop's demo: the superuser into database one.
    expect(
      (
        await psql(
          { host, port, user: 'postgres', password: 'password', dbname: 'one' },
          'SELECT 1',
        )
      ).code,
    ).toBe(0);

    // A new password in the user's Secret is applied to the role.
    await k.ok([
      '-n',
      'workshop',
      'patch',
      'secret',
      'kcp-superuser',
      '--type=merge',
      '-p',
      '{"stringData":{"password":"changed"}}',
    ]);
    const admin = { host, port, user: 'postgres', password: 'changed', dbname: 'postgres' };
    await until('the new superuser password', async () =>
      (await psql(admin, 'SELECT 1')).code === 0 ? true : undefined,
    );

    // Database lifecycle: owner change, reclaim policy delete, ensure absent.
    const exists = async (name: string) =>
      (await psql(admin, `SELECT count(*) FROM pg_database WHERE datname = '${name}'`)).stdout ===
      '1';
    await k.ok(['-n', 'workshop', 'apply', '-f', '-'], {
      input:
        'apiVersion: postgresql.cnpg.io/v1\nkind: Database\nmetadata: {name: db-two}\nspec: {name: two, owner: app, cluster: {name: kcp}, databaseReclaimPolicy: delete}\n',
    });
    await k.ok([
      '-n',
      'workshop',
      'wait',
      'database/db-two',
      '--for=jsonpath={.status.applied}=true',
      '--timeout=30s',
    ]);
    expect(await exists('two')).toBe(true);
    await k.ok([
      '-n',
      'workshop',
      'patch',
      'database',
      'db-two',
      '--type=merge',
      '-p',
      '{"spec":{"owner":"postgres","connectionLimit":7}}',
    ]);
    await until('db-two altered', async () => {
      const r = await psql(
        admin,
        "SELECT pg_get_userbyid(datdba) || ' ' || datconnlimit FROM pg_database WHERE datname = 'two'",
      );
      return r.stdout === 'postgres 7' ? true : undefined;
    });
    await k.ok(['-n', 'workshop', 'delete', 'database', 'db-two', '--wait=true', '--timeout=30s']);
    expect(await exists('two')).toBe(false);
    await k.ok([
      '-n',
      'workshop',
      'patch',
      'database',
      'db-one',
      '--type=merge',
      '-p',
      '{"spec":{"ensure":"absent"}}',
    ]);
    await until('db-one dropped', async () => ((await exists('one')) ? undefined : true));
    await k.ok(['-n', 'workshop', 'delete', 'database', 'db-one', '--wait=true', '--timeout=30s']);
    expect((await psql(admin, 'SELECT 1')).code).toBe(0);
  });

  it('streams to 2 replicas, fails over after SIGKILL, switches over, scales 3 → 1 and deletes cleanly', async () => {
    await k.ok(['create', 'namespace', 'ha']);
    await k.ok(['-n', 'ha', 'apply', '-f', '-'], {
      input: `
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata: {name: pg}
spec:
  instances: 3
  enableSuperuserAccess: true
  storage: {size: 1Gi}
  postgresql:
    parameters: {work_mem: 8MB}
`,
    });
    let c = await healthy('ha', 'pg', 3, 45_000);
    expect(c.status?.currentPrimary).toBe('pg-1');
    expect(c.status?.instanceNames).toEqual(['pg-1', 'pg-2', 'pg-3']);
    expect(c.status?.instancesStatus).toEqual({ healthy: ['pg-1', 'pg-2', 'pg-3'] });
    const su = await connFrom('ha', 'pg-superuser');
    expect(su.user).toBe('postgres');
    expect(su.password).toMatch(/^[A-Za-z0-9]{64}$/);
    const replication = await until('2 streaming replicas', async () => {
      const r = await psql(
        su,
        "SELECT application_name FROM pg_stat_replication WHERE state = 'streaming' ORDER BY 1",
      );
      return r.stdout === 'pg-2\npg-3' ? r : undefined;
    });
    expect(replication.stdout.split('\n')).toEqual(['pg-2', 'pg-3']);
    expect((await psql({ ...su, dbname: 'app' }, 'SHOW work_mem')).stdout).toBe('8MB');

    const app = await connFrom('ha', 'pg-app');
    expect((await psql(app, 'CREATE TABLE t (x int); INSERT INTO t VALUES (1)')).code).toBe(0);

    // SIGKILL the primary: a replica is promoted and writes continue there.
    const oldPid = c.status?.instanceEndpoints?.['pg-1']?.pid as number;
    expect(processRunning(oldPid)).toBe(true);
    process.kill(oldPid, 'SIGKILL');
    const written = await until(
      'a write on the new primary',
      async () => {
        const now = await cluster('ha', 'pg');
        const primary = now.status?.currentPrimary;
        if (!primary || primary === 'pg-1') return undefined;
        const conn = await connFrom('ha', 'pg-app');
        const r = await psql(conn, 'INSERT INTO t VALUES (2); SELECT count(*) FROM t');
        return r.code === 0 ? { primary, count: r.stdout } : undefined;
      },
      20_000,
      50,
    );
    expect(['pg-2', 'pg-3']).toContain(written.primary);
    expect(written.count).toBe('2');
    // The old primary rejoins as a replica of the new one.
    c = await healthy('ha', 'pg', 3, 30_000);
    expect(c.status?.currentPrimary).toBe(written.primary);
    expect(c.status?.targetPrimary).toBe(written.primary);
    expect(c.status?.instanceEndpoints?.['pg-1']?.role).toBe('replica');
    expect(c.status?.timelineID).toBe(2);
    const suNew = await connFrom('ha', 'pg-superuser');
    await until('pg-1 streams from the new primary', async () => {
      const r = await psql(
        suNew,
        "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'",
      );
      return r.stdout === '2' ? true : undefined;
    });
    const events = await k.ok([
      '-n',
      'ha',
      'get',
      'events',
      '--field-selector',
      'reason=FailoverCompleted',
      '-o',
      'name',
    ]);
    expect(events.trim()).not.toBe('');

    // Switchover back to pg-1 through status.targetPrimary.
    await k.ok([
      '-n',
      'ha',
      'patch',
      'cluster',
      'pg',
      '--subresource=status',
      '--type=merge',
      '-p',
      '{"status":{"targetPrimary":"pg-1"}}',
    ]);
    c = await until('switchover to pg-1', async () => {
      const now = await cluster('ha', 'pg');
      return now.status?.currentPrimary === 'pg-1' &&
        now.status.phase === 'Cluster in healthy state' &&
        now.status.readyInstances === 3
        ? now
        : undefined;
    });
    expect((await psql(await connFrom('ha', 'pg-app'), 'SELECT count(*) FROM t')).stdout).toBe('2');

    // Scale 3 → 1: the replicas' servers stop and their ports close.
    const endpoints = c.status?.instanceEndpoints ?? {};
    await k.ok([
      '-n',
      'ha',
      'patch',
      'cluster',
      'pg',
      '--type=merge',
      '-p',
      '{"spec":{"instances":1}}',
    ]);
    c = await healthy('ha', 'pg', 1);
    expect(c.status?.instanceNames).toEqual(['pg-1']);
    for (const name of ['pg-2', 'pg-3']) {
      const e = endpoints[name];
      expect(e).toBeDefined();
      expect(processRunning(e?.pid as number)).toBe(false);
      expect(await portListening(e?.port as number)).toBe(false);
      expect(existsSync(join(dataDir, 'ha', 'pg', name))).toBe(false);
    }
    expect((await psql(await connFrom('ha', 'pg-app'), 'SELECT count(*) FROM t')).stdout).toBe('2');

    // Delete: no process, no port, no data, no generated Secret left.
    const last = c.status?.instanceEndpoints?.['pg-1'];
    await k.ok(['-n', 'ha', 'delete', 'cluster', 'pg', '--wait=true', '--timeout=30s']);
    expect(processRunning(last?.pid as number)).toBe(false);
    expect(await portListening(last?.port as number)).toBe(false);
    expect(postgresProcessesUnder(join(dataDir, 'ha'))).toEqual([]);
    expect(existsSync(join(dataDir, 'ha', 'pg'))).toBe(false);
    expect((await k(['-n', 'ha', 'get', 'secret', 'pg-app'])).code).not.toBe(0);
    expect((await k(['-n', 'ha', 'get', 'secret', 'pg-superuser'])).code).not.toBe(0);
  });

  it('converges after the operator is killed mid-provisioning, initialising nothing twice', async () => {
    await k.ok(['create', 'namespace', 'crash']);
    await k.ok(['-n', 'crash', 'apply', '-f', '-'], {
      input: `
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata: {name: pg}
spec: {instances: 1, storage: {size: 1Gi}}
`,
    });
    await healthy('crash', 'pg', 1);
    // Enough data that cloning a replica takes a moment, then ask for two replicas.
    const seed = await connFrom('crash', 'pg-app');
    const filled = await psql(
      seed,
      'CREATE TABLE filler AS SELECT g, repeat(md5(g::text), 8) AS pad FROM generate_series(1, 150000) g',
    );
    expect(filled.code).toBe(0);
    await k.ok([
      '-n',
      'crash',
      'patch',
      'cluster',
      'pg',
      '--type=merge',
      '-p',
      '{"spec":{"instances":3}}',
    ]);
    const during = await until(
      'replicas being created',
      async () => {
        const c = await cluster('crash', 'pg');
        return c.status?.phase === 'Creating a new replica' ? c : undefined;
      },
      30_000,
      10,
    );
    await operator.kill();
    const primaryPid = during.status?.instanceEndpoints?.['pg-1']?.pid;
    expect(primaryPid).toBeGreaterThan(0);
    expect(processRunning(primaryPid as number)).toBe(true);
    operator = await startOp();
    const c = await healthy('crash', 'pg', 3, 45_000);
    expect(c.status?.instanceNames).toEqual(['pg-1', 'pg-2', 'pg-3']);
    expect(c.status?.latestGeneratedNode).toBe(3);
    // The primary was adopted, not initialised again, and every replica is its clone.
    expect(c.status?.instanceEndpoints?.['pg-1']?.pid).toBe(primaryPid);
    expect(operator.output()).toMatch(/adopted running PostgreSQL/);
    const app = await connFrom('crash', 'pg-app');
    expect((await psql(app, 'SELECT count(*) FROM filler')).stdout).toBe('150000');
    const ids = new Set<string>();
    for (const name of ['pg-1', 'pg-2', 'pg-3']) {
      const port = c.status?.instanceEndpoints?.[name]?.port as number;
      const r = await psql({ ...app, port }, 'SELECT system_identifier FROM pg_control_system()');
      expect(r.code).toBe(0);
      ids.add(r.stdout);
      await until(`${name} has the data`, async () =>
        (await psql({ ...app, port }, 'SELECT count(*) FROM filler')).stdout === '150000'
          ? true
          : undefined,
      );
    }
    expect(ids.size).toBe(1);
    await k.ok(['-n', 'crash', 'delete', 'cluster', 'pg', '--wait=true', '--timeout=30s']);
    expect(postgresProcessesUnder(join(dataDir, 'crash'))).toEqual([]);
  });

  it('waits a moment for the owner Secret of a new Cluster, then goes on without it', async () => {
    await k.ok(['create', 'namespace', 'late']);
    const spec = (name: string) =>
      `apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: {name: ${name}}\nspec: {instances: 1, bootstrap: {initdb: {database: app, owner: app, secret: {name: ${name}-owner}}}}\n`;
    await k.ok(['-n', 'late', 'apply', '-f', '-'], {
      input: `${spec('arrives')}---\n${spec('never')}`,
    });
    const waiting = await until('arrives to wait for its owner Secret', async () => {
      const c = await cluster('late', 'arrives');
      return c.status?.phaseReason ? c : undefined;
    });
    expect(waiting.status?.phase).toBe('Setting up primary');
    expect(waiting.status?.phaseReason).toBe(
      'waiting for Secret arrives-owner (spec.bootstrap.initdb.secret)',
    );
    // The Secret comes a little after its Cluster, as a sync agent carries it down: the
    // owner's password is the tenant's from the start.
    await k.ok([
      '-n',
      'late',
      'create',
      'secret',
      'generic',
      'arrives-owner',
      '--type=kubernetes.io/basic-auth',
      '--from-literal=username=app',
      '--from-literal=password=chosen',
    ]);
    await healthy('late', 'arrives', 1);
    const app = await connFrom('late', 'arrives-app');
    expect(app.password).toBe('chosen');
    expect((await psql(app, 'SELECT current_user')).stdout).toBe('app');
    // A Secret that never comes is tolerated, as CloudNativePG does: the owner gets a
    // generated password, published in <cluster>-app.
    await healthy('late', 'never', 1, 40_000);
    const generated = await connFrom('late', 'never-app');
    expect(generated.password).not.toBe('');
    expect((await psql(generated, 'SELECT current_user')).stdout).toBe('app');
  });

  it('honours the image tag’s major version where installed, and says what it does not honour', async () => {
    const installed = findPostgresBinaries();
    if (!installed.ok) throw new Error(installed.message);
    const { major, version } = installed.binaries;
    await k.ok(['create', 'namespace', 'images']);
    const spec = (name: string, image: string, extra = '') =>
      `apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: {name: ${name}}\nspec: {instances: 1, imageName: "${image}"${extra}}\n`;
    // Two majors above the newest installed one: surely not installed.
    const missing = major + 2;
    await k.ok(['-n', 'images', 'apply', '-f', '-'], {
      input: `${spec('same', `ghcr.io/cloudnative-pg/postgresql:${major}.1`)}---\n${spec(
        'other',
        `ghcr.io/cloudnative-pg/postgresql:${missing}.0`,
        ', backup: {barmanObjectStore: {destinationPath: "s3://bucket/x"}}',
      )}`,
    });
    const same = await healthy('images', 'same', 1);
    expect(same.status?.conditions?.find((c) => c.type === 'IgnoredFields')).toBeUndefined();
    const other = await healthy('images', 'other', 1);
    expect(other.status?.conditions?.find((c) => c.type === 'IgnoredFields')).toMatchObject({
      status: 'True',
      reason: 'NotSupportedByLocalRuntime',
      message: `accepted but not honoured by this service's local runtime: backup (nothing backs the cluster up: no base backups, no WAL archive); imageName (PostgreSQL ${missing} is not installed on this service's host (installed: ${major}); PostgreSQL ${version} runs)`,
    });
    const app = await connFrom('images', 'other-app');
    expect((await psql(app, 'SHOW server_version_num')).stdout.slice(0, 2)).toBe(String(major));
    const events = await k.ok([
      '-n',
      'images',
      'get',
      'events',
      '--field-selector',
      'involvedObject.name=other,reason=IgnoredFields',
      '-o',
      'jsonpath={.items[*].type}',
    ]);
    expect(events).toBe('Warning');
    await k.ok(['-n', 'images', 'delete', 'cluster', 'same', 'other', '--wait=true']);
  });

  it('refuses or explains bad specs and leaves nothing half-made running', async () => {
    await k.ok(['create', 'namespace', 'bad']);
    const zero = await k(['-n', 'bad', 'apply', '-f', '-'], {
      input:
        'apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: {name: zero}\nspec: {instances: 0}\n',
    });
    expect(zero.code).not.toBe(0);
    expect(zero.stderr).toMatch(/spec\.instances.*greater than or equal to 1/);
    const fixed = await k(['-n', 'bad', 'apply', '-f', '-'], {
      input:
        'apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: {name: port}\nspec: {postgresql: {parameters: {port: "5"}}}\n',
    });
    expect(fixed.code).not.toBe(0);
    expect(fixed.stderr).toMatch(/managed by the operator/);
    // Nothing that would run a command on the host every instance shares.
    const command = await k(['-n', 'bad', 'apply', '-f', '-'], {
      input:
        'apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: {name: archive}\nspec: {postgresql: {parameters: {archive_mode: "on", archive_command: "id > /tmp/owned"}}}\n',
    });
    expect(command.code).not.toBe(0);
    expect(command.stderr).toMatch(/managed by the operator/);
    const reserved = await k(['-n', 'bad', 'apply', '-f', '-'], {
      input:
        'apiVersion: postgresql.cnpg.io/v1\nkind: Database\nmetadata: {name: pg}\nspec: {name: postgres, owner: app, cluster: {name: x}}\n',
    });
    expect(reserved.code).not.toBe(0);
    expect(reserved.stderr).toMatch(/the name postgres is reserved/);

    await k.ok(['-n', 'bad', 'apply', '-f', '-'], {
      input: `
apiVersion: v1
kind: Secret
type: kubernetes.io/basic-auth
metadata: {name: nopw-superuser}
stringData: {username: postgres}
---
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata: {name: nopw}
spec: {instances: 1, enableSuperuserAccess: true, superuserSecret: {name: nopw-superuser}}
---
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata: {name: missing}
spec: {instances: 1, enableSuperuserAccess: true, superuserSecret: {name: not-there}}
---
apiVersion: postgresql.cnpg.io/v1
kind: Database
metadata: {name: orphan}
spec: {name: orphan, owner: app, cluster: {name: no-such-cluster}}
`,
    });
    const nopw = await until('nopw explains', async () => {
      const c = await cluster('bad', 'nopw');
      return c.status?.phaseReason ? c : undefined;
    });
    expect(nopw.status?.phase).toBe('Waiting for user action');
    expect(nopw.status?.phaseReason).toBe('Secret nopw-superuser has no password key');
    expect(nopw.status?.conditions?.find((x) => x.type === 'Ready')?.status).toBe('False');
    const missing = await until('missing explains', async () => {
      const c = await cluster('bad', 'missing');
      return c.status?.phaseReason ? c : undefined;
    });
    expect(missing.status?.phase).toBe('Setting up primary');
    expect(missing.status?.phaseReason).toMatch(/waiting for Secret not-there/);
    const orphan = await until('orphan Database explains', async () => {
      const d = await client.get<Database>(DATABASES, 'bad', 'orphan');
      return d.status?.message ? d : undefined;
    });
    expect(orphan.status).toMatchObject({
      applied: false,
      message: 'Cluster "no-such-cluster" not found',
    });
    expect(postgresProcessesUnder(join(dataDir, 'bad'))).toEqual([]);
    expect(existsSync(join(dataDir, 'bad', 'nopw', 'nopw-1'))).toBe(false);

    // The missing Secret appears: the cluster comes up with its password.
    await k.ok([
      '-n',
      'bad',
      'create',
      'secret',
      'generic',
      'not-there',
      '--type=kubernetes.io/basic-auth',
      '--from-literal=username=postgres',
      '--from-literal=password=s3cret',
    ]);
    const up = await healthy('bad', 'missing', 1);
    const [host, port] = (up.status?.writeEndpoint ?? '').split(':') as [string, string];
    expect(
      (
        await psql(
          { host, port, user: 'postgres', password: 's3cret', dbname: 'postgres' },
          'SELECT 1',
        )
      ).stdout,
    ).toBe('1');

    // A Database whose owner role does not exist fails with PostgreSQL's message, and retries.
    await k.ok(['-n', 'bad', 'apply', '-f', '-'], {
      input:
        'apiVersion: postgresql.cnpg.io/v1\nkind: Database\nmetadata: {name: noowner}\nspec: {name: noowner, owner: nobody, cluster: {name: missing}}\n',
    });
    const noowner = await until('noowner fails', async () => {
      const d = await client.get<Database>(DATABASES, 'bad', 'noowner');
      return d.status?.applied === false ? d : undefined;
    });
    expect(noowner.status?.message).toMatch(/role "nobody" does not exist/);
    expect(
      (
        await psql(
          { host, port, user: 'postgres', password: 's3cret', dbname: 'postgres' },
          'CREATE ROLE nobody',
        )
      ).code,
    ).toBe(0);
    await until('noowner applied after the role exists', async () => {
      const d = await client.get<Database>(DATABASES, 'bad', 'noowner');
      return d.status?.applied === true && d.status.message === undefined ? d : undefined;
    });
    await k.ok([
      '-n',
      'bad',
      'delete',
      'cluster',
      'nopw',
      'missing',
      '--wait=true',
      '--timeout=30s',
    ]);
    expect(postgresProcessesUnder(join(dataDir, 'bad'))).toEqual([]);
  });

  it('starts without PostgreSQL binaries and says what to install', async () => {
    await operator.stop();
    const bare = await startOperator({
      kubeconfig: server.kubeconfig,
      dataDir,
      args: ['--postgres-bin', '/nonexistent/bin'],
    });
    try {
      expect(bare.output()).toMatch(/apt-get install postgresql/);
      await k.ok(['create', 'namespace', 'nobin']);
      await k.ok(['-n', 'nobin', 'apply', '-f', '-'], {
        input:
          'apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: {name: pg}\nspec: {instances: 1}\n',
      });
      const c = await until('nobin explains', async () => {
        const now = await cluster('nobin', 'pg');
        return now.status?.phaseReason ? now : undefined;
      });
      expect(c.status?.phase).toBe('Waiting for user action');
      expect(c.status?.phaseReason).toMatch(/apt-get install postgresql/);
      await k.ok(['-n', 'nobin', 'delete', 'cluster', 'pg', '--wait=true', '--timeout=30s']);
    } finally {
      await bare.stop();
      operator = await startOp();
    }
  });
});
