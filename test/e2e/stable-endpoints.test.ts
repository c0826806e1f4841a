/**
 * A connection string that survives failover (issue 24), on real PostgreSQL: a tenant's
 * application keeps writing through the `uri` of `<cluster>-app`, read once and never
 * again, while the primary is SIGKILLed, a switchover is asked for, the Cluster scales
 * 2 → 3 → 1 and the operator is SIGKILLed (the endpoint proxy keeps serving) and restarted.
 * After each, writes resume through the same uri and no acknowledged row is lost; a
 * connection held to the old primary ends instead of staying on a read-only server.
 * "Resume" counts only writes a server other than the old primary acknowledged (see
 * SERVER_IDENTITY): the backends of a SIGKILLed postmaster still acknowledge a write or two.
 */
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import type { Secret } from '../../src/api/core/types.ts';
import { KubeClient } from '../../src/controller/kube/client.ts';
import { CLUSTERS, SECRETS } from '../../src/postgres/controller/deps.ts';
import { findPostgresBinaries } from '../../src/postgres/runtime/binaries.ts';
import type { Cluster } from '../../src/postgres/types.ts';
import { type CanopyProcess, startCanopy } from './harness/canopy-process.ts';
import { type Kubectl, kubectl } from './harness/kubectl.ts';
import {
  cleanupDataDir,
  type OperatorProcess,
  operatorDataDir,
  SERVER_IDENTITY,
  startOperator,
} from './harness/postgres-operator.ts';
import { sleep, until } from './harness/wait.ts';

const haveBinaries = findPostgresBinaries().ok;
const NS = 'app';

/** Row ids, unique across every loop of the file. */
let lastId = 0;

/**
 * A tenant application: one connection, reconnecting on failure, inserting new ids; each
 * acknowledged id with the server that acknowledged it.
 */
class AppLoop {
  readonly acked: { id: number; server: string }[] = [];
  errors = 0;
  #stopped = false;
  #client: pg.Client | undefined;
  #done: Promise<void>;
  readonly uri: string;

  constructor(uri: string) {
    this.uri = uri;
    this.#done = this.#run();
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        if (!this.#client) {
          const client = new pg.Client({
            connectionString: this.uri,
            connectionTimeoutMillis: 10_000,
          });
          client.on('error', () => {});
          this.#client = client;
          await client.connect();
        }
        const id = ++lastId;
        const r = await this.#client.query<{ server: string }>(
          `INSERT INTO writes (id) VALUES ($1) RETURNING ${SERVER_IDENTITY}`,
          [id],
        );
        this.acked.push({ id, server: r.rows[0]?.server ?? '' });
      } catch {
        this.errors++;
        this.#client?.end().catch(() => {});
        this.#client = undefined;
        await sleep(20);
      }
    }
    await this.#client?.end().catch(() => {});
  }

  /** Resolves once `count` more writes are acknowledged by a server other than `not`. */
  async progress(what: string, count = 20, not?: string, timeoutMs = 60_000): Promise<void> {
    const from = this.acked.length;
    await until(
      what,
      () => this.acked.slice(from).filter((a) => a.server !== not).length >= count,
      timeoutMs,
      20,
    );
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#done;
  }
}

