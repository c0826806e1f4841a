/**
 * The workshop's service owner, on `canopy start --plain` with the PostgreSQL operator and
 * real PostgreSQL, driven by real kubectl (1.33, and 1.27 for SPDY): CloudNativePG's
 * release manifest first (the operator keeps its CRDs: `kubectl explain` still describes
 * them), then "May I have some?" as the workshop writes it — `kubectl get pods`,
 * `kubectl logs kcp-1`, `kubectl -n <ns> port-forward svc/kcp-rw 5432:5432` in the
 * background and `psql -h 127.0.0.1 -d one -U postgres`; stopping a forward (WebSocket or
 * SPDY) ends the connections it carried down to their PostgreSQL backends; the forward
 * follows -rw to the new primary after a failover; RBAC decides pods/log and pods/portforward; exec is refused
 * with a reason.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import type { Secret } from '../../src/api/core/types.ts';
import { KubeClient } from '../../src/controller/kube/client.ts';
import { CLUSTERS, SECRETS } from '../../src/postgres/controller/deps.ts';
import { findPostgresBinaries } from '../../src/postgres/runtime/binaries.ts';
import type { Cluster } from '../../src/postgres/types.ts';
import { type CanopyProcess, startCanopy } from './harness/canopy-process.ts';
import { type Kubectl, kubectl } from './harness/kubectl.ts';
import { CNPG_MANIFEST, example } from './harness/manifests.ts';
import {
  cleanupDataDir,
  type OperatorProcess,
  operatorDataDir,
  psql,
  startOperator,
} from './harness/postgres-operator.ts';
import { until } from './harness/wait.ts';

const haveBinaries = findPostgresBinaries().ok;
const NS = 'tenant-lc';

/** The workshop's local port when it is free on this machine, another free one otherwise. */
async function localPort(preferred: number): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<number | undefined>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(undefined));
      s.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
        const a = s.address();
        const got = typeof a === 'object' && a ? a.port : undefined;
        s.close(() => resolve(got));
      });
    });
  return (await tryListen(preferred)) ?? ((await tryListen(0)) as number);
}

