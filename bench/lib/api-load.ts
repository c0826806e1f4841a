/**
 * The load generator for API benchmarks, run as its own process so its work does not
 * count against the server's: HTTPS keep-alive clients that create, get, list and watch,
 * printing one JSON result on stdout. Usage: node api-load.ts <scenario> <kubeconfig> [args…]
 */
import { readFileSync } from 'node:fs';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { Agent, request } from 'node:https';
import { parseKubeconfig } from '../../src/apimachinery/kubeconfig.ts';
import { indices, pool } from '../../test/e2e/harness/pool.ts';
import { sleep, until } from '../../test/e2e/harness/wait.ts';
import { percentile } from './report.ts';

const [scenario, kubeconfigPath, ...args] = process.argv.slice(2);
const config = parseKubeconfig(readFileSync(kubeconfigPath as string, 'utf8'));
const cluster = config.clusters[0]?.cluster;
const server = new URL(cluster?.server ?? '');
const ca = Buffer.from(cluster?.['certificate-authority-data'] ?? '', 'base64');
const token = config.users[0]?.user.token ?? '';
const agent = new Agent({ keepAlive: true, maxSockets: 1024, ca });

function call(
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; body: string }> {
  return callWith(method, path, body, 'application/json');
}

function callWith(
  method: string,
  path: string,
  body: string | undefined,
  contentType: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: server.hostname,
        port: server.port,
        method,
        path,
        agent,
        headers: {
          Authorization: `Bearer ${token}`,
          ...(body
            ? { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) }
            : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * A GET of `path` as `bearer` (default: the kubeconfig's token), sent at once to the
 * kubeconfig's server or to `at` (another replica with the same CA and token).
 */
function openGet(
  path: string,
  onResponse: (res: IncomingMessage) => void,
  bearer = token,
  at: URL = server,
): ClientRequest {
  const req = request(
    {
      host: at.hostname,
      port: at.port,
      path,
      agent,
      headers: { Authorization: `Bearer ${bearer}` },
    },
    onResponse,
  );
  req.end();
  return req;
}

/**
 * Opens a watch (`path` with `?watch=true…`) as the kubeconfig's user and hands each event
 * to `onEvent`; `onResponse` sees the response first. The caller handles errors and
 * destroys the request when done.
 */
function watch<T>(
  path: string,
  onEvent: (event: T) => void,
  onResponse?: (res: IncomingMessage) => void,
  at: URL = server,
): ClientRequest {
  return openGet(
    path,
    (res) => {
      onResponse?.(res);
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        buf += d;
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          onEvent(JSON.parse(line) as T);
        }
      });
    },
    token,
    at,
  );
}

/** Runs `concurrency` clients (numbered from 0) until each one's `fn` returns. */
async function clients(concurrency: number, fn: (client: number) => Promise<void>) {
  await Promise.all(Array.from({ length: concurrency }, (_, i) => fn(i)));
}

/** A ConfigMap carrying the moment it is sent (annotation `sent`), for watch latency. */
const stampedCm = (name: string) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, annotations: { sent: String(performance.timeOrigin + performance.now()) } },
  });

const cm = (name: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name },
    data: { payload: 'x'.repeat(512) },
    ...extra,
  });

async function ensureNamespace(ns: string) {
  await call(
    'POST',
    '/api/v1/namespaces',
    JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
  );
}

/**
 * Calls `op` from `concurrency` clients for `ms` (`check` throws on a bad answer): latency
 * percentiles and calls per second.
 */
async function sampleFor<R>(
  concurrency: number,
  ms: number,
  op: () => Promise<R>,
  check: (result: R) => void,
) {
  const samples: number[] = [];
  const start = performance.now();
  await clients(concurrency, async () => {
    while (performance.now() - start < ms) {
      const t = performance.now();
      const r = await op();
      samples.push(performance.now() - t);
      check(r);
    }
  });
  samples.sort((a, b) => a - b);
  return {
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    perSecond: samples.length / ((performance.now() - start) / 1000),
  };
}

