/**
 * End-to-end helpers for `canopy syncagent`: start the agent as a real process, a small
 * in-process test controller on the service cluster standing in for CloudNativePG (it
 * writes Cluster and Database status, generates a `<cluster>-app` Secret and holds a
 * finalizer of its own for a moment on deletion), and the kcp workshop's provider and
 * consumer setup through real kubectl and the kcp plugins.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { KubeObject } from '../../../src/apimachinery/meta.ts';
import {
  isConflict,
  isNotFound,
  KubeClient,
  type ResourceRef,
} from '../../../src/controller/kube/client.ts';
import { Reflector } from '../../../src/controller/kube/reflector.ts';
import { CRDS as POSTGRES_CRDS } from '../../../src/postgres/crds/index.ts';
import { SECRETS } from '../../../src/syncagent/constants.ts';
import { silentLog } from '../../../src/syncagent/testing.ts';
import { CANOPY_BIN } from './canopy-process.ts';
import { type Kubectl, kubectl } from './kubectl.ts';

export const BIN = join(import.meta.dirname, '..', '..', '..', 'bin');

export const CLUSTERS: ResourceRef = {
  group: 'postgresql.cnpg.io',
  version: 'v1',
  plural: 'clusters',
  namespaced: true,
};
export const DATABASES: ResourceRef = {
  group: 'postgresql.cnpg.io',
  version: 'v1',
  plural: 'databases',
  namespaced: true,
};
export const NAMESPACES: ResourceRef = {
  group: '',
  version: 'v1',
  plural: 'namespaces',
  namespaced: false,
};
export const PUBLISHED_RESOURCES: ResourceRef = {
  group: 'syncagent.kcp.io',
  version: 'v1alpha1',
  plural: 'publishedresources',
  namespaced: false,
};

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function until<T>(
  what: string,
  fn: () => Promise<T> | T,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<Exclude<NonNullable<T>, false>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false && v !== null) return v as Exclude<NonNullable<T>, false>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(intervalMs);
  }
}

// ---- the agent process ---------------------------------------------------------------

export interface AgentProcess {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves when the output matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  stop(): Promise<number | null>;
  kill(): Promise<void>;
}

export interface AgentOptions {
  readonly kcpKubeconfig: string;
  readonly kubeconfig: string;
  readonly args: readonly string[];
  /** Resolve on this output instead of `sync agent ready`. */
  readonly readyPattern?: RegExp;
}