describe.skipIf(!haveBinaries)(
  'stable endpoints: the uri survives failover, switchover, scaling and the operator',
  () => {
    let server: CanopyProcess;
    let operator: OperatorProcess;
    let dataDir: string;
    let client: KubeClient;
    let k: Kubectl;
    let uri = '';
    const loops: AppLoop[] = [];

    const cluster = () => client.get<Cluster>(CLUSTERS, NS, 'db');
    /** A merge patch of Cluster db (of its status with `status: true`). */
    const patchDb = (patch: object, status = false) =>
      k.ok([
        '-n',
        NS,
        'patch',
        'cluster',
        'db',
        ...(status ? ['--subresource=status'] : []),
        '--type=merge',
        '-p',
        JSON.stringify(patch),
      ]);
    /** The operator, stopping its PostgreSQL servers when it exits (not on SIGKILL). */
    const operatorStart = () =>
      startOperator({
        kubeconfig: server.kubeconfig,
        dataDir,
        args: ['--stop-servers-on-exit'],
        timeoutMs: 60_000,
      });
    /** A new application loop writing through the uri, stopped after the file at the latest. */
    const appLoop = () => {
      const loop = new AppLoop(uri);
      loops.push(loop);
      return loop;
    };
    const healthy = (instances: number, timeoutMs = 90_000) =>
      until(
        `db healthy with ${instances} instances`,
        async () => {
          const c = await cluster();
          return c.status?.phase === 'Cluster in healthy state' &&
            c.status.readyInstances === instances &&
            c.status.instances === instances
            ? c
            : undefined;
        },
        timeoutMs,
      );
    const primaryPid = async () => {
      const c = await cluster();
      return c.status?.instanceEndpoints?.[c.status.currentPrimary ?? '']?.pid as number;
    };
    const uriNow = async () => {
      const s = await client.get<Secret>(SECRETS, NS, 'db-app');
      return Buffer.from(s.data?.uri ?? '', 'base64').toString('utf8');
    };
    /** Every acknowledged id is in the table, read through the same uri. */
    const noneLost = async (loop: AppLoop) => {
      const c = new pg.Client({ connectionString: uri });
      await c.connect();
      try {
        const rows = await c.query<{ id: number }>('SELECT id FROM writes');
        const stored = new Set(rows.rows.map((r) => r.id));
        expect(loop.acked.map((a) => a.id).filter((id) => !stored.has(id))).toEqual([]);
      } finally {
        await c.end();
      }
    };
    /**
     * A connection opened now through the uri, kept idle, and the server it reached (the
     * primary: the one the failover or switchover replaces).
     */
    const held = async () => {
      const c = new pg.Client({ connectionString: uri });
      c.on('error', () => {});
      await c.connect();
      const server = (await c.query<{ server: string }>(`SELECT ${SERVER_IDENTITY}`)).rows[0]
        ?.server;
      return { c, server: server ?? '' };
    };
    /**
     * The first write acknowledged through the uri from now on by a server other than `old`
     * (every acknowledged id is recorded in `loop`), and the synchronous standbys the server
     * that acknowledged it waited for.
     */
    const firstWrite = (loop: AppLoop, old: string) =>
      until(
        'a write acknowledged through the uri by a server other than the old primary',
        async () => {
          const c = new pg.Client({ connectionString: uri, connectionTimeoutMillis: 10_000 });
          c.on('error', () => {});
          const id = ++lastId;
          try {
            await c.connect();
            const r = await c.query<{ sync: string; server: string }>(
              `INSERT INTO writes (id) VALUES ($1) RETURNING current_setting('synchronous_standby_names') AS sync, ${SERVER_IDENTITY}`,
              [id],
            );
            const server = r.rows[0]?.server ?? '';
            loop.acked.push({ id, server });
            return server === old ? undefined : { sync: r.rows[0]?.sync ?? '' };
          } catch {
            return undefined;
          } finally {
            await c.end().catch(() => {});
          }
        },
        120_000,
        20,
      );
    /**
     * The held connection does not answer as a read-only server: it ends, or answers from a
     * primary that is not the server it was opened to.
     */
    const notStaleReadOnly = async (h: { c: pg.Client; server: string }) => {
      try {
        const r = await h.c.query<{ ro: boolean; server: string }>(
          `SELECT pg_is_in_recovery() AS ro, ${SERVER_IDENTITY}`,
        );
        expect(r.rows[0]?.server).not.toBe(h.server);
        expect(r.rows[0]?.ro).toBe(false);
      } catch (err) {
        expect((err as Error).message).toMatch(/terminat|closed|ended|ECONNRESET|Connection/i);
      } finally {
        await h.c.end().catch(() => {});
      }
    };

    beforeAll(async () => {
      server = await startCanopy({ plain: true });
      client = KubeClient.fromKubeconfig(server.kubeconfig);
      k = kubectl('1.33', server.kubeconfig);
      dataDir = operatorDataDir();
      operator = await operatorStart();
      await k.ok(['create', 'namespace', NS]);
      await k.ok(['-n', NS, 'apply', '-f', '-'], {
        input:
          // Synchronous replication: a commit is acknowledged once a replica has it, so a
          // failover loses nothing acknowledged (asynchronous replication could).
          'apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: {name: db}\nspec:\n  instances: 2\n  minSyncReplicas: 1\n  maxSyncReplicas: 1\n  storage: {size: 1Gi}\n',
      });
      await healthy(2);
      uri = await uriNow();
      const setup = new pg.Client({ connectionString: uri });
      await setup.connect();
      await setup.query('CREATE TABLE writes (id int PRIMARY KEY)');
      await setup.end();
    });

    beforeEach(() => {
      onTestFailed(() => {
        console.log(`--- operator ---\n${operator?.output().split('\n').slice(-60).join('\n')}`);
      });
    });

    afterAll(async () => {
      for (const loop of loops) await loop.stop();
      await operator?.stop();
      client?.close();
      await server?.stop();
      server?.cleanup();
      if (dataDir) cleanupDataDir(dataDir);
    });

    it('hands out the read-write endpoint: the uri names the -rw node port', async () => {
      const svc = JSON.parse(await k.ok(['-n', NS, 'get', 'svc', 'db-rw', '-o', 'json']));
      const port = svc.spec.ports[0].nodePort;
      expect(uri).toMatch(new RegExp(`@127\\.0\\.0\\.1:${port}/app$`));
      const c = await cluster();
      expect(c.status?.writeEndpoint).toBe(`127.0.0.1:${port}`);
    });

    it('writes resume through the unchanged uri after the primary is SIGKILLed', async () => {
      const loop = appLoop();
      await loop.progress('writes before the failover');
      const h = await held();
      process.kill(await primaryPid(), 'SIGKILL');
      // The new primary acknowledges nothing alone: it waits for a standby from its first
      // commit on (it used to accept commits no replica had until the pass ended).
      expect((await firstWrite(loop, h.server)).sync).toMatch(/^ANY 1 \(/);
      await loop.progress('writes after the failover', 50, h.server);
      await notStaleReadOnly(h);
      await healthy(2);
      await loop.stop();
      await noneLost(loop);
      expect(await uriNow()).toBe(uri);
    }, 300_000);

    it('… after a switchover asked for with status.targetPrimary', async () => {
      const before = await cluster();
      const target = before.status?.instanceNames?.find(
        (n) => n !== before.status?.currentPrimary,
      ) as string;
      const loop = appLoop();
      await loop.progress('writes before the switchover');
      const h = await held();
      await patchDb({ status: { targetPrimary: target } }, true);
      await until(
        'the switchover',
        async () => (await cluster()).status?.currentPrimary === target,
        60_000,
      );
      expect((await firstWrite(loop, h.server)).sync).toMatch(/^ANY 1 \(/);
      await loop.progress('writes after the switchover', 50, h.server);
      await notStaleReadOnly(h);
      await loop.stop();
      await noneLost(loop);
    }, 300_000);

    it('… while scaling 2 → 3 → 1', async () => {
      const loop = appLoop();
      await loop.progress('writes before scaling');
      await patchDb({ spec: { instances: 3 } });
      await healthy(3);
      await loop.progress('writes at 3 instances');
      // One instance has no replica to wait for: synchronous replication goes with it.
      await patchDb({ spec: { instances: 1, minSyncReplicas: 0, maxSyncReplicas: 0 } });
      await healthy(1);
      await loop.progress('writes at 1 instance');
      await loop.stop();
      await noneLost(loop);
      expect(await uriNow()).toBe(uri);
    }, 300_000);

    it('… while the operator is SIGKILLed (the endpoints keep serving), and after it is back', async () => {
      await patchDb({ spec: { instances: 2, minSyncReplicas: 1, maxSyncReplicas: 1 } });
      await healthy(2);
      const loop = appLoop();
      await loop.progress('writes before the operator dies');
      await operator.kill();
      const errorsBefore = loop.errors;
      await loop.progress('writes while no operator runs', 100);
      expect(loop.errors).toBe(errorsBefore);
      operator = await operatorStart();
      await loop.progress('writes after the operator is back');
      const old = await held();
      process.kill(await primaryPid(), 'SIGKILL');
      await loop.progress('writes after a failover under the new operator', 50, old.server);
      await notStaleReadOnly(old);
      await healthy(2);
      await loop.stop();
      await noneLost(loop);
      expect(await uriNow()).toBe(uri);
    }, 300_000);
  },
);
