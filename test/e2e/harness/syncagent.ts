/**
 * End-to-end helpers for `canopy syncagent`: start the agent as a real process, a small
 * in-process test controller on the service cluster standing in for CloudNativePG (it
 * writes Cluster and Database status, generates a `<cluster>-app` Secret and holds a
 * finalizer of its own for a moment on deletion), and the kcp workshop's provider and
 * consumer setup through real kubectl and the kcp plugins.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../../src/apimachinery/meta.ts';
import { isConflict, isNotFound, KubeClient } from '../../../src/controller/kube/client.ts';
import { Reflector } from '../../../src/controller/kube/reflector.ts';
import { CLUSTERS, DATABASES } from '../../../src/postgres/controller/deps.ts';
import { CRDS as POSTGRES_CRDS } from '../../../src/postgres/crds/index.ts';
import { SECRETS } from '../../../src/syncagent/constants.ts';
import { silentLog } from '../../../src/syncagent/testing.ts';
import { CANOPY_BIN, type CanopyProcess, startCanopy } from './canopy-process.ts';
import { type Kubectl, kubectlWithPlugins } from './kubectl.ts';
import { example } from './manifests.ts';
import { followOutput } from './process-output.ts';
import { sleep } from './wait.ts';

/** The refs the tests read and write with, the agent's and the operator's own. */
export { CLUSTERS, DATABASES } from '../../../src/postgres/controller/deps.ts';
export { NAMESPACES } from '../../../src/syncagent/constants.ts';
export { PUBLISHED_RESOURCES } from '../../../src/syncagent/controllers/apiresourceschema/controller.ts';

// ---- the agent process ---------------------------------------------------------------

export interface AgentProcess {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the output once it matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<number | null>;
  kill(): Promise<void>;
}

export interface AgentOptions {
  readonly kcpKubeconfig: string;
  readonly kubeconfig: string;
  readonly args: readonly string[];
  /** Resolve on this output instead of `sync agent ready`. */
  readonly readyPattern?: RegExp;
  /** Added to the agent's environment (e.g. NODE_OPTIONS for a profile). */
  readonly env?: Record<string, string>;
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
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env, KUBECONFIG: '' },
    },
  );
  const out = followOutput(child, 'agent');
  const waitFor = (pattern: RegExp, timeoutMs?: number) =>
    out.waitFor(pattern, timeoutMs ? { timeoutMs } : {});
  await waitFor(options.readyPattern ?? /sync agent ready/);
  return {
    child,
    output: out.text,
    waitFor,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return out.exited;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await out.exited;
    },
  };
}

// ---- the test controller on the service cluster --------------------------------------