/** What the API benchmark's wrk load needs: a namespace to create in, an object to GET (and its bytes). */
async function apiFixtures() {
  await ensureNamespace('load-create');
  await ensureNamespace('load-get');
  const r = await call('POST', '/api/v1/namespaces/load-get/configmaps', cm('target'));
  if (r.status !== 201) throw new Error(`create: ${r.status} ${r.body}`);
  const got = await call('GET', '/api/v1/namespaces/load-get/configmaps/target');
  return { target: got.body };
}

async function list(count: number) {
  await ensureNamespace('load-list');
  await pool(indices(count), 32, async (i) => {
    await call('POST', '/api/v1/namespaces/load-list/configmaps', cm(`l-${i}`));
  });
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const r = await call('GET', '/api/v1/namespaces/load-list/configmaps');
    samples.push(performance.now() - t);
    const { items } = JSON.parse(r.body) as { items: Array<{ metadata: { name: string } }> };
    // The namespace also holds what the server puts in each one (kube-root-ca.crt).
    const ours = items.filter((i) => i.metadata.name.startsWith('l-')).length;
    if (ours !== count) throw new Error(`listed ${ours} of the ${count} objects`);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50) };
}

async function watchFanout(watchers: number, writes: number) {
  await ensureNamespace('load-watch');
  const latencies: number[] = [];
  let ready = 0;
  const done = Array.from(
    { length: watchers },
    () =>
      new Promise<void>((resolve, reject) => {
        let seen = 0;
        const req = watch<{ object: { metadata: { annotations?: Record<string, string> } } }>(
          '/api/v1/namespaces/load-watch/configmaps?watch=true&resourceVersion=0',
          (ev) => {
            const sent = Number(ev.object.metadata.annotations?.sent);
            latencies.push(performance.timeOrigin + performance.now() - sent);
            if (++seen === writes) {
              req.destroy();
              resolve();
            }
          },
          () => ready++,
        );
        req.on('error', (e) => (e.message.includes('socket hang up') ? resolve() : reject(e)));
      }),
  );
  while (ready < watchers) await sleep(20);
  await sleep(200);
  for (let i = 0; i < writes; i++) {
    await call('POST', '/api/v1/namespaces/load-watch/configmaps', stampedCm(`w-${i}`));
    await sleep(50);
  }
  await Promise.all(done);
  latencies.sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    events: latencies.length,
  };
}

/**
 * Latency from a write on this kubeconfig's server to its watch event on another replica
 * (`watchKubeconfig`; the same one measures a single server): ConfigMaps created one at a
 * time, each carrying the moment it was sent.
 */
async function replicaWatch(watchKubeconfig: string, writes: number) {
  const other = parseKubeconfig(readFileSync(watchKubeconfig, 'utf8')).clusters[0]?.cluster;
  const at = new URL(other?.server ?? '');
  const ns = `load-replica-watch-${Date.now()}`;
  await ensureNamespace(ns);
  const latencies: number[] = [];
  let opened = false;
  let seen = 0;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });
  const req = watch<{ object: { metadata: { annotations?: Record<string, string> } } }>(
    `${at.pathname.replace(/\/$/, '')}/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=0`,
    (ev) => {
      const sent = Number(ev.object.metadata.annotations?.sent);
      if (!sent) return;
      latencies.push(performance.timeOrigin + performance.now() - sent);
      if (++seen === writes) resolveDone();
    },
    () => {
      opened = true;
    },
    at,
  );
  req.on('error', () => {});
  while (!opened) await sleep(20);
  for (let i = 0; i < writes; i++) {
    const r = await call('POST', `/api/v1/namespaces/${ns}/configmaps`, stampedCm(`w-${i}`));
    if (r.status !== 201) throw new Error(`create: ${r.status} ${r.body}`);
    await sleep(20);
  }
  await done;
  req.destroy();
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** 50 data fields; one changes on every write so none is a no-op. */
function fifty(name: string, round: number): Record<string, unknown> {
  const data: Record<string, string> = {};
  for (let f = 0; f < 50; f++) data[`field-${f}`] = f === 0 ? `round-${round}` : `value-${f}`;
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'load-apply' }, data };
}

