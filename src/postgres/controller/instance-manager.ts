/**
 * The instance manager: every Cluster's local runtime — a directory
 * `<data-dir>/<namespace>/<cluster>/` with `cluster.json` (Cluster uid, replication
 * password, the latest instance serial, the current primary, applied password digests) and
 * one sub-directory per instance (see runtime/instance.ts). A restarted operator loads
 * these, adopts the servers still running and finishes or discards half-done work; serials
 * are persisted before use so names are never reused and nothing is initialised twice.
 */
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../logging/logger.ts';
import { clusterKey, compareInstanceNames, instanceName } from '../names.ts';
import type { PostgresBinaries } from '../runtime/binaries.ts';
import type { ClusterRoutes, ProxyRoutes } from '../runtime/endpoint-proxy.ts';
import { type Health, Instance, type InstanceRole, type StartFence } from '../runtime/instance.ts';
import type { ServerUser } from '../runtime/os-user.ts';
import { allocatePort, allocateStablePort, releasePort, reservePort } from '../runtime/ports.ts';
import { readyReplicas } from './cluster/cluster-reconcile.ts';
import { generatePassword } from './cluster/secrets.ts';
import type { InstanceView } from './cluster/status.ts';
import type { EndpointPorts } from './cluster/workloads.ts';

/** A wildcard listen address (0.0.0.0, ::, *) is reached through loopback. */
export function connectHostFor(bind: string): string {
  if (bind === '0.0.0.0' || bind === '*' || bind === '') return '127.0.0.1';
  if (bind === '::') return '::1';
  return bind;
}

export interface ClusterMeta {
  readonly version: 1;
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly replicationPassword: string;
  latestGeneratedNode: number;
  currentPrimary?: string;
  /** The ports of the Cluster's stable endpoints, fixed for its life (runtime/endpoint-proxy.ts). */
  endpointPorts?: EndpointPorts;
  /** role → digest of the password last set (or of NULL), so unchanged ones are not re-set. */
  appliedPasswords: Record<string, string>;
  /** The PostgreSQL major the data was made with (absent: made before this was recorded). */
  major?: number;
}

export function passwordDigest(role: string, password: string | null): string {
  return createHash('sha256')
    .update(`${role}\0${password ?? '\0NULL'}`)
    .digest('hex');
}

export class ClusterRuntime {
  readonly key: string;
  readonly dir: string;
  readonly bin: PostgresBinaries;
  readonly user: ServerUser;
  readonly host: string;
  /** Shared by every Cluster of one operator: closed when it stops its servers for good. */
  readonly fence: StartFence;
  meta: ClusterMeta;
  readonly instances = new Map<string, Instance>();
  readonly health = new Map<string, Health>();
  /** When the primary was first seen unhealthy (failover delay). */
  primaryUnhealthySince?: number;
  /** Replica → when it was first seen running but not streaming. */
  readonly notStreamingSince = new Map<string, number>();
  /** Health signature at the end of the last reconcile (the monitor compares against it). */
  lastSignature = '';
  /** Which instances ran at the end of the last reconcile (pids only). */
  lastRunning = '';
  /**
   * Which instances ran when the health was last refreshed: what a reconcile last saw, so
   * an instance that dies after that (while the pass finishes) still differs from
   * `lastRunning` and gets the cluster reconciled again at the monitor's next tick.
   */
  runningAtHealth = '';
  adopted = false;
  /** Set while a reconcile works on this cluster. */
  busy = false;

  constructor(
    dir: string,
    meta: ClusterMeta,
    bin: PostgresBinaries,
    user: ServerUser,
    host: string,
    fence: StartFence,
  ) {
    this.dir = dir;
    this.meta = meta;
    this.bin = bin;
    this.user = user;
    this.host = host;
    this.fence = fence;
    this.key = clusterKey(meta.namespace, meta.name);
  }

  /** Where clients on this machine reach the servers (a wildcard bind means loopback). */
  get connectHost(): string {
    return connectHostFor(this.host);
  }

  static metaPath(dir: string): string {
    return join(dir, 'cluster.json');
  }