export async function startAgent(options: AgentOptions): Promise<AgentProcess> {
  const child = spawn(
    process.execPath,
    [
      CANOPY_BIN,
      'syncagent',
      '--kcp-kubeconfig',
      options.kcpKubeconfig,
      '--kubeconfig',
      options.kubeconfig,
      '--metrics-address',
      '127.0.0.1:0',
      '--log-format',
      'json',
      ...options.args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBECONFIG: '' } },
  );
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d;
    for (const l of listeners) l();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = (pattern: RegExp, timeoutMs = 30_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (pattern.test(out)) {
          cleanup();
          resolve();
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`agent did not print ${pattern}:\n${out}`));
      }, timeoutMs);
      const onExit = (code: number | null) => {
        cleanup();
        reject(new Error(`agent exited with ${code}:\n${out}`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(check);
        child.off('exit', onExit);
      };
      listeners.add(check);
      child.on('exit', onExit);
      check();
    });
  await waitFor(options.readyPattern ?? /sync agent ready/);
  return {
    child,
    output: () => out,
    waitFor,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

// ---- the test controller on the service cluster --------------------------------------

export const TEST_FINALIZER = 'test.canopy.dev/cleanup';

/**
 * Stands in for CloudNativePG on the service cluster: a Cluster gets a healthy status, a
 * `<name>-app` basic-auth Secret and a finalizer that is released half a second after the
 * Cluster is deleted; a Database gets `applied: true`.
 */
export class TestOperator {
  readonly client: KubeClient;
  readonly clusters: Reflector;
  readonly databases: Reflector;
  /** When each Cluster's status was written (`namespace/name` → ms). */
  readonly statusWrittenAt = new Map<string, number>();
  /** When each Cluster was released from the test finalizer. */
  readonly releasedAt = new Map<string, number>();
  readonly #busy = new Set<string>();
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  /** Write status at all (switched off to measure the create path alone). */
  writeStatus = true;
  /** Generate `<name>-app` Secrets and hold a finalizer (off in the benchmark). */
  readonly full: boolean;

  constructor(kubeconfig: string, options: { full?: boolean } = {}) {
    this.full = options.full ?? true;
    this.client = KubeClient.fromKubeconfig(kubeconfig);
    const log = silentLog;
    this.clusters = new Reflector({ client: this.client, ref: CLUSTERS, log, name: 'clusters' });
    this.databases = new Reflector({ client: this.client, ref: DATABASES, log, name: 'databases' });
    this.clusters.on((type, obj) => {
      if (type !== 'delete') void this.#cluster(obj);
    });
    this.databases.on((type, obj) => {
      if (type !== 'delete') void this.#database(obj);
    });
  }

  async start(): Promise<void> {
    await Promise.all([this.clusters.start(), this.databases.start()]);
    // Retries for anything that failed (e.g. while the service cluster restarted).
    this.#timer = setInterval(() => {
      for (const c of this.clusters.list()) void this.#cluster(c);
      for (const d of this.databases.list()) void this.#database(d);
    }, 1000);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    await Promise.all([this.clusters.stop(), this.databases.stop()]);
    this.client.close();
  }

  async #once(key: string, fn: () => Promise<void>): Promise<void> {
    if (this.#busy.has(key) || this.#stopped) return;
    this.#busy.add(key);
    try {
      await fn();
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err) && !this.#stopped)
        process.stderr.write(`test operator: ${key}: ${(err as Error).message}\n`);
    } finally {
      this.#busy.delete(key);
    }
  }

  #cluster(obj: KubeObject): Promise<void> {
    const ns = obj.metadata.namespace as string;
    const name = obj.metadata.name as string;
    return this.#once(`cluster ${ns}/${name}`, async () => {
      const finalizers = obj.metadata.finalizers ?? [];
      if (obj.metadata.deletionTimestamp) {
        if (!finalizers.includes(TEST_FINALIZER)) return;
        await sleep(500);
        await this.client.delete(SECRETS, ns, `${name}-app`);
        await this.client.patch(CLUSTERS, ns, name, {
          metadata: {
            finalizers: finalizers.filter((f) => f !== TEST_FINALIZER),
            resourceVersion: obj.metadata.resourceVersion,
          },
        });
        this.releasedAt.set(`${ns}/${name}`, Date.now());
        return;
      }
      if (this.full && !finalizers.includes(TEST_FINALIZER)) {
        await this.client.patch(CLUSTERS, ns, name, {
          metadata: {
            finalizers: [...finalizers, TEST_FINALIZER],
            resourceVersion: obj.metadata.resourceVersion,
          },
        });
        return;
      }
      const app = this.full
        ? await this.client.getOrUndefined(SECRETS, ns, `${name}-app`)
        : { metadata: {} };
      if (!app)
        await this.client.create(SECRETS, ns, {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: `${name}-app`, namespace: ns, labels: { 'cnpg.io/cluster': name } },
          type: 'kubernetes.io/basic-auth',
          stringData: { username: 'app', password: `generated-for-${name}`, host: `${name}-rw` },
        });
      if (!this.writeStatus) return;
      const spec = (obj.spec ?? {}) as { instances?: number };
      const status = (obj.status ?? {}) as { phase?: string; instances?: number };
      const instances = spec.instances ?? 1;
      if (status.phase === 'Cluster in healthy state' && status.instances === instances) return;
      await this.client.patch(
        CLUSTERS,
        ns,
        name,
        {
          status: {
            phase: 'Cluster in healthy state',
            instances,
            readyInstances: instances,
            currentPrimary: `${name}-1`,
            conditions: [
              {
                type: 'Ready',
                status: 'True',
                reason: 'ClusterIsReady',
                message: 'Cluster is Ready',
                lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
              },
            ],
          },
        },
        { subresource: 'status' },
      );
      this.statusWrittenAt.set(`${ns}/${name}`, Date.now());
    });
  }

  #database(obj: KubeObject): Promise<void> {
    const ns = obj.metadata.namespace as string;
    const name = obj.metadata.name as string;
    return this.#once(`database ${ns}/${name}`, async () => {
      if (obj.metadata.deletionTimestamp || !this.writeStatus) return;
      if ((obj.status as { applied?: boolean } | undefined)?.applied === true) return;
      await this.client.patch(
        DATABASES,
        ns,
        name,
        { status: { applied: true } },
        { subresource: 'status' },
      );
    });
  }
}