interface Forward {
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** `kubectl port-forward …` in the background, once it says it forwards. */
async function portForward(
  k: Kubectl,
  env: Record<string, string>,
  args: string[],
): Promise<Forward> {
  const child = spawn(k.binary, ['port-forward', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  await until(`kubectl port-forward ${args.join(' ')} to forward`, () => {
    if (child.exitCode !== null) throw new Error(`kubectl port-forward exited: ${out}`);
    return out.includes('Forwarding from 127.0.0.1');
  });
  return {
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGINT');
      await exited;
    },
  };
}

describe.skipIf(!haveBinaries)(
  'the service owner: CloudNativePG manifest, pods, logs, port-forward',
  () => {
    let server: CanopyProcess;
    let operator: OperatorProcess;
    let dataDir: string;
    let home: string;
    let k: Kubectl;
    let k127: Kubectl;
    let client: KubeClient;
    const forwards: Forward[] = [];
    let password = '';

    const env = () => ({
      KUBECONFIG: server.kubeconfig,
      HOME: home,
      KUBECACHEDIR: `${home}/.kube/cache`,
    });

    beforeAll(async () => {
      server = await startCanopy({ plain: true });
      home = mkdtempSync(join(tmpdir(), 'canopy-owner-'));
      k = kubectl('1.33', server.kubeconfig, home);
      k127 = kubectl('1.27', server.kubeconfig, home);
      client = KubeClient.fromKubeconfig(server.kubeconfig);
      // The service owner installs CloudNativePG first, as the workshop does.
      await k.ok(['apply', '--server-side', '-f', CNPG_MANIFEST]);
      dataDir = operatorDataDir();
      operator = await startOperator({
        kubeconfig: server.kubeconfig,
        dataDir,
        args: ['--stop-servers-on-exit', '--node-name', 'owner-node'],
        timeoutMs: 60_000,
      });
    });

    beforeEach(() => {
      onTestFailed(() => {
        console.log(
          `--- operator output ---\n${operator?.output().split('\n').slice(-60).join('\n')}`,
        );
        for (const f of forwards) console.log(`--- port-forward ---\n${f.output()}`);
      });
    });

    afterAll(async () => {
      for (const f of forwards) await f.stop();
      await operator?.stop();
      client?.close();
      await server?.stop();
      server?.cleanup();
      if (dataDir) cleanupDataDir(dataDir);
      if (home) rmSync(home, { recursive: true, force: true });
    });

    it('keeps CloudNativePG’s CRDs: kubectl explain still describes them', async () => {
      expect(operator.output()).toContain('keeping the installed CRD');
      const explained = await k.ok(['explain', 'cluster.spec.bootstrap.initdb']);
      expect(explained).not.toContain('<empty>');
      expect(explained).toMatch(/DESCRIPTION:\n\s+\S/);
      const crd = JSON.parse(
        await k.ok(['get', 'crd', 'clusters.postgresql.cnpg.io', '-o', 'json']),
      );
      expect(crd.metadata.labels?.['app.kubernetes.io/managed-by']).toBeUndefined();
      expect(JSON.stringify(crd).length).toBeGreaterThan(200_000);
    });

    it('runs the workshop Cluster and Database on those CRDs', async () => {
      await k.ok(['create', 'namespace', NS]);
      await k.ok(['-n', NS, 'apply', '-f', '-'], { input: example('consumer-1-cluster.yaml') });
      await k.ok(['-n', NS, 'apply', '-f', '-'], { input: example('consumer-1-database.yaml') });
      await k.ok(['-n', NS, 'wait', 'cluster/kcp', '--for=condition=Ready=true', '--timeout=90s']);
      await until(
        'database one applied',
        async () => {
          const out = await k.ok([
            '-n',
            NS,
            'get',
            'database',
            'db-one',
            '-o',
            'jsonpath={.status.applied}',
          ]);
          return out === 'true';
        },
        60_000,
      );
      const secret = await client.get<Secret>(SECRETS, NS, 'kcp-superuser');
      password = Buffer.from(secret.data?.password ?? '', 'base64').toString('utf8');
      expect(password).not.toBe('');
    });

    it('kubectl get pods shows the instance; the Services and their EndpointSlices exist', async () => {
      const pods = await k.ok(['-n', NS, 'get', 'pods']);
      expect(pods).toMatch(
        /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\nkcp-1\s+1\/1\s+Running\s+0\s+\S+\n$/,
      );
      const pod = JSON.parse(await k.ok(['-n', NS, 'get', 'pod', 'kcp-1', '-o', 'json']));
      expect(pod.metadata.labels).toMatchObject({
        'cnpg.io/cluster': 'kcp',
        'cnpg.io/instanceName': 'kcp-1',
        'cnpg.io/instanceRole': 'primary',
        role: 'primary',
      });
      expect(pod.status.podIP).toBe('127.0.0.1');
      expect(pod.spec.nodeName).toBe('owner-node');
      expect(
        await k.ok([
          'get',
          'node',
          'owner-node',
          '-o',
          'jsonpath={.status.conditions[0].type}={.status.conditions[0].status}',
        ]),
      ).toBe('Ready=True');
      const svc = await k.ok(['-n', NS, 'get', 'svc', '-o', 'name']);
      expect(svc.split('\n').filter(Boolean).sort()).toEqual([
        'service/kcp-r',
        'service/kcp-ro',
        'service/kcp-rw',
      ]);
      await until('the -rw EndpointSlice to name the primary', async () => {
        const out = await k.ok([
          '-n',
          NS,
          'get',
          'endpointslices',
          '-l',
          'kubernetes.io/service-name=kcp-rw',
          '-o',
          'jsonpath={.items[0].endpoints[*].targetRef.name}',
        ]);
        return out === 'kcp-1';
      });
    });

    it('kubectl logs kcp-1 streams the instance log, with --tail, --since and -f', async () => {
      const logs = await k.ok(['-n', NS, 'logs', 'kcp-1']);
      expect(logs).toContain('database system is ready to accept connections');
      const tail = await k.ok(['-n', NS, 'logs', 'kcp-1', '--tail', '1']);
      expect(tail.trimEnd().split('\n')).toHaveLength(1);
      const since = await k.ok(['-n', NS, 'logs', 'kcp-1', '--since', '1h', '--timestamps']);
      expect(since).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z /m);
      expect(await k127.ok(['-n', NS, 'logs', 'kcp-1', '--tail', '2'])).not.toBe('');
      // -f keeps streaming what is appended: a statement that fails is logged by the server.
      const follow = spawn(k.binary, ['-n', NS, 'logs', '-f', 'kcp-1', '--tail', '0'], {
        env: { ...process.env, ...env() },
      });
      let streamed = '';
      follow.stdout.on('data', (d) => {
        streamed += d;
      });
      const port = await localPort(0);
      const pf = await portForward(k, env(), ['-n', NS, 'pod/kcp-1', `${port}:5432`]);
      forwards.push(pf);
      await until('the new log line to be streamed', async () => {
        await psql(
          { host: '127.0.0.1', port, user: 'postgres', password, dbname: 'postgres' },
          'select no_such_column_for_the_log_test',
        );
        return streamed.includes('no_such_column_for_the_log_test');
      });
      follow.kill('SIGINT');
      await pf.stop();
    });

    it('port-forward svc/kcp-rw 5432:5432 in the background, then psql -h 127.0.0.1 -d one -U postgres', async () => {
      const port = await localPort(5432);
      const pf = await portForward(k, env(), ['-n', NS, 'svc/kcp-rw', `${port}:5432`]);
      forwards.push(pf);
      const r = await psql(
        { host: '127.0.0.1', port, user: 'postgres', password, dbname: 'one' },
        'select current_database(), pg_is_in_recovery()',
      );
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('one|f');
      // Several connections at once through the one forward.
      const many = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          psql(
            { host: '127.0.0.1', port, user: 'postgres', password, dbname: 'one' },
            `select ${i}`,
          ),
        ),
      );
      expect(many.map((m) => m.stdout)).toEqual(['0', '1', '2', '3', '4']);
      await pf.stop();
      expect(pf.output()).toContain('Handling connection for');
    });