  saveMeta(): void {
    const path = ClusterRuntime.metaPath(this.dir);
    writeFileSync(`${path}.tmp`, `${JSON.stringify(this.meta, null, 2)}\n`, { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
  }

  /** Reads every instance directory. */
  loadInstances(): void {
    this.instances.clear();
    for (const entry of readdirSync(this.dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const inst = Instance.load(join(this.dir, entry.name), this.bin, this.user, this.fence);
      if (inst) {
        this.instances.set(inst.name, inst);
        reservePort(inst.port);
      }
    }
  }

  /** First use in this operator process: clean up whatever a previous process left half-done. */
  async adopt(log: Logger): Promise<void> {
    if (this.adopted) return;
    for (const inst of this.sorted()) {
      const pid = inst.postmasterPid();
      if (inst.state.jobPid || existsSync(inst.stagingPgdata))
        log.info(
          { cluster: this.key, instance: inst.name, phase: inst.state.phase },
          'discarding unfinished work of a previous operator',
        );
      await inst.discardUnfinishedWork();
      if (pid) {
        inst.update({ pid });
        log.info(
          { cluster: this.key, instance: inst.name, pid, port: inst.port },
          'adopted running PostgreSQL',
        );
      }
    }
    this.adopted = true;
  }

  sorted(): Instance[] {
    return [...this.instances.values()].sort((a, b) => compareInstanceNames(a.name, b.name));
  }

  primary(): Instance | undefined {
    const named = this.meta.currentPrimary
      ? this.instances.get(this.meta.currentPrimary)
      : undefined;
    return named ?? this.sorted().find((i) => i.state.role === 'primary');
  }

  replicas(): Instance[] {
    const p = this.primary();
    return this.sorted().filter((i) => i !== p);
  }

  /** An instance's health as the last probe saw it. */
  readonly healthOf = (name: string): Health | undefined => this.health.get(name);

  /** Replicas that could be promoted now (see `readyReplicas`). */
  readyReplicas(): Instance[] {
    return readyReplicas(this.sorted(), this.primary(), this.healthOf);
  }

  /** Allocates the next serial (persisted first: never reused) and a port. */
  async newInstance(role: InstanceRole, phase: 'initializing' | 'cloning'): Promise<Instance> {
    const serial = this.meta.latestGeneratedNode + 1;
    this.meta.latestGeneratedNode = serial;
    this.saveMeta();
    const name = instanceName(this.meta.name, serial);
    const port = await allocatePort(this.connectHost);
    const inst = Instance.create(
      join(this.dir, name),
      { name, serial, port, role, phase },
      this.bin,
      this.user,
      this.fence,
    );
    this.instances.set(name, inst);
    return inst;
  }

  /** Records `next` as the primary (and every other instance as a replica). */
  setPrimary(next: Instance): void {
    for (const inst of this.instances.values())
      if (inst !== next && inst.state.role === 'primary') inst.update({ role: 'replica' });
    next.update({ role: 'primary' });
    this.meta.currentPrimary = next.name;
    this.saveMeta();
  }

  async removeInstance(inst: Instance, stopTimeoutMs: number): Promise<void> {
    await inst.discardUnfinishedWork();
    await inst.stop('fast', stopTimeoutMs);
    inst.destroy();
    releasePort(inst.port);
    this.instances.delete(inst.name);
    this.health.delete(inst.name);
  }

  async refreshHealth(): Promise<void> {
    this.runningAtHealth = this.runningSignature();
    await Promise.all(
      this.sorted().map(async (inst) => {
        const h =
          inst.state.phase === 'ready' && inst.hasData()
            ? await inst.ping(2000)
            : { running: false, ready: false };
        this.health.set(inst.name, h);
      }),
    );
  }

  /** Cheap check (pids only): which instances run. */
  runningSignature(): string {
    return this.sorted()
      .map((i) => `${i.name}:${i.isRunning() ? 'up' : 'down'}`)
      .join(',');
  }

  signature(): string {
    return this.sorted()
      .map((i) => {
        const h = this.health.get(i.name);
        return `${i.name}:${h?.running ? 'up' : 'down'}:${h?.ready ? 'ready' : 'unready'}:${h?.streaming ? 'streaming' : ''}:${i.state.role}`;
      })
      .join(',');
  }

  views(): InstanceView[] {
    return this.sorted().map((inst) => {
      const h = this.health.get(inst.name);
      const provisioning = inst.state.phase !== 'ready';
      const running = !provisioning && (h?.running ?? false);
      // A replica counts as ready only while it streams from the primary.
      const answering = h?.ready ?? false;
      const ready =
        !provisioning &&
        answering &&
        (inst.state.role === 'primary' ? h?.inRecovery === false : h?.streaming === true);
      return {
        name: inst.name,
        role: inst.state.role,
        provisioning,
        running,
        ready,
        host: this.connectHost,
        port: inst.port,
        ...(running && inst.state.pid ? { pid: inst.state.pid } : {}),
        ...(h?.timeline ? { timeline: h.timeline } : {}),
        dataDirectory: inst.pgdata,
      };
    });
  }

  /**
   * What the Cluster's stable endpoints lead to now: read-write the primary once it accepts
   * writes, read-only the ready replicas, any-instance every ready instance.
   */
  routes(): ClusterRoutes | undefined {
    const ports = this.meta.endpointPorts;
    if (!ports) return undefined;
    const views = this.views().filter((v) => v.ready);
    return {
      rw: {
        port: ports.rw,
        backends: views.filter((v) => v.role === 'primary').map((v) => v.port),
      },
      ro: {
        port: ports.ro,
        backends: views.filter((v) => v.role === 'replica').map((v) => v.port),
      },
      r: { port: ports.r, backends: views.map((v) => v.port) },
    };
  }

  async stopAll(timeoutMs: number): Promise<void> {
    await Promise.all(
      this.sorted().map(async (inst) => {
        await inst.discardUnfinishedWork();
        await inst.stop('fast', timeoutMs);
      }),
    );
  }

  /** Stops everything and removes the cluster's directory. */
  async destroy(timeoutMs: number): Promise<void> {
    await this.stopAll(timeoutMs);
    for (const inst of this.sorted()) {
      inst.destroy();
      releasePort(inst.port);
    }
    this.instances.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface ManagerOptions {
  readonly dataDir: string;
  /** The binaries a Cluster runs unless its image names another installed major. */
  readonly bin: PostgresBinaries;
  /** Every installed major (`runtime/binaries.ts` findInstalledPostgres); `bin` among them. */
  readonly installed: readonly PostgresBinaries[];
  readonly user: ServerUser;
  /** Address servers listen on (`--bind`). */
  readonly host: string;
  readonly log: Logger;
}

export class InstanceManager {
  readonly options: ManagerOptions;
  readonly runtimes = new Map<string, ClusterRuntime>();
  readonly #fence = { closed: false };

  constructor(options: ManagerOptions) {
    this.options = options;
    mkdirSync(options.dataDir, { recursive: true, mode: 0o711 });
  }

  clusterDir(namespace: string, name: string): string {
    return join(this.options.dataDir, namespace, name);
  }

  /** The binaries of an installed major, or the default ones. */
  binariesFor(major: number | undefined): PostgresBinaries {
    return this.options.installed.find((b) => b.major === major) ?? this.options.bin;
  }

  /** Loads every cluster directory found on disk (operator start). */
  loadAll(): ClusterRuntime[] {
    const { dataDir } = this.options;
    if (!existsSync(dataDir)) return [];
    for (const ns of readdirSync(dataDir, { withFileTypes: true })) {
      if (!ns.isDirectory()) continue;
      for (const c of readdirSync(join(dataDir, ns.name), { withFileTypes: true })) {
        if (!c.isDirectory()) continue;
        const dir = join(dataDir, ns.name, c.name);
        const runtime = this.#load(dir);
        if (runtime) this.runtimes.set(runtime.key, runtime);
      }
    }
    return [...this.runtimes.values()];
  }

  #load(dir: string): ClusterRuntime | undefined {
    const path = ClusterRuntime.metaPath(dir);
    if (!existsSync(path)) return undefined;
    const meta = JSON.parse(readFileSync(path, 'utf8')) as ClusterMeta;
    meta.appliedPasswords ??= {};
    // Data made before the major was recorded was made by the default binaries.
    meta.major ??= this.options.bin.major;
    const runtime = new ClusterRuntime(
      dir,
      meta,
      this.binariesFor(meta.major),
      this.options.user,
      this.options.host,
      this.#fence,
    );
    runtime.loadInstances();
    for (const port of Object.values(meta.endpointPorts ?? {})) reservePort(port);
    return runtime;
  }

  get(namespace: string, name: string): ClusterRuntime | undefined {
    return this.runtimes.get(clusterKey(namespace, name));
  }

  /**
   * The runtime of a Cluster, created on first use — with the binaries of `major` when that
   * major is installed. A directory left by an earlier Cluster of the same name (different
   * uid: deleted while no operator ran) is stopped and removed.
   */
  async runtimeFor(
    cluster: {
      metadata: { namespace: string; name: string; uid: string };
    },
    major?: number,
  ): Promise<ClusterRuntime> {
    const { namespace, name, uid } = cluster.metadata;
    const key = clusterKey(namespace, name);
    let runtime = this.runtimes.get(key);
    if (!runtime) {
      const dir = this.clusterDir(namespace, name);
      if (existsSync(dir)) runtime = this.#load(dir);
    }
    if (runtime && runtime.meta.uid !== uid) {
      this.options.log.warn(
        { cluster: key, staleUid: runtime.meta.uid },
        'removing the data of an earlier Cluster with the same name',
      );
      await runtime.destroy(10_000);
      runtime = undefined;
    }
    if (!runtime) {
      const dir = this.clusterDir(namespace, name);
      mkdirSync(join(this.options.dataDir, namespace), { recursive: true, mode: 0o711 });
      chmodSync(join(this.options.dataDir, namespace), 0o711);
      mkdirSync(dir, { recursive: true, mode: 0o711 });
      const meta: ClusterMeta = {
        version: 1,
        uid,
        namespace,
        name,
        replicationPassword: generatePassword(48),
        latestGeneratedNode: 0,
        appliedPasswords: {},
      };
      const bin = this.binariesFor(major);
      meta.major = bin.major;
      runtime = new ClusterRuntime(
        dir,
        meta,
        bin,
        this.options.user,
        this.options.host,
        this.#fence,
      );
      runtime.saveMeta();
    }
    if (!runtime.meta.endpointPorts) {
      const host = this.options.host;
      runtime.meta.endpointPorts = {
        rw: await allocateStablePort(connectHostFor(host)),
        ro: await allocateStablePort(connectHostFor(host)),
        r: await allocateStablePort(connectHostFor(host)),
      };
      runtime.saveMeta();
    }
    this.runtimes.set(key, runtime);
    return runtime;
  }

  /** The routes of every Cluster's stable endpoints, for the endpoint proxy. */
  proxyRoutes(): ProxyRoutes {
    const clusters: Record<string, ClusterRoutes> = {};
    for (const runtime of this.runtimes.values()) {
      const routes = runtime.routes();
      if (routes) clusters[runtime.key] = routes;
    }
    return { host: this.options.host, backendHost: connectHostFor(this.options.host), clusters };
  }

  async remove(namespace: string, name: string, timeoutMs: number): Promise<void> {
    const key = clusterKey(namespace, name);
    let runtime = this.runtimes.get(key);
    if (!runtime) {
      const dir = this.clusterDir(namespace, name);
      if (existsSync(dir)) runtime = this.#load(dir);
    }
    if (runtime) await runtime.destroy(timeoutMs);
    this.runtimes.delete(key);
    const nsDir = join(this.options.dataDir, namespace);
    try {
      if (readdirSync(nsDir).length === 0) rmSync(nsDir, { recursive: true, force: true });
    } catch {
      // already gone
    }
  }

  /** From now on no server starts (the operator is about to stop them all). */
  closeForStarts(): void {
    this.#fence.closed = true;
  }

  /** Stops every server (used with --stop-servers-on-exit). */
  async stopAll(timeoutMs: number): Promise<void> {
    await Promise.all([...this.runtimes.values()].map((runtime) => runtime.stopAll(timeoutMs)));
  }
}