const TEST_FINALIZER = 'test.canopy.dev/cleanup';

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
  /**
   * Write status (and `<name>-app` Secrets) at all: switched off to measure the create
   * path alone; `resync()` catches up once it is switched back on.
   */
  writeStatus = true;
  /** Generate `<name>-app` Secrets and hold a finalizer (off in the benchmarks). */
  readonly full: boolean;
  /** Generate `<name>-app` Secrets without the finalizer (the fleet benchmark). */
  readonly appSecret: boolean;

  constructor(kubeconfig: string, options: { full?: boolean; appSecret?: boolean } = {}) {
    this.full = options.full ?? true;
    this.appSecret = this.full || (options.appSecret ?? false);
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
    this.#timer = setInterval(() => this.resync(), 1000);
  }

  /** Handles every Cluster and Database now (after `writeStatus` is switched on). */
  resync(): void {
    for (const c of this.clusters.list()) void this.#cluster(c);
    for (const d of this.databases.list()) void this.#database(d);
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
      if (!this.writeStatus) return;
      const spec = (obj.spec ?? {}) as { instances?: number };
      const status = (obj.status ?? {}) as { phase?: string; instances?: number };
      const instances = spec.instances ?? 1;
      const healthy = status.phase === 'Cluster in healthy state';
      // The Secret is made before the first status: with appSecret alone, a healthy Cluster
      // has it (full mode checks on every pass, and makes it again if it was deleted).
      const app =
        this.full || (this.appSecret && !healthy)
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
      if (healthy && status.instances === instances) return;
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

/** The workshop's export.yaml (the empty APIExport the agent fills in). */
export const EXPORT_YAML = example('export.yaml');

/**
 * The workshop's resources-*.yaml as the kcp workshop wrote them, in the api-syncagent v0.2
 * shape (`$remoteClusterName`, `version`, a related `reference`); examples/ has the
 * current shape.
 */
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

/** The tenant's Cluster `kcp` with its two basic-auth Secrets, and its Database `db-one`. */
export const CONSUMER_1_CLUSTER_YAML = example('consumer-1-cluster.yaml');
export const CONSUMER_1_DATABASE_YAML = example('consumer-1-database.yaml');

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

/** Installs the CloudNativePG CRDs (the PostgreSQL operator's) on a service cluster. */
async function installPostgresCrds(k: Kubectl): Promise<void> {
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

// ---- the two clusters and the tenants ------------------------------------------------

export interface ProviderSetup {
  /** The control plane. */
  readonly kcp: CanopyProcess;
  /** The service cluster (`--plain`), with the CloudNativePG CRDs. */
  readonly service: CanopyProcess;
  readonly dir: Workdir;
  /** kubectl on the service cluster (`provider.kubeconfig`). */
  readonly provider: Kubectl;
  /** A client of the service cluster. */
  readonly svc: KubeClient;
  /** kubectl in root:providers:<workspace>, on the agent's kubeconfig. */
  readonly exportWorkspace: Kubectl;
  /** The agent's kubeconfig (in `dir`), its context in root:providers:<workspace>. */
  readonly agentKubeconfig: string;
}

/**
 * Starts the control plane and a service cluster with the CloudNativePG CRDs, creates
 * root:providers, root:consumers and root:providers:<workspace>, and applies `apiExport`
 * (a manifest, written to export.yaml in the workdir) there, through kubectl with the kcp
 * plugins on the agent's kubeconfig (`agentKubeconfig` in the workdir). What it started
 * is stopped again when a step fails.
 */
export async function startProvider(options: {
  readonly prefix: string;
  readonly workspace: string;
  readonly apiExport: string;
  readonly agentKubeconfig?: string;
}): Promise<ProviderSetup> {
  const [kcp, service] = await Promise.all([startCanopy(), startCanopy({ plain: true })]);
  const dir = workdir(options.prefix);
  const svc = KubeClient.fromKubeconfig(service.kubeconfig);
  try {
    const provider = kubectlWithPlugins(service.kubeconfig, dir.dir, 'provider.kubeconfig');
    await installPostgresCrds(provider);
    const kubeconfigName = options.agentKubeconfig ?? 'agent.kubeconfig';
    const sa = kubectlWithPlugins(kcp.kubeconfig, dir.dir, kubeconfigName);
    await sa.ok(['ws', 'use', ':root']);
    await sa.ok(['create', 'workspace', 'providers', '--ignore-existing']);
    await sa.ok(['create', 'workspace', 'consumers', '--ignore-existing']);
    await sa.ok(['ws', 'use', ':root:providers']);
    await sa.ok(['ws', 'create', options.workspace, '--enter']);
    await sa.ok(['apply', '-f', dir.write('export.yaml', options.apiExport)]);
    return {
      kcp,
      service,
      dir,
      provider,
      svc,
      exportWorkspace: sa,
      agentKubeconfig: join(dir.dir, kubeconfigName),
    };
  } catch (err) {
    await stopAll({ kcp, service, svc, dir });
    throw err;
  }
}

/**
 * A tenant: the workspace root:consumers:<name> bound to `exportRef` (`path:name`) with the
 * claims on secrets, namespaces and events accepted, kubectl in it (`<name>.kubeconfig`)
 * and its logical cluster name.
 */
export async function bindTenant(
  kcp: CanopyProcess,
  dir: Workdir,
  name: string,
  exportRef: string,
): Promise<{ k: Kubectl; lc: string }> {
  const k = kubectlWithPlugins(kcp.kubeconfig, dir.dir, `${name}.kubeconfig`);
  await k.ok(['ws', ':root:consumers']);
  await k.ok(['ws', 'create', name, '--enter']);
  await k.ok([
    'kcp',
    'bind',
    'apiexport',
    exportRef,
    '--accept-permission-claim',
    'secrets.core,namespaces.core,events.core',
  ]);
  return { k, lc: await logicalClusterOf(k, `root:consumers:${name}`) };
}

/** Stops what a test started (as far as it got) and removes its workdir. */
export async function stopAll(parts: {
  readonly operator?: TestOperator | undefined;
  readonly agent?: AgentProcess | undefined;
  readonly svc?: KubeClient | undefined;
  readonly kcp?: CanopyProcess | undefined;
  readonly service?: CanopyProcess | undefined;
  readonly dir?: Workdir | undefined;
}): Promise<void> {
  await parts.operator?.stop();
  await parts.agent?.stop();
  parts.svc?.close();
  await Promise.all([parts.kcp?.stop(), parts.service?.stop()]);
  parts.kcp?.cleanup();
  parts.service?.cleanup();
  if (parts.dir) rmSync(parts.dir.dir, { recursive: true, force: true });
}