/** Writes of a 50-field object: server-side applies or plain updates (PUT), per worker object. */
async function writes(kind: 'apply' | 'update', concurrency: number, ms: number) {
  await ensureNamespace('load-apply');
  const base = '/api/v1/namespaces/load-apply/configmaps';
  let n = 0;
  const start = performance.now();
  await clients(concurrency, async (w) => {
    const name = `${kind}-${w}`;
    await call('POST', base, JSON.stringify(fifty(name, -1)));
    for (let round = 0; performance.now() - start < ms; round++) {
      const body = JSON.stringify(fifty(name, round));
      const r =
        kind === 'apply'
          ? await callWith(
              'PATCH',
              `${base}/${name}?fieldManager=bench&force=true`,
              body,
              'application/apply-patch+yaml',
            )
          : await call('PUT', `${base}/${name}`, body);
      if (r.status !== 200) throw new Error(`${kind}: ${r.status} ${r.body}`);
      n++;
    }
  });
  return { perSecond: n / ((performance.now() - start) / 1000) };
}

/**
 * Creates `count` workspaces under `parent` from `concurrency` clients and waits, through a
 * watch, until every one is Ready; returns workspaces per second from the first create.
 */
async function workspaces(parent: string, count: number, concurrency: number, prefix: string) {
  const base = `/clusters/${parent}/apis/tenancy.kcp.io/v1alpha1/workspaces`;
  const ready = new Set<string>();
  let resolveAll: () => void = () => {};
  const allReady = new Promise<void>((r) => {
    resolveAll = r;
  });
  const readyWatch = watch<{
    object: { metadata: { name: string }; status?: { phase?: string } };
  }>(`${base}?watch=true`, (ev) => {
    if (ev.object.metadata.name.startsWith(prefix) && ev.object.status?.phase === 'Ready') {
      ready.add(ev.object.metadata.name);
      if (ready.size === count) resolveAll();
    }
  });
  readyWatch.on('error', () => {});
  await sleep(200);
  const start = performance.now();
  await pool(indices(count), concurrency, async (i) => {
    const r = await call(
      'POST',
      base,
      JSON.stringify({
        apiVersion: 'tenancy.kcp.io/v1alpha1',
        kind: 'Workspace',
        metadata: { name: `${prefix}${i}` },
      }),
    );
    if (r.status !== 201) throw new Error(`create workspace: ${r.status} ${r.body}`);
  });
  await allReady;
  const seconds = (performance.now() - start) / 1000;
  readyWatch.destroy();
  return { perSecond: count / seconds, seconds };
}

/** GET latency of one object in a workspace (created on first use). */
async function workspaceGets(path: string, ms: number) {
  const base = `/clusters/${path}/api/v1/namespaces/default/configmaps`;
  await call(
    'POST',
    base,
    JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'probe' } }),
  );
  const { p50, p99 } = await sampleFor(
    8,
    ms,
    () => call('GET', `${base}/probe`),
    (r) => {
      if (r.status !== 200) throw new Error(`get: ${r.status} ${r.body}`);
    },
  );
  return { p50, p99 };
}

/**
 * RBAC fixtures in `ns`: a ConfigMap `target`, `count` Roles and RoleBindings for other
 * users (`user-<i>`, each its own Role), and one RoleBinding of `reader` to a Role that
 * may read ConfigMaps. Created as the kubeconfig's (admin) user.
 */
async function rbacFixtures(ns: string, count: number, reader: string) {
  await ensureNamespace(ns);
  await call('POST', `/api/v1/namespaces/${ns}/configmaps`, cm('target'));
  const rbac = `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}`;
  const role = (name: string, resources: string[]) =>
    JSON.stringify({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name },
      rules: [
        { apiGroups: [''], resources, verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list'] },
      ],
    });
  const binding = (name: string, roleName: string, user: string) =>
    JSON.stringify({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: roleName },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
    });
  const created = async (path: string, body: string) => {
    const r = await call('POST', path, body);
    if (r.status !== 201) throw new Error(`create ${path}: ${r.status} ${r.body}`);
  };
  const start = performance.now();
  await pool(indices(count), 32, async (i) => {
    await created(`${rbac}/roles`, role(`role-${i}`, ['configmaps', `things-${i}`]));
    await created(`${rbac}/rolebindings`, binding(`binding-${i}`, `role-${i}`, `user-${i}`));
  });
  await created(`${rbac}/roles`, role('bench-reader', ['configmaps']));
  await created(`${rbac}/rolebindings`, binding('bench-reader', 'bench-reader', reader));
  return { seconds: (performance.now() - start) / 1000 };
}