    it('kubectl 1.27 forwards over SPDY too', async () => {
      const port = await localPort(0);
      const pf = await portForward(k127, env(), ['-n', NS, 'pod/kcp-1', `${port}:5432`]);
      forwards.push(pf);
      const big = await psql(
        { host: '127.0.0.1', port, user: 'postgres', password, dbname: 'one' },
        "select length(string_agg(repeat('x', 1000), '')) from generate_series(1, 5000)",
      );
      expect(big.stdout).toBe('5000000');
      await pf.stop();
    });

    it.each([
      ['1.33', 'WebSocket'],
      ['1.27', 'SPDY'],
    ] as const)(
      'kubectl %s (%s): stopping the forward closes the connections it carried, down to PostgreSQL',
      async (version, _protocol) => {
        const port = await localPort(0);
        const pf = await portForward(version === '1.27' ? k127 : k, env(), [
          '-n',
          NS,
          'svc/kcp-rw',
          `${port}:5432`,
        ]);
        forwards.push(pf);
        const open = Array.from({ length: 3 }, async () => {
          const c = new pg.Client({
            host: '127.0.0.1',
            port,
            user: 'postgres',
            password,
            database: 'one',
          });
          c.on('error', () => {});
          const ended = new Promise<void>((r) => c.once('end', () => r()));
          await c.connect();
          const pid = (await c.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]
            ?.pid;
          return { c, pid: pid as number, ended };
        });
        const held = await Promise.all(open);
        await pf.stop();
        // kubectl is gone: each client sees its connection end, and each backend that served
        // it exits (nothing left open in the server, the tunnel or the operator).
        await Promise.all(held.map((h) => h.ended));
        // Straight to the Cluster's read-write endpoint: the -rw Service's node port.
        const svc = JSON.parse(await k.ok(['-n', NS, 'get', 'svc', 'kcp-rw', '-o', 'json']));
        const direct = {
          host: '127.0.0.1',
          port: svc.spec.ports[0].nodePort as number,
          user: 'postgres',
          password,
          dbname: 'one',
        };
        const pids = held.map((h) => h.pid).join(',');
        let left = '';
        await until(
          'the forwarded connections’ backends to exit',
          async () => {
            const r = await psql(
              direct,
              `select string_agg(pid::text || ' ' || state, ', ') from pg_stat_activity where pid in (${pids})`,
            );
            left = `${r.stdout} ${r.stderr}`.trim();
            return r.stderr === '' && r.stdout === '';
          },
          30_000,
        ).catch(() => undefined);
        expect(left).toBe('');
      },
    );