// ---- the workshop --------------------------------------------------------------------

export const EXPORT_YAML = `apiVersion: apis.kcp.io/v1alpha1
kind: APIExport
metadata:
  name: postgresql.cnpg.io
spec: {}
`;

export const RESOURCES_CLUSTER_YAML = `apiVersion: syncagent.kcp.io/v1alpha1
kind: PublishedResource
metadata:
  name: publish-cnpg-cluster
spec:
  resource:
    kind: Cluster
    apiGroup: postgresql.cnpg.io
    version: v1
  naming:
    # this is the implicit default
    namespace: "$remoteClusterName"
    name: "$remoteName"
  related:
    - kind: Secret
      origin: kcp
      identifier: credentials
      reference:
        name:
          path: "spec.superuserSecret.name"
`;

export const RESOURCES_DATABASE_YAML = `apiVersion: syncagent.kcp.io/v1alpha1
kind: PublishedResource
metadata:
  name: publish-cnpg-database
spec:
  resource:
    kind: Database
    apiGroup: postgresql.cnpg.io
    version: v1
  naming:
    namespace: "$remoteClusterName"
    name: "$remoteName"
`;

export const CONSUMER_1_CLUSTER_YAML = `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: kcp
spec:
  instances: 1
  bootstrap:
    initdb:
      database: app
      owner: app
      secret:
        name: kcp-postgres
  enableSuperuserAccess: true
  superuserSecret:
    name: kcp-superuser
  storage:
    size: 1Gi
---
apiVersion: v1
kind: Secret
type: kubernetes.io/basic-auth
metadata:
  name: kcp-postgres
data:
  username: YXBw
  password: cGFzc3dvcmQ=
---
apiVersion: v1
kind: Secret
type: kubernetes.io/basic-auth
metadata:
  name: kcp-superuser
data:
  username: cG9zdGdyZXM=
  password: cGFzc3dvcmQ=
`;

export const CONSUMER_1_DATABASE_YAML = `apiVersion: postgresql.cnpg.io/v1
kind: Database
metadata:
  name: db-one
spec:
  name: one
  owner: app
  cluster:
    name: kcp
`;

export interface Workdir {
  readonly dir: string;
  write(name: string, text: string): string;
}

export function workdir(prefix: string): Workdir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    write(name, text) {
      const file = join(dir, name);
      writeFileSync(file, text);
      return file;
    },
  };
}

/** kubectl 1.33 with the kcp plugins, on a private copy of a kubeconfig. */
export function kubectlWithPlugins(kubeconfig: string, home: string, copyAs: string): Kubectl {
  const file = join(home, copyAs);
  copyFileSync(kubeconfig, file);
  return kubectl('1.33', file, home, { path: [BIN, dirname(process.execPath)] });
}

/** Installs the CloudNativePG CRDs (the PostgreSQL operator's) on a service cluster. */
export async function installPostgresCrds(k: Kubectl): Promise<void> {
  for (const crd of POSTGRES_CRDS)
    await k.ok(['apply', '--server-side', '-f', '-'], { input: JSON.stringify(crd) });
  await k.ok([
    'wait',
    '--for=condition=Established',
    'crd/clusters.postgresql.cnpg.io',
    'crd/databases.postgresql.cnpg.io',
  ]);
}

/** The logical cluster name of a workspace path. */
export async function logicalClusterOf(k: Kubectl, path: string): Promise<string> {
  const out = await k.ok([
    'get',
    '--raw',
    `/clusters/${path}/apis/core.kcp.io/v1alpha1/logicalclusters/cluster`,
  ]);
  const lc = JSON.parse(out) as KubeObject;
  return lc.metadata.annotations?.['kcp.io/cluster'] ?? '';
}