/** GETs of `ns`/target with a bearer token ('' = the kubeconfig's), as `gets` measures them. */
async function tokenGets(ns: string, bearer: string, concurrency: number, ms: number) {
  const get = (path: string) =>
    new Promise<number>((resolve, reject) => {
      const req = openGet(
        path,
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
        bearer || token,
      );
      req.on('error', reject);
    });
  return sampleFor(
    concurrency,
    ms,
    () => get(`/api/v1/namespaces/${ns}/configmaps/target`),
    (status) => {
      if (status !== 200) throw new Error(`get as ${bearer ? 'token' : 'admin'}: ${status}`);
    },
  );
}

// ---- APIExport virtual workspace (bench/vw.bench.ts) --------------------------------

const VW_GROUP = 'bench.canopy.dev';
const VW_EXPORT = 'widgets';

async function ok(method: string, path: string, body?: unknown, accept = [200, 201]) {
  const r = await call(method, path, body === undefined ? undefined : JSON.stringify(body));
  if (!accept.includes(r.status)) throw new Error(`${method} ${path}: ${r.status} ${r.body}`);
  return JSON.parse(r.body) as Record<string, unknown>;
}

/** `until` as the API scenarios wait: up to a minute, looking every 50 ms. */
const poll = <T>(what: string, probe: () => Promise<T>) => until(what, probe, 60_000, 50);

/** Creates `parent:name` unless it exists and waits until it is Ready. */
async function readyWorkspace(parent: string, name: string) {
  const base = `/clusters/${parent}/apis/tenancy.kcp.io/v1alpha1/workspaces`;
  await ok(
    'POST',
    base,
    { apiVersion: 'tenancy.kcp.io/v1alpha1', kind: 'Workspace', metadata: { name } },
    [201, 409],
  );
  await poll(`${parent}:${name} Ready`, async () => {
    const ws = (await ok('GET', `${base}/${name}`)) as { status?: { phase?: string } };
    return ws.status?.phase === 'Ready' ? true : undefined;
  });
}

/**
 * Watches APIBindings across all workspaces until `count` bindings named `name` are Bound
 * in workspaces not in `ignore`; `bound` holds the logical clusters seen.
 */
function boundWatch(name: string, count: number, ignore: ReadonlySet<string> = new Set()) {
  const bound = new Set<string>();
  let done: () => void = () => {};
  const all = new Promise<void>((r) => {
    done = r;
  });
  const req = watch<{
    object: {
      metadata: { name: string; annotations?: Record<string, string> };
      status?: { phase?: string };
    };
  }>('/clusters/*/apis/apis.kcp.io/v1alpha2/apibindings?watch=true', (ev) => {
    const o = ev.object;
    const cluster = o.metadata.annotations?.['kcp.io/cluster'] ?? '';
    if (o.metadata.name === name && o.status?.phase === 'Bound' && !ignore.has(cluster)) {
      bound.add(cluster);
      if (bound.size >= count) done();
    }
  });
  req.on('error', () => {});
  return { all, bound, close: () => req.destroy() };
}

const binding = (exportPath: string) => ({
  apiVersion: 'apis.kcp.io/v1alpha2',
  kind: 'APIBinding',
  metadata: { name: VW_EXPORT },
  spec: { reference: { export: { path: exportPath, name: VW_EXPORT } } },
});

/**
 * The provider (root:vw-provider: a schema and an export of `widgets`), a workspace
 * `root:vw-plain` bound to it, and `count` tenant workspaces under root:vw-tenants, each
 * bound to it (created from `concurrency` clients). Returns the time each step took and
 * the path of the export's virtual workspace from its endpoint slice.
 */
