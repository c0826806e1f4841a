/**
 * Authorization benchmark: GET throughput of one ConfigMap with RBAC deciding — a user
 * allowed by one RoleBinding in a namespace that also holds 1,000 Roles and 1,000
 * RoleBindings of other users — against the admin fast path (`system:masters`, no RBAC
 * lookup) on the same server in the same run. Short rounds alternate between the two and
 * the ratio is the median of each pair's, so drift (JIT warm-up, the machine's other load)
 * hits both alike. The cost of one decision with the same policy is also measured in
 * process, without HTTP.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Authorization } from '../src/apiserver/authz/authorization.ts';
import type { Attributes } from '../src/apiserver/authz/authorizer.ts';
import { testEnv } from '../src/apiserver/authz/testing.ts';
import { load, startCanopy } from './lib/canopy-server.ts';
import { Report } from './lib/report.ts';

const NAMESPACE = 'load-rbac';
const OTHERS = 1000;
const CONCURRENCY = 50;
const ROUND_MS = 2000;
const ROUNDS = 5;
const USER = 'bench';
const TOKEN = 'bench-reader-token-0123456789abcdef';

interface Gets {
  readonly p50: number;
  readonly p99: number;
  readonly perSecond: number;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** Microseconds per decision, in process, for the benchmark user and for an admin. */
async function decisionCost(): Promise<{ rbac: number; admin: number }> {
  const env = testEnv();
  const authorization = new Authorization();
  try {
    const rbac = { group: 'rbac.authorization.k8s.io', version: 'v1' };
    await env.client
      .resource('root', { group: '', version: 'v1', resource: 'namespaces' })
      .create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
    const roles = env.client.resource('root', { ...rbac, resource: 'roles' }, NAMESPACE);
    const bindings = env.client.resource('root', { ...rbac, resource: 'rolebindings' }, NAMESPACE);
    const bind = (i: string, user: string) =>
      Promise.all([
        roles.create({
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'Role',
          metadata: { name: `role-${i}` },
          rules: [
            { apiGroups: [''], resources: ['configmaps', `things-${i}`], verbs: ['get', 'list'] },
            { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list'] },
          ],
        }),
        bindings.create({
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: `binding-${i}` },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `role-${i}` },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
        }),
      ]);
    for (let i = 0; i < OTHERS; i++) await bind(String(i), `user-${i}`);
    await bind('bench', USER);
    await authorization.start(env.store);
    const attrs = (groups: string[]): Attributes => ({
      user: { username: USER, groups },
      verb: 'get',
      cluster: 'root',
      namespace: NAMESPACE,
      apiGroup: '',
      resource: 'configmaps',
      subresource: '',
      name: 'target',
      path: '',
      isResourceRequest: true,
    });
    const perDecision = (a: Attributes) => {
      if (!authorization.authorize(a).allowed) throw new Error('benchmark user not allowed');
      const n = 200_000;
      const start = performance.now();
      for (let i = 0; i < n; i++) authorization.authorize(a);
      return ((performance.now() - start) * 1000) / n;
    };
    return {
      rbac: perDecision(attrs(['system:authenticated'])),
      admin: perDecision(attrs(['system:masters', 'system:authenticated'])),
    };
  } finally {
    authorization.stop();
    await env.close();
  }
}

export async function run(): Promise<Report> {
  const report = new Report('authz');
  const dir = mkdtempSync(join(tmpdir(), 'canopy-bench-authz-'));
  const tokenFile = join(dir, 'tokens.csv');
  writeFileSync(tokenFile, `${TOKEN},${USER},uid-${USER},"bench-readers"\n`, { mode: 0o600 });
  const server = await startCanopy({
    plain: true,
    args: ['--log-level', 'warn', '--token-auth-file', tokenFile],
  });
  try {
    const fixtures = await load<{ seconds: number }>(
      'rbac-fixtures',
      server.kubeconfig,
      NAMESPACE,
      OTHERS,
      USER,
    );
    report.metric(
      `create ${OTHERS} Roles + ${OTHERS} RoleBindings (32 clients)`,
      fixtures.seconds,
      's',
    );
    // Warm both paths up (connections, JIT) before measuring.
    await load('token-gets', server.kubeconfig, NAMESPACE, '', CONCURRENCY, 1000);
    await load('token-gets', server.kubeconfig, NAMESPACE, TOKEN, CONCURRENCY, 1000);
    const admin: Gets[] = [];
    const rbac: Gets[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      admin.push(
        await load<Gets>('token-gets', server.kubeconfig, NAMESPACE, '', CONCURRENCY, ROUND_MS),
      );
      rbac.push(
        await load<Gets>('token-gets', server.kubeconfig, NAMESPACE, TOKEN, CONCURRENCY, ROUND_MS),
      );
    }
    const adminRate = median(admin.map((g) => g.perSecond));
    const rbacRate = median(rbac.map((g) => g.perSecond));
    report.metric(`GET throughput, admin fast path (${CONCURRENCY} clients)`, adminRate, 'ops/s');
    report.metric(
      `GET throughput, RBAC with ${OTHERS} roles and bindings (${CONCURRENCY} clients)`,
      rbacRate,
      'ops/s',
    );
    report.metric('GET p50, admin fast path', median(admin.map((g) => g.p50)), 'ms');
    report.metric('GET p50, RBAC', median(rbac.map((g) => g.p50)), 'ms');
    report.metric('GET p99, admin fast path', median(admin.map((g) => g.p99)), 'ms');
    report.metric('GET p99, RBAC', median(rbac.map((g) => g.p99)), 'ms');
    report.ratio(
      'rbac-gets',
      median(rbac.map((g, i) => g.perSecond / (admin[i] as Gets).perSecond)),
      `GET/s with RBAC (${OTHERS} roles + bindings) ÷ GET/s as system:masters, median of ${ROUNDS} alternating rounds`,
      0.8,
    );
  } finally {
    await server.stop();
    server.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
  const cost = await decisionCost();
  report.metric(`RBAC decision, in process (${OTHERS} roles + bindings)`, cost.rbac, 'µs');
  report.metric('system:masters decision, in process', cost.admin, 'µs');
  return report;
}