    it('a port-forward to svc/kcp-rw reaches the new primary after a failover', async () => {
      await k.ok([
        '-n',
        NS,
        'patch',
        'cluster',
        'kcp',
        '--type',
        'merge',
        '-p',
        '{"spec":{"instances":2}}',
      ]);
      await until(
        '2 ready instances',
        async () => {
          const c = await client.get<Cluster>(CLUSTERS, NS, 'kcp');
          return c.status?.readyInstances === 2 && c.status.phase === 'Cluster in healthy state';
        },
        90_000,
      );
      const port = await localPort(0);
      const pf = await portForward(k, env(), ['-n', NS, 'svc/kcp-rw', `${port}:5432`]);
      forwards.push(pf);
      const conn = { host: '127.0.0.1', port, user: 'postgres', password, dbname: 'one' };
      const before = await psql(conn, 'select inet_server_port()');
      const pod = JSON.parse(await k.ok(['-n', NS, 'get', 'pod', 'kcp-1', '-o', 'json']));
      const pid = Number(
        String(pod.status.containerStatuses[0].containerID).replace('process://', ''),
      );
      expect(pid).toBeGreaterThan(0);
      process.kill(pid, 'SIGKILL');
      const after = await until(
        'a writable primary through the same forward',
        async () => {
          const r = await psql(conn, 'select inet_server_port(), pg_is_in_recovery()');
          return r.stdout.endsWith('|f') && !r.stdout.startsWith(`${before.stdout}|`)
            ? r.stdout
            : undefined;
        },
        90_000,
      );
      expect(after).toMatch(/^\d+\|f$/);
      expect(
        await k.ok([
          '-n',
          NS,
          'get',
          'pod',
          'kcp-2',
          '-o',
          'jsonpath={.metadata.labels.cnpg\\.io/instanceRole}',
        ]),
      ).toBe('primary');
      expect(pf.child.exitCode).toBeNull();
      await pf.stop();
    });

    it('RBAC decides pods/log and pods/portforward; exec is refused with a reason', async () => {
      await k.ok([
        '-n',
        NS,
        'create',
        'role',
        'pod-reader',
        '--verb=get,list',
        '--resource=pods,pods/log',
      ]);
      await k.ok([
        '-n',
        NS,
        'create',
        'rolebinding',
        'alice-reads',
        '--role=pod-reader',
        '--user=alice',
      ]);
      expect(await k.ok(['-n', NS, 'logs', 'kcp-2', '--tail', '1', '--as', 'alice'])).not.toBe('');
      for (const kc of [k, k127]) {
        const denied = await kc(['-n', NS, 'port-forward', 'pod/kcp-2', '0:5432', '--as', 'alice']);
        expect(denied.code).toBe(1);
        expect(denied.stderr).toContain('cannot create resource "pods/portforward"');
      }
      const noLogs = await k(['-n', NS, 'logs', 'kcp-2', '--as', 'bob']);
      expect(noLogs.stderr).toContain('forbidden');
      const exec = await k(['-n', NS, 'exec', 'kcp-2', '--', 'psql', '-c', 'select 1']);
      expect(exec.code).toBe(1);
      expect(exec.stderr).toContain('exec is not supported');
    });

    it('reaches nothing of the operator’s machine but its pods’ declared ports', async () => {
      // A port the pod does not declare (sshd, say) is refused by the operator.
      const port = await localPort(0);
      const pf = await portForward(k, env(), ['-n', NS, 'pod/kcp-2', `${port}:22`]);
      forwards.push(pf);
      await psql(
        { host: '127.0.0.1', port, user: 'postgres', password, dbname: 'one' },
        'select 1',
      );
      await until('the refusal to reach kubectl', () =>
        pf.output().includes('is not a port of pod'),
      );
      await pf.stop();
      // A pod someone else puts on the operator's node gets nothing from the operator.
      await k.ok(['-n', NS, 'apply', '-f', '-'], {
        input: JSON.stringify({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'impostor' },
          spec: { nodeName: 'owner-node', containers: [{ name: 'postgres', image: 'evil' }] },
        }),
      });
      const logs = await k(['-n', NS, 'logs', 'impostor']);
      expect(logs.code).toBe(1);
      expect(logs.stderr).toContain(`pod ${NS}/impostor is not running on node owner-node`);
    });
  },
);