async function vwSetup(count: number, concurrency: number) {
  const provider = 'root:vw-provider';
  await readyWorkspace('root', 'vw-provider');
  await ok('POST', `/clusters/${provider}/apis/apis.kcp.io/v1alpha1/apiresourceschemas`, {
    apiVersion: 'apis.kcp.io/v1alpha1',
    kind: 'APIResourceSchema',
    metadata: { name: `v1.widgets.${VW_GROUP}` },
    spec: {
      group: VW_GROUP,
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      scope: 'Namespaced',
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', properties: { size: { type: 'integer' } } },
            },
          },
        },
      ],
    },
  });
  await ok('POST', `/clusters/${provider}/apis/apis.kcp.io/v1alpha2/apiexports`, {
    apiVersion: 'apis.kcp.io/v1alpha2',
    kind: 'APIExport',
    metadata: { name: VW_EXPORT },
    spec: {
      resources: [
        {
          name: 'widgets',
          group: VW_GROUP,
          schema: `v1.widgets.${VW_GROUP}`,
          storage: { crd: {} },
        },
      ],
    },
  });
  await poll('the export identity', async () => {
    const e = (await ok(
      'GET',
      `/clusters/${provider}/apis/apis.kcp.io/v1alpha2/apiexports/${VW_EXPORT}`,
    )) as { status?: { identityHash?: string } };
    return e.status?.identityHash;
  });

  // The plain-watch workspace, bound like the tenants.
  await readyWorkspace('root', 'vw-plain');
  const plainBound = boundWatch(VW_EXPORT, 1);
  await ok(
    'POST',
    '/clusters/root:vw-plain/apis/apis.kcp.io/v1alpha2/apibindings',
    binding(provider),
  );
  await plainBound.all;
  plainBound.close();

  await readyWorkspace('root', 'vw-tenants');
  const created = await workspaces('root:vw-tenants', count, concurrency, 't-');

  const watch = boundWatch(VW_EXPORT, count, plainBound.bound);
  const start = performance.now();
  await pool(indices(count), concurrency, async (i) => {
    const path = `/clusters/root:vw-tenants:t-${i}/apis/apis.kcp.io/v1alpha2/apibindings`;
    await ok('POST', path, binding(provider));
  });
  const posted = (performance.now() - start) / 1000;
  await watch.all;
  const bindSeconds = (performance.now() - start) / 1000;
  watch.close();

  const vwUrl = await poll('the endpoint URL', async () => {
    const s = (await ok(
      'GET',
      `/clusters/${provider}/apis/apis.kcp.io/v1alpha1/apiexportendpointslices/${VW_EXPORT}`,
    )) as { status?: { endpoints?: Array<{ url: string }> } };
    return s.status?.endpoints?.[0]?.url;
  });
  return {
    workspaceSeconds: created.seconds,
    workspacesPerSecond: created.perSecond,
    bindingPostSeconds: posted,
    bindingSeconds: bindSeconds,
    bindingsPerSecond: count / bindSeconds,
    vwPath: new URL(vwUrl).pathname,
  };
}

/**
 * One watch — the virtual workspace's wildcard (`vw`), or one workspace (`plain`) — and
 * `count` creates of widgets from `concurrency` clients: in each tenant workspace (vw) or
 * all in root:vw-plain (plain). Each widget carries its send time; the watch measures
 * delivery latency and its event rate from the first write to the last event.
 */
