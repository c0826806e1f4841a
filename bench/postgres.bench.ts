/**
 * PostgreSQL operator benchmark, on real PostgreSQL against `canopy start --plain`:
 * seconds from creating a Cluster to Ready for 1 and 3 instances (the workshop's
 * CloudNativePG on kind: 60–300 s; goal ≤ 5 s for one instance), and failover time from
 * SIGKILL of the primary to a write accepted on the new primary (goal ≤ 10 s).
 */
import pg from 'pg';
import type { Secret } from '../src/api/core/types.ts';
import { KubeClient } from '../src/controller/kube/client.ts';
import { CLUSTERS, SECRETS } from '../src/postgres/controller/deps.ts';
import { findPostgresBinaries } from '../src/postgres/runtime/binaries.ts';
import type { Cluster } from '../src/postgres/types.ts';
import { NAMESPACES } from '../src/syncagent/constants.ts';
import { startCanopy } from '../test/e2e/harness/canopy-process.ts';
import {
  cleanupDataDir,
  operatorDataDir,
  startOperator,
} from '../test/e2e/harness/postgres-operator.ts';
import { until } from '../test/e2e/harness/wait.ts';
import { median, Report } from './lib/report.ts';

const RUNS_ONE = 5;
const RUNS_THREE = 3;
const FAILOVERS = 3;
const WORKSHOP_SECONDS = 60;

export async function run(): Promise<Report> {
  const report = new Report('postgres');
  if (!findPostgresBinaries().ok) {
    console.log('postgres benchmark skipped: PostgreSQL server binaries not found');
    return report;
  }
  const server = await startCanopy({ plain: true });
  const dataDir = operatorDataDir('canopy-pg-bench-');
  const operator = await startOperator({
    kubeconfig: server.kubeconfig,
    dataDir,
    args: ['--stop-servers-on-exit'],
  });
  const client = KubeClient.fromKubeconfig(server.kubeconfig);
  const ns = 'bench';
  try {
    await client.create(NAMESPACES, undefined, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns },
    });
    const ready = (name: string, instances: number) =>
      until(
        `${name} ready`,
        async () => {
          const c = await client.get<Cluster>(CLUSTERS, ns, name);
          return c.status?.phase === 'Cluster in healthy state' &&
            c.status.readyInstances === instances
            ? c
            : undefined;
        },
        60_000,
        10,
      );
    const createToReady = async (name: string, instances: number) => {
      const started = performance.now();
      await client.create(CLUSTERS, ns, {
        apiVersion: 'postgresql.cnpg.io/v1',
        kind: 'Cluster',
        metadata: { name },
        spec: { instances, storage: { size: '1Gi' } },
      });
      await ready(name, instances);
      return (performance.now() - started) / 1000;
    };

    const one: number[] = [];
    for (let i = 0; i < RUNS_ONE; i++) one.push(await createToReady(`one-${i}`, 1));
    const three: number[] = [];
    for (let i = 0; i < RUNS_THREE; i++) three.push(await createToReady(`three-${i}`, 3));
    const oneMedian = report.metric('create → Ready, 1 instance (median)', median(one), 's');
    report.metric('create → Ready, 1 instance (max)', Math.max(...one), 's');
    report.goal({ metric: 'create → Ready, 1 instance (median)', atMost: 5 });
    report.metric('create → Ready, 3 instances (median)', median(three), 's');
    report.metric('create → Ready, 3 instances (max)', Math.max(...three), 's');

    // Failover: SIGKILL the primary, then write through the (updated) app Secret until a new primary accepts.
    const failovers: number[] = [];
    const name = 'three-0';
    const appConn = async () => {
      const s = await client.get<Secret>(SECRETS, ns, `${name}-app`);
      const v = (k: string) => Buffer.from(s.data?.[k] ?? '', 'base64').toString('utf8');
      return {
        host: v('host'),
        port: Number(v('port')),
        user: v('username'),
        password: v('password'),
        database: v('dbname'),
      };
    };
    const exec = async (sql: string) => {
      const c = new pg.Client({ ...(await appConn()), connectionTimeoutMillis: 1000 });
      c.on('error', () => undefined);
      await c.connect();
      try {
        await c.query(sql);
      } finally {
        await c.end().catch(() => undefined);
      }
    };
    await exec('CREATE TABLE IF NOT EXISTS beats (at timestamptz DEFAULT now())');
    for (let i = 0; i < FAILOVERS; i++) {
      const before = await ready(name, 3);
      const primary = before.status?.currentPrimary as string;
      const pid = before.status?.instanceEndpoints?.[primary]?.pid as number;
      const killed = performance.now();
      process.kill(pid, 'SIGKILL');
      await until(
        'a write on the new primary',
        async () => {
          const c = await client.get<Cluster>(CLUSTERS, ns, name);
          if (!c.status?.currentPrimary || c.status.currentPrimary === primary) return undefined;
          await exec('INSERT INTO beats DEFAULT VALUES');
          return true;
        },
        30_000,
        20,
      );
      failovers.push((performance.now() - killed) / 1000);
    }
    await ready(name, 3);
    const failoverMedian = report.metric(
      'failover: primary SIGKILL → write accepted (median)',
      median(failovers),
      's',
    );
    report.metric('failover: primary SIGKILL → write accepted (max)', Math.max(...failovers), 's');
    report.goal({ metric: 'failover: primary SIGKILL → write accepted (median)', atMost: 10 });
    report.ratio(
      'ready-vs-workshop',
      WORKSHOP_SECONDS / oneMedian,
      `workshop's fastest create → Ready (${WORKSHOP_SECONDS} s) ÷ ours, 1 instance`,
    );
    report.ratio(
      'failover-vs-goal',
      10 / failoverMedian,
      'failover goal (10 s) ÷ measured failover',
      1,
    );
  } finally {
    client.close();
    await operator.stop();
    await server.stop();
    server.cleanup();
    cleanupDataDir(dataDir);
  }
  return report;
}