async function vwWatch(mode: string, vwPath: string, count: number, concurrency: number) {
  const resource = `/apis/${VW_GROUP}/v1/widgets`;
  const watchBase =
    mode === 'vw' ? `${vwPath}/clusters/*${resource}` : `/clusters/root:vw-plain${resource}`;
  const target = (i: number) =>
    `/clusters/${mode === 'vw' ? `root:vw-tenants:t-${i}` : 'root:vw-plain'}/apis/${VW_GROUP}/v1/namespaces/default/widgets`;
  const prefix = `${mode}-${Date.now().toString(36)}-`;
  const listed = (await ok('GET', watchBase)) as { metadata: { resourceVersion: string } };

  const latencies: number[] = [];
  const writeLatencies: number[] = [];
  const clusters = new Set<string>();
  let lastEvent = 0;
  let opened: () => void = () => {};
  const open = new Promise<void>((r) => {
    opened = r;
  });
  let finished: () => void = () => {};
  const all = new Promise<void>((r) => {
    finished = r;
  });
  const req = watch<{
    type: string;
    object: { metadata: { name: string; annotations?: Record<string, string> } };
  }>(
    `${watchBase}?watch=true&resourceVersion=${listed.metadata.resourceVersion}`,
    (ev) => {
      const meta = ev.object.metadata;
      if (ev.type !== 'ADDED' || !meta.name.startsWith(prefix)) return;
      const now = performance.timeOrigin + performance.now();
      latencies.push(now - Number(meta.annotations?.sent));
      clusters.add(meta.annotations?.['kcp.io/cluster'] ?? '');
      lastEvent = now;
      if (latencies.length === count) finished();
    },
    (res) => {
      if (res.statusCode !== 200) throw new Error(`watch ${watchBase}: ${res.statusCode}`);
      opened();
    },
  );
  req.on('error', () => {});
  await open;

  const start = performance.timeOrigin + performance.now();
  await pool(indices(count), concurrency, async (i) => {
    const t = performance.now();
    await ok('POST', target(i), {
      apiVersion: `${VW_GROUP}/v1`,
      kind: 'Widget',
      metadata: {
        name: `${prefix}${i}`,
        annotations: { sent: String(performance.timeOrigin + performance.now()) },
      },
      spec: { size: i },
    });
    writeLatencies.push(performance.now() - t);
  });
  const written = performance.timeOrigin + performance.now();
  await all;
  req.destroy();
  latencies.sort((a, b) => a - b);
  writeLatencies.sort((a, b) => a - b);
  return {
    events: latencies.length,
    workspaces: clusters.size,
    writesPerSecond: count / ((written - start) / 1000),
    eventsPerSecond: count / ((lastEvent - start) / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? Number.NaN,
    writeP50: percentile(writeLatencies, 50),
    writeP99: percentile(writeLatencies, 99),
  };
}

/** LIST latency (p50 of `rounds`) of widgets: the virtual workspace's wildcard or one workspace. */
async function vwList(mode: string, vwPath: string, rounds: number) {
  const path =
    mode === 'vw'
      ? `${vwPath}/clusters/*/apis/${VW_GROUP}/v1/widgets`
      : `/clusters/root:vw-plain/apis/${VW_GROUP}/v1/widgets`;
  const samples: number[] = [];
  let items = 0;
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    const r = await call('GET', path);
    samples.push(performance.now() - t);
    if (r.status !== 200) throw new Error(`list ${path}: ${r.status}`);
    items = (JSON.parse(r.body) as { items: unknown[] }).items.length;
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), items };
}

const n = (i: number, d: number) => Number(args[i] ?? d);
let result: unknown;
switch (scenario) {
  case 'api-fixtures':
    result = await apiFixtures();
    break;
  case 'list':
    result = await list(n(0, 10_000));
    break;
  case 'applies':
    result = await writes('apply', n(0, 16), n(1, 3000));
    break;
  case 'updates':
    result = await writes('update', n(0, 16), n(1, 3000));
    break;
  case 'watch':
    result = await watchFanout(n(0, 500), n(1, 20));
    break;
  case 'workspaces':
    result = await workspaces(args[0] ?? 'root', n(1, 500), n(2, 32), args[3] ?? 'ws-');
    break;
  case 'workspace-gets':
    result = await workspaceGets(args[0] ?? 'root', n(1, 3000));
    break;
  case 'rbac-fixtures':
    result = await rbacFixtures(args[0] ?? 'load-rbac', n(1, 1000), args[2] ?? 'bench');
    break;
  case 'token-gets':
    result = await tokenGets(args[0] ?? 'load-rbac', args[1] ?? '', n(2, 50), n(3, 3000));
    break;
  case 'vw-setup':
    result = await vwSetup(n(0, 1000), n(1, 64));
    break;
  case 'vw-watch':
    result = await vwWatch(args[0] ?? 'vw', args[1] ?? '', n(2, 1000), n(3, 64));
    break;
  case 'replica-watch':
    result = await replicaWatch(args[0] ?? '', n(1, 200));
    break;
  case 'vw-list':
    result = await vwList(args[0] ?? 'vw', args[1] ?? '', n(2, 5));
    break;
  default:
    throw new Error(`unknown scenario ${scenario}`);
}
process.stdout.write(JSON.stringify(result));
agent.destroy();
process.exit(0);
