/**
 * The Cluster reconciler. One pass: finalizer; spec and Secrets; the primary (initdb into
 * a staging directory, bootstrap roles and the application database, then commit); a
 * dead primary → failover to the most advanced replica (or an in-place restart when there
 * is none); a user's `status.targetPrimary` → switchover; replicas (clone with
 * pg_basebackup, rejoin with pg_rewind, restart); scale down and up; role passwords;
 * configuration (reload, or restart replicas first and then the primary as
 * `primaryUpdateStrategy` / `primaryUpdateMethod` say); credential Secrets; status.
 * Deleting a Cluster stops its servers and removes their data before the finalizer goes.
 */

import type { Secret } from '../../../api/core/types.ts';
import type { JsonValue } from '../../../apimachinery/meta.ts';
import { createMergePatch } from '../../../apimachinery/patch/merge-patch.ts';
import { isAlreadyExists, isConflict, isNotFound } from '../../../controller/kube/client.ts';
import { addFinalizer, removeFinalizer } from '../../../controller/kube/finalizers.ts';
import { appSecretName, compareInstanceNames, superuserSecretName } from '../../names.ts';
import { effectiveParameters, renderHba, type StandbyConfig } from '../../runtime/config.ts';
import type { Instance } from '../../runtime/instance.ts';
import { classifyParameterChange } from '../../runtime/parameters.ts';
import { allocatePort, portIsListening } from '../../runtime/ports.ts';
import { waitUntil } from '../../runtime/process.ts';
import {
  escapeIdentifier,
  escapeLiteral,
  query,
  type SocketAddress,
  withClient,
} from '../../runtime/sql.ts';
import {
  CLUSTER_FINALIZER,
  type Cluster,
  type ClusterStatus,
  PENDING_FAILOVER_MARKER,
  Phase,
  type PhaseName,
  STREAMING_REPLICATION_USER,
} from '../../types.ts';
import { CLUSTERS, type ControllerDeps, SECRETS } from '../deps.ts';
import { type ClusterRuntime, passwordDigest } from '../instance-manager.ts';
import {
  type Credentials,
  credentialSecret,
  decode,
  generatePassword,
  isOwnedBy,
  readCredentials,
} from './secrets.ts';
import { type ResolvedSpec, resolveSpec } from './spec.ts';
import { computeStatus, OWNED_STATUS_FIELDS, steadyPhase } from './status.ts';

export interface ReconcileResult {
  readonly requeueAfterMs?: number;
}

interface ResolvedCredentials {
  /** null: superuser access disabled (password NULL). */
  readonly superuser: Credentials | null;
  readonly owner: Credentials;
  readonly versions: Record<string, string>;
}

interface Ctx {
  cluster: Cluster;
  /** Parameters to run with (see #validateParameters). */
  effective?: Record<string, string>;
  /** Why the spec's parameters are not applied. */
  configError?: string;
  spec: ResolvedSpec;
  ignored: string[];
  /** The status as last read or written. */
  status: ClusterStatus;
  rt?: ClusterRuntime;
  creds?: ResolvedCredentials;
  /** A condition that keeps the cluster from being changed (phase Waiting for user action). */
  blocked?: string;
}

class Blocked extends Error {
  readonly phase: PhaseName;
  readonly requeueAfterMs: number | undefined;
  constructor(phase: PhaseName, message: string, requeueAfterMs?: number) {
    super(message);
    this.phase = phase;
    this.requeueAfterMs = requeueAfterMs;
  }
}

const ONE_MINUTE = 60_000;
/** How long a new Cluster waits for its owner Secret before the owner gets a generated password. */
const OWNER_SECRET_GRACE_MS = 10_000;

const ageMs = (cluster: Cluster) =>
  Date.now() - Date.parse(cluster.metadata.creationTimestamp ?? new Date().toISOString());
/** How long a running replica may fail to stream before it is rewound or re-cloned. */
const REJOIN_AFTER_MS = 30_000;

export class ClusterReconciler {
  readonly #d: ControllerDeps;

  constructor(deps: ControllerDeps) {
    this.#d = deps;
  }

  async reconcile(namespace: string, name: string): Promise<ReconcileResult> {
    const cluster = this.#d.clusters.get(name, namespace);
    if (!cluster) return {};
    if (cluster.metadata.deletionTimestamp) return this.#finalize(cluster);
    const fresh = await addFinalizer(this.#d.client, CLUSTERS, cluster, CLUSTER_FINALIZER);
    if (!fresh) return {};
    const { spec, errors, ignored } = resolveSpec(fresh.spec);
    const ctx: Ctx = { cluster: fresh, spec, ignored, status: fresh.status ?? {} };
    const log = this.#d.log.child({ cluster: `${namespace}/${name}` });

    if (this.#d.environmentProblem || !this.#d.manager) {
      await this.#publish(ctx, Phase.WaitingForUser, this.#d.environmentProblem);
      return {};
    }
    const rt = await this.#d.manager.runtimeFor(fresh);
    ctx.rt = rt;
    rt.busy = true;
    try {
      await rt.adopt(log);
      await rt.refreshHealth();
      if (errors.length > 0) throw new Blocked(Phase.WaitingForUser, errors.join('; '));
      ctx.creds = await this.#resolveCredentials(ctx);
      return await this.#reconcileRunning(ctx, rt);
    } catch (err) {
      if (err instanceof Blocked) {
        await rt.refreshHealth();
        await this.#publish(ctx, err.phase, err.message);
        return err.requeueAfterMs === undefined ? {} : { requeueAfterMs: err.requeueAfterMs };
      }
      log.error({ err: (err as Error).message }, 'reconcile failed');
      await rt.refreshHealth();
      const primary = rt.primary();
      const phase: PhaseName =
        primary?.state.phase !== 'ready'
          ? Phase.FirstPrimary
          : ((ctx.status.phase as PhaseName | undefined) ?? Phase.WaitingForInstancesToBeActive);
      await this.#publish(ctx, phase, (err as Error).message).catch(() => undefined);
      throw err;
    } finally {
      rt.lastSignature = rt.signature();
      rt.lastRunning = rt.runningSignature();
      rt.busy = false;
      this.#recordGauges(ctx, rt);
    }
  }

  async #reconcileRunning(ctx: Ctx, rt: ClusterRuntime): Promise<ReconcileResult> {
    const { spec } = ctx;
    const log = this.#d.log.child({ cluster: rt.key });
    let requeueAfterMs: number | undefined;

    // 1. The first primary.
    let primary = rt.primary();
    if (primary?.state.phase !== 'ready') {
      primary = await this.#bootstrapPrimary(ctx, rt, primary);
      await rt.refreshHealth();
    }

    primary = this.#reconcileRoles(rt, primary);
    await this.#validateParameters(ctx, rt, primary, false);

    // 2. A primary that is gone: fail over, or restart it in place.
    const ph = rt.health.get(primary.name);
    if (!ph?.ready) {
      const candidates = this.#readyReplicas(rt);
      rt.primaryUnhealthySince ??= Date.now();
      const since = rt.primaryUnhealthySince;
      const waited = Date.now() - since;
      const delay = spec.failoverDelaySeconds * 1000;
      const dead = !ph?.running;
      // A running primary that does not answer gets 10 s (crash recovery) before failover.
      const hung = !dead && waited > delay + 10_000;
      if (candidates.length > 0 && (dead || hung)) {
        if (waited < delay) {
          await this.#publish(
            ctx,
            Phase.Failover,
            `primary ${primary.name} is not running; failing over in ${Math.ceil((delay - waited) / 1000)}s`,
            { targetPrimary: PENDING_FAILOVER_MARKER },
          );
          return { requeueAfterMs: Math.min(delay - waited, 5000) };
        }
        primary = await this.#failover(ctx, rt, primary);
      } else if (dead) {
        await this.#publish(ctx, Phase.InplacePrimaryRestart, `restarting primary ${primary.name}`);
        await this.#startInstance(ctx, rt, primary);
        log.info({ instance: primary.name }, 'restarted primary in place');
      } else {
        await this.#publish(
          ctx,
          Phase.WaitingForInstancesToBeActive,
          `primary ${primary.name} is not accepting connections yet`,
        );
        return { requeueAfterMs: 1000 };
      }
      await rt.refreshHealth();
    }
    rt.primaryUnhealthySince = undefined;

    // 3. Switchover requested by the user.
    const target = ctx.cluster.status?.targetPrimary;
    if (
      target &&
      target !== primary.name &&
      target !== PENDING_FAILOVER_MARKER &&
      ctx.cluster.status?.currentPrimary === primary.name
    ) {
      const next = rt.instances.get(target);
      if (next && rt.health.get(target)?.ready) {
        primary = await this.#switchover(ctx, rt, primary, next, 'requested');
      } else {
        this.#d.events.record(
          ctx.cluster,
          'Warning',
          'SwitchoverRejected',
          `cannot switch over to ${target}: it is not a ready replica of this cluster`,
        );
        await this.#writeStatus(ctx, { ...ctx.status, targetPrimary: primary.name });
      }
    }

    // 4. Replicas: finish provisioning, rejoin, start the stopped ones.
    await this.#ensureReplicas(ctx, rt, primary);

    // 5. Scale down (never the primary), then up.
    await this.#scaleDown(ctx, rt, primary);
    await this.#scaleUp(ctx, rt, primary);

    // 6. Passwords, Secrets.
    await rt.refreshHealth();
    await this.#ensureSecrets(ctx, primary);
    await this.#syncRoles(
      rt,
      primary.address,
      ctx.creds as ResolvedCredentials,
      spec,
      rt.meta.appliedPasswords,
    );
    rt.saveMeta();

    // 7. Configuration.
    const waiting = await this.#applyConfiguration(ctx, rt, primary);
    primary = rt.primary() ?? primary;

    // 8. Status.
    await rt.refreshHealth();
    const views = rt.views();
    let phase: PhaseName = steadyPhase(views, spec.instances);
    const reason = ctx.configError ?? waiting;
    if (reason) phase = Phase.WaitingForUser;
    await this.#publish(ctx, phase, reason);
    if (phase !== Phase.Healthy && !waiting)
      requeueAfterMs = Math.min(requeueAfterMs ?? 2000, 2000);
    this.#enqueueDatabases(ctx);
    return requeueAfterMs === undefined ? { requeueAfterMs: 5 * ONE_MINUTE } : { requeueAfterMs };
  }

  // ---------------------------------------------------------------- primary bootstrap

  async #bootstrapPrimary(
    ctx: Ctx,
    rt: ClusterRuntime,
    existing: Instance | undefined,
  ): Promise<Instance> {
    const { spec } = ctx;
    const creds = ctx.creds as ResolvedCredentials;
    const log = this.#d.log.child({ cluster: rt.key });
    const inst = existing ?? (await rt.newInstance('primary', 'initializing'));
    if (!existing)
      this.#d.events.record(
        ctx.cluster,
        'Normal',
        'CreatingInstance',
        `Primary instance ${inst.name} (initdb)`,
      );
    rt.meta.currentPrimary = inst.name;
    rt.saveMeta();
    await this.#publish(ctx, Phase.FirstPrimary);
    await this.#ensureSecrets(ctx, inst);
    const started = Date.now();
    await inst.discardUnfinishedWork();
    await inst.initdb({
      ...(creds.superuser ? { superuserPassword: creds.superuser.password } : {}),
      encoding: spec.encoding,
      localeCollate: spec.localeCollate,
      localeCType: spec.localeCType,
      dataChecksums: spec.dataChecksums,
      ...(spec.walSegmentSize ? { walSegmentSize: spec.walSegmentSize } : {}),
    });
    await this.#validateParameters(ctx, rt, inst, true);
    const { conf, hba } = this.#config(ctx, rt, inst, undefined);
    inst.writeConfig(conf, hba, false, true);
    await inst.start(spec.startDelaySeconds * 1000, true);
    const digests: Record<string, string> = {};
    try {
      const address: SocketAddress = inst.address;
      await this.#syncRoles(rt, address, creds, spec, digests);
      for (const sql of spec.postInitSQL) await query(address, sql);
      for (const sql of spec.postInitTemplateSQL) await query(address, sql, [], 'template1');
      const exists = await query(address, 'SELECT 1 FROM pg_database WHERE datname = $1', [
        spec.database,
      ]);
      if (exists.length === 0)
        await query(
          address,
          `CREATE DATABASE ${escapeIdentifier(spec.database)} OWNER ${escapeIdentifier(spec.owner)}`,
        );
      for (const sql of spec.postInitApplicationSQL) await query(address, sql, [], spec.database);
    } catch (err) {
      await inst.stop('immediate', 5000, true);
      throw new Error(`bootstrap of ${inst.name} failed: ${(err as Error).message}`);
    }
    await inst.stop('fast', 30_000, true);
    inst.commitStaging();
    inst.update({ phase: 'ready', role: 'primary', appliedParameters: this.#effective(ctx) });
    rt.meta.appliedPasswords = digests;
    rt.setPrimary(inst);
    await this.#startInstance(ctx, rt, inst);
    log.info(
      { instance: inst.name, port: inst.port, ms: Date.now() - started },
      'primary initialised',
    );
    this.#d.events.record(
      ctx.cluster,
      'Normal',
      'PrimaryReady',
      `Primary instance ${inst.name} is ready on port ${inst.port}`,
    );
    return inst;
  }

  // ---------------------------------------------------------------- failover / switchover

  /**
   * Makes the recorded roles match the running servers. An operator that died between a
   * promotion and recording it leaves a second server out of recovery: if the recorded
   * primary is gone, the promoted one (the most advanced, should there be several) is
   * adopted as primary; otherwise the unexpected ones are demoted (rejoined as replicas).
   */
  #reconcileRoles(rt: ClusterRuntime, recorded: Instance): Instance {
    const log = this.#d.log.child({ cluster: rt.key });
    const writable = rt
      .sorted()
      .filter((i) => i.state.phase === 'ready' && rt.health.get(i.name)?.inRecovery === false);
    const others = writable.filter((i) => i !== recorded);
    if (others.length === 0) return recorded;
    let primary = recorded;
    if (!writable.includes(recorded)) {
      const best = [...others].sort((a, b) => {
        const la = rt.health.get(a.name)?.lsn ?? -1n;
        const lb = rt.health.get(b.name)?.lsn ?? -1n;
        return la === lb ? compareInstanceNames(a.name, b.name) : la > lb ? -1 : 1;
      })[0] as Instance;
      log.warn(
        { recorded: recorded.name, running: best.name },
        'adopting the primary a previous operator promoted',
      );
      recorded.update({ phase: 'rejoining', role: 'replica' });
      rt.setPrimary(best);
      primary = best;
    }
    for (const other of others) {
      if (other === primary) continue;
      log.warn(
        { instance: other.name, primary: primary.name },
        'demoting an unexpected second primary',
      );
      other.update({ phase: 'rejoining', role: 'replica' });
    }
    return primary;
  }

  #readyReplicas(rt: ClusterRuntime): Instance[] {
    const primary = rt.primary();
    return rt
      .sorted()
      .filter(
        (i) =>
          i !== primary &&
          i.state.phase === 'ready' &&
          rt.health.get(i.name)?.ready === true &&
          rt.health.get(i.name)?.inRecovery === true,
      );
  }

  /** Promotes the most advanced ready replica; the old primary rejoins as a replica later. */
  async #failover(ctx: Ctx, rt: ClusterRuntime, old: Instance): Promise<Instance> {
    const log = this.#d.log.child({ cluster: rt.key });
    const started = Date.now();
    await this.#publish(ctx, Phase.Failover, `primary ${old.name} is not running`, {
      targetPrimary: PENDING_FAILOVER_MARKER,
    });
    this.#d.events.record(
      ctx.cluster,
      'Warning',
      'FailingOver',
      `Primary ${old.name} is not running: failing over`,
    );
    // A primary that stopped answering must not come back while another one is promoted.
    old.kill();
    await waitUntil(() => !old.isRunning(), 5000, 25);
    await rt.refreshHealth();
    const candidates = this.#readyReplicas(rt)
      .map((i) => ({ i, lsn: rt.health.get(i.name)?.lsn ?? -1n }))
      .sort((a, b) =>
        a.lsn === b.lsn ? compareInstanceNames(a.i.name, b.i.name) : a.lsn > b.lsn ? -1 : 1,
      );
    const next = candidates[0]?.i;
    if (!next) throw new Error('no ready replica to fail over to');
    await next.promote();
    old.update({ phase: 'rejoining', role: 'replica' });
    rt.setPrimary(next);
    this.#d.metrics.failovers.inc();
    await this.#repointReplicas(ctx, rt, next);
    await rt.refreshHealth();
    await this.#ensureSecrets(ctx, next);
    await this.#publish(ctx, Phase.Failover, `promoted ${next.name}`, { targetPrimary: next.name });
    log.warn({ from: old.name, to: next.name, ms: Date.now() - started }, 'failover complete');
    this.#d.events.record(
      ctx.cluster,
      'Normal',
      'FailoverCompleted',
      `Promoted ${next.name} (was ${old.name})`,
    );
    return next;
  }

  async #switchover(
    ctx: Ctx,
    rt: ClusterRuntime,
    old: Instance,
    next: Instance,
    why: 'requested' | 'restart',
  ): Promise<Instance> {
    const log = this.#d.log.child({ cluster: rt.key });
    const started = Date.now();
    await this.#publish(ctx, Phase.Switchover, `switching over from ${old.name} to ${next.name}`, {
      targetPrimary: next.name,
    });
    this.#d.events.record(
      ctx.cluster,
      'Normal',
      'SwitchingOver',
      `Switching over from ${old.name} to ${next.name}`,
    );
    await old.stop('fast', ctx.spec.switchoverDelaySeconds * 1000);
    // Every WAL record of the old primary must reach the new one before it is promoted.
    const end = await old.checkpointLsn().catch(() => undefined);
    if (end !== undefined)
      await waitUntil(async () => ((await next.ping()).lsn ?? -1n) >= end, 10_000, 50);
    await next.promote();
    old.update({ phase: 'rejoining', role: 'replica' });
    rt.setPrimary(next);
    this.#d.metrics.switchovers.inc();
    await this.#repointReplicas(ctx, rt, next);
    await this.#rejoin(ctx, rt, old, next);
    await rt.refreshHealth();
    await this.#ensureSecrets(ctx, next);
    await this.#publish(ctx, Phase.Switchover, `promoted ${next.name}`, {
      targetPrimary: next.name,
    });
    log.info(
      { from: old.name, to: next.name, why, ms: Date.now() - started },
      'switchover complete',
    );
    this.#d.events.record(
      ctx.cluster,
      'Normal',
      'SwitchoverCompleted',
      `Promoted ${next.name} (was ${old.name})`,
    );
    return next;
  }

  /** Points every running replica at the (new) primary: primary_conninfo reloads. */
  async #repointReplicas(ctx: Ctx, rt: ClusterRuntime, primary: Instance): Promise<void> {
    await Promise.all(
      rt
        .sorted()
        .filter((i) => i !== primary && i.state.phase === 'ready')
        .map(async (r) => {
          const { conf, hba } = this.#config(ctx, rt, r, primary);
          r.writeConfig(conf, hba, true);
          if (r.isRunning()) await r.reload().catch(() => undefined);
        }),
    );
  }

  /** Turns a former primary into a replica of `primary`: pg_rewind, or a fresh clone. */
  async #rejoin(ctx: Ctx, rt: ClusterRuntime, inst: Instance, primary: Instance): Promise<void> {
    const log = this.#d.log.child({ cluster: rt.key, instance: inst.name });
    await inst.stop('fast', 10_000);
    inst.update({ phase: 'rejoining', role: 'replica' });
    try {
      // A just-promoted primary records its new timeline in pg_control only at its next
      // checkpoint; pg_rewind reads it from there ("same timeline: no rewind required").
      await query(primary.address, 'CHECKPOINT');
      await inst.rewindFrom(primary.address);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'pg_rewind failed; cloning again');
      inst.removeData();
      inst.update({ phase: 'cloning' });
      await this.#clone(ctx, rt, inst, primary);
      return;
    }
    inst.update({ phase: 'ready' });
    await this.#startInstance(ctx, rt, inst);
    log.info('rejoined as a replica');
  }

  // ---------------------------------------------------------------- replicas and scaling

  async #clone(ctx: Ctx, rt: ClusterRuntime, inst: Instance, primary: Instance): Promise<void> {
    await inst.discardUnfinishedWork();
    await inst.cloneFrom({
      host: rt.connectHost,
      port: primary.port,
      user: STREAMING_REPLICATION_USER,
      password: rt.meta.replicationPassword,
    });
    inst.commitStaging();
    inst.update({ phase: 'ready', role: 'replica' });
    await this.#startInstance(ctx, rt, inst);
  }

  async #ensureReplicas(ctx: Ctx, rt: ClusterRuntime, primary: Instance): Promise<void> {
    const replicas = rt.sorted().filter((i) => i !== primary);
    await Promise.all(
      replicas.map(async (inst) => {
        const log = this.#d.log.child({ cluster: rt.key, instance: inst.name });
        try {
          if (inst.state.phase === 'rejoining') {
            await this.#rejoin(ctx, rt, inst, primary);
          } else if (inst.state.phase !== 'ready' || !inst.hasData()) {
            if (inst.state.phase === 'initializing') inst.update({ role: 'replica' });
            inst.update({ phase: 'cloning' });
            await this.#publish(ctx, Phase.CreatingReplica, `cloning ${inst.name}`);
            await this.#clone(ctx, rt, inst, primary);
          } else if (!inst.isRunning()) {
            await this.#startInstance(ctx, rt, inst);
            log.info('restarted replica');
          } else {
            await this.#healReplica(ctx, rt, inst, primary);
          }
        } catch (err) {
          log.error({ err: (err as Error).message }, 'replica not started');
        }
      }),
    );
  }

  /**
   * A replica that answers but has not streamed for REJOIN_AFTER_MS (its WAL diverged
   * from the primary's timeline, say) is rewound or cloned again.
   */
  async #healReplica(
    ctx: Ctx,
    rt: ClusterRuntime,
    inst: Instance,
    primary: Instance,
  ): Promise<void> {
    const h = rt.health.get(inst.name);
    if (!h?.ready || h.streaming || rt.health.get(primary.name)?.ready !== true) {
      rt.notStreamingSince.delete(inst.name);
      return;
    }
    const since = rt.notStreamingSince.get(inst.name) ?? Date.now();
    rt.notStreamingSince.set(inst.name, since);
    if (Date.now() - since < REJOIN_AFTER_MS) return;
    rt.notStreamingSince.delete(inst.name);
    this.#d.log.warn(
      { cluster: rt.key, instance: inst.name },
      'replica does not stream from the primary; rejoining',
    );
    await this.#rejoin(ctx, rt, inst, primary);
  }

  async #scaleDown(ctx: Ctx, rt: ClusterRuntime, primary: Instance): Promise<void> {
    const excess = rt.instances.size - ctx.spec.instances;
    if (excess <= 0) return;
    const victims = rt
      .sorted()
      .filter((i) => i !== primary)
      .sort((a, b) => {
        const ra = rt.health.get(a.name)?.ready ? 1 : 0;
        const rb = rt.health.get(b.name)?.ready ? 1 : 0;
        return ra !== rb ? ra - rb : b.state.serial - a.state.serial;
      })
      .slice(0, excess);
    for (const v of victims) {
      await rt.removeInstance(v, 10_000);
      this.#d.events.record(
        ctx.cluster,
        'Normal',
        'DeletingInstance',
        `Removed instance ${v.name} (scale down)`,
      );
    }
  }

  async #scaleUp(ctx: Ctx, rt: ClusterRuntime, primary: Instance): Promise<void> {
    const missing = ctx.spec.instances - rt.instances.size;
    if (missing <= 0) return;
    const created: Instance[] = [];
    for (let n = 0; n < missing; n++) created.push(await rt.newInstance('replica', 'cloning'));
    await this.#publish(
      ctx,
      Phase.CreatingReplica,
      `creating ${created.map((i) => i.name).join(', ')}`,
    );
    await Promise.all(
      created.map(async (inst) => {
        this.#d.events.record(
          ctx.cluster,
          'Normal',
          'CreatingInstance',
          `Replica instance ${inst.name} (pg_basebackup)`,
        );
        await this.#clone(ctx, rt, inst, primary);
      }),
    );
  }

  // ---------------------------------------------------------------- configuration

  /** The parameters instances run with: the spec's, or the last good ones while the spec's are invalid. */
  #effective(ctx: Ctx): Record<string, string> {
    return (
      ctx.effective ??
      effectiveParameters({
        parameters: ctx.spec.parameters,
        sharedPreloadLibraries: ctx.spec.sharedPreloadLibraries,
      })
    );
  }

  /**
   * Checks the spec's parameters with `postgres -C` against `inst`'s data directory before
   * any server sees them. Invalid ones are reported and the last good set stays in use.
   */
  async #validateParameters(
    ctx: Ctx,
    rt: ClusterRuntime,
    inst: Instance,
    staging: boolean,
  ): Promise<void> {
    const desired = effectiveParameters({
      parameters: ctx.spec.parameters,
      sharedPreloadLibraries: ctx.spec.sharedPreloadLibraries,
    });
    ctx.effective = desired;
    const { conf } = this.#config(ctx, rt, inst, undefined);
    const errors = await inst.validateConfig(conf, staging);
    if (errors.length === 0) return;
    ctx.configError = `invalid spec.postgresql.parameters: ${errors.join('; ')}`;
    const last = inst.state.appliedParameters;
    if (!last) throw new Blocked(Phase.WaitingForUser, ctx.configError);
    ctx.effective = last;
  }

  #config(
    ctx: Ctx,
    rt: ClusterRuntime,
    inst: Instance,
    primary: Instance | undefined,
  ): { conf: string; hba: string } {
    const standby: StandbyConfig | undefined = primary
      ? {
          primaryHost: rt.connectHost,
          primaryPort: primary.port,
          user: STREAMING_REPLICATION_USER,
          password: rt.meta.replicationPassword,
          applicationName: inst.name,
        }
      : undefined;
    const conf = inst.renderConfig({
      listenAddress: rt.host === '0.0.0.0' || rt.host === '::' ? '*' : rt.host,
      parameters: this.#effective(ctx),
      ...(standby ? { standby } : {}),
    });
    return { conf, hba: renderHba(STREAMING_REPLICATION_USER, ctx.spec.pgHba) };
  }

  /**
   * Starts an instance with its configuration written first. A port taken by another
   * program meanwhile gets the instance a new port.
   */
  async #startInstance(ctx: Ctx, rt: ClusterRuntime, inst: Instance): Promise<void> {
    const primary = rt.primary();
    const isPrimary = primary === inst;
    for (let attempt = 0; ; attempt++) {
      const { conf, hba } = this.#config(ctx, rt, inst, isPrimary ? undefined : primary);
      inst.writeConfig(conf, hba, !isPrimary);
      inst.update({ appliedParameters: this.#effective(ctx), pendingRestart: undefined });
      try {
        await inst.start(ctx.spec.startDelaySeconds * 1000);
        // A replica is ready once it streams; give it a moment to connect.
        if (!isPrimary && primary?.isRunning())
          await waitUntil(async () => (await inst.ping()).streaming === true, 5000, 50);
        return;
      } catch (err) {
        if (attempt === 0 && !inst.isRunning() && (await portIsListening(inst.port))) {
          const port = await allocatePort();
          this.#d.log.warn(
            { instance: inst.name, old: inst.port, port },
            'port taken by another program; moving',
          );
          inst.update({ port });
          continue;
        }
        throw err;
      }
    }
  }

  /**
   * Brings every instance's configuration up to date. Reload-only changes are reloaded;
   * restart-only ones restart the replicas first, then the primary in place
   * (unsupervised/restart), by a switchover (unsupervised/switchover), or not at all until
   * the user switches over (supervised: returns the reason for "Waiting for user action").
   */
  async #applyConfiguration(
    ctx: Ctx,
    rt: ClusterRuntime,
    primaryIn: Instance,
  ): Promise<string | undefined> {
    const log = this.#d.log.child({ cluster: rt.key });
    const effective = this.#effective(ctx);
    const primary = primaryIn;
    const needRestart: Instance[] = [];
    for (const inst of rt.sorted()) {
      if (inst.state.phase !== 'ready' || !inst.isRunning()) continue;
      const isPrimary = inst === primary;
      const { conf, hba } = this.#config(ctx, rt, inst, isPrimary ? undefined : primary);
      const current = inst.readConfig();
      const pending = inst.state.pendingRestart === true;
      if (current.conf === conf && current.hba === hba && current.standby === !isPrimary) {
        if (pending) needRestart.push(inst);
        continue;
      }
      const before = inst.state.appliedParameters ?? {};
      inst.writeConfig(conf, hba, !isPrimary);
      await inst.reload();
      const errors = await inst.configErrors();
      if (errors.length > 0) {
        log.warn({ instance: inst.name, errors }, 'configuration rejected');
        throw new Blocked(
          Phase.WaitingForUser,
          `PostgreSQL rejected the configuration: ${errors.join('; ')}`,
        );
      }
      const change = classifyParameterChange(before, effective);
      const serverPending = await inst.pendingRestart();
      inst.update({ appliedParameters: effective });
      if (change.restart.length > 0 || serverPending.length > 0) {
        inst.update({ pendingRestart: true });
        needRestart.push(inst);
        log.info(
          { instance: inst.name, restart: [...new Set([...change.restart, ...serverPending])] },
          'restart needed',
        );
      } else if (change.reload.length > 0) {
        log.info({ instance: inst.name, reload: change.reload }, 'configuration reloaded');
      }
    }
    if (needRestart.length === 0) return undefined;
    await this.#publish(
      ctx,
      Phase.ApplyingConfiguration,
      'restarting instances for restart-only parameters',
    );
    for (const inst of needRestart.filter((i) => i !== primary)) {
      await inst.stop('fast', ctx.spec.stopDelaySeconds * 1000);
      await this.#startInstance(ctx, rt, inst);
    }
    if (!needRestart.includes(primary)) return undefined;
    if (ctx.spec.primaryUpdateStrategy === 'supervised')
      return `restart-only parameters changed: switch over to a replica (set status.targetPrimary) to apply them to ${primary.name}`;
    await rt.refreshHealth();
    const replica = this.#readyReplicas(rt)[0];
    if (ctx.spec.primaryUpdateMethod === 'switchover' && replica) {
      await this.#switchover(ctx, rt, primary, replica, 'restart');
      return undefined;
    }
    await this.#publish(
      ctx,
      Phase.InplacePrimaryRestart,
      `restarting ${primary.name} for restart-only parameters`,
    );
    await primary.stop('fast', ctx.spec.stopDelaySeconds * 1000);
    await this.#startInstance(ctx, rt, primary);
    return undefined;
  }

  // ---------------------------------------------------------------- credentials

  async #secret(namespace: string, name: string, direct: boolean): Promise<Secret | undefined> {
    const cached = this.#d.secrets.get(name, namespace);
    if (cached || !direct) return cached;
    return this.#d.client.getOrUndefined<Secret>(SECRETS, namespace, name);
  }

  async #resolveCredentials(ctx: Ctx): Promise<ResolvedCredentials> {
    const { spec, cluster } = ctx;
    const ns = cluster.metadata.namespace;
    const versions: Record<string, string> = {};
    let superuser: Credentials | null = null;
    if (spec.enableSuperuserAccess) {
      if (spec.superuserSecret) {
        const s = await this.#secret(ns, spec.superuserSecret, false);
        const r = readCredentials(s, spec.superuserSecret, 'postgres');
        if (!r.ok) {
          throw r.missing
            ? new Blocked(
                this.#hasPrimary(ctx) ? Phase.WaitingForUser : Phase.FirstPrimary,
                `waiting for Secret ${spec.superuserSecret} (spec.superuserSecret)`,
                10_000,
              )
            : new Blocked(Phase.WaitingForUser, r.message);
        }
        superuser = r.credentials;
        if (s?.metadata.resourceVersion)
          versions.superuserSecretVersion = s.metadata.resourceVersion;
      } else {
        const name = superuserSecretName(cluster.metadata.name);
        const s = await this.#secret(ns, name, true);
        const password = decode(s?.data?.password);
        superuser = { username: 'postgres', password: password || generatePassword() };
        if (s?.metadata.resourceVersion)
          versions.superuserSecretVersion = s.metadata.resourceVersion;
      }
    }
    let owner: Credentials | undefined;
    if (spec.ownerSecret) {
      const s = await this.#secret(ns, spec.ownerSecret, false);
      if (s) {
        const r = readCredentials(s, spec.ownerSecret, spec.owner);
        if (!r.ok) throw new Blocked(Phase.WaitingForUser, r.message);
        owner = r.credentials;
        if (s.metadata.resourceVersion)
          versions.applicationSecretVersion = s.metadata.resourceVersion;
      }
      // A missing owner Secret is tolerated, as CloudNativePG does: the owner gets a
      // generated password (kept in <cluster>-app) until the Secret appears. Before the
      // first primary exists it is given a moment, though: a Secret applied together with
      // its Cluster (or carried down just after it by a sync agent) then sets the password
      // from the start, and the credentials are right when the Cluster reports Ready.
      else if (!this.#hasPrimary(ctx) && ageMs(cluster) < OWNER_SECRET_GRACE_MS) {
        throw new Blocked(
          Phase.FirstPrimary,
          `waiting for Secret ${spec.ownerSecret} (spec.bootstrap.initdb.secret)`,
          500,
        );
      }
    }
    if (!owner) {
      const name = appSecretName(cluster.metadata.name);
      const s = await this.#secret(ns, name, true);
      const password = s && isOwnedBy(s, cluster) ? decode(s.data?.password) : undefined;
      owner = { username: spec.owner, password: password || generatePassword() };
      if (s?.metadata.resourceVersion)
        versions.applicationSecretVersion = s.metadata.resourceVersion;
    }
    return { superuser, owner, versions };
  }

  #hasPrimary(ctx: Ctx): boolean {
    return ctx.rt?.primary()?.state.phase === 'ready';
  }

  /** Writes `<cluster>-superuser` (generated only) and `<cluster>-app` (always, see secrets.ts). */
  async #ensureSecrets(ctx: Ctx, primary: Instance): Promise<void> {
    const { cluster, spec } = ctx;
    const creds = ctx.creds as ResolvedCredentials;
    const ns = cluster.metadata.namespace;
    const host = this.#d.host;
    const superName = superuserSecretName(cluster.metadata.name);
    if (spec.enableSuperuserAccess && !spec.superuserSecret && creds.superuser) {
      const stored = await this.#upsertSecret(
        ctx,
        credentialSecret(cluster, superName, 'superuser', creds.superuser, {
          host,
          port: primary.port,
          dbname: '*',
        }),
      );
      if (stored && decode(stored.data?.password) !== creds.superuser.password)
        ctx.creds = {
          ...creds,
          superuser: { username: 'postgres', password: decode(stored.data?.password) as string },
        };
    } else if (!spec.enableSuperuserAccess || spec.superuserSecret) {
      const existing = this.#d.secrets.get(superName, ns);
      if (existing && isOwnedBy(existing, cluster) && superName !== spec.superuserSecret)
        await this.#d.client.delete(SECRETS, ns, superName);
    }
    const appName = appSecretName(cluster.metadata.name);
    if (spec.ownerSecret !== appName) {
      const current = ctx.creds as ResolvedCredentials;
      const stored = await this.#upsertSecret(
        ctx,
        credentialSecret(cluster, appName, 'app', current.owner, {
          host,
          port: primary.port,
          dbname: spec.database,
        }),
      );
      if (stored && !spec.ownerSecret && decode(stored.data?.password) !== current.owner.password)
        ctx.creds = {
          ...current,
          owner: { username: spec.owner, password: decode(stored.data?.password) as string },
        };
    }
  }

  /**
   * Creates or updates an operator-owned Secret. A Secret of that name the Cluster does
   * not own is left alone. Returns what the server holds.
   */
  async #upsertSecret(ctx: Ctx, desired: Secret): Promise<Secret | undefined> {
    const ns = desired.metadata.namespace as string;
    const name = desired.metadata.name as string;
    for (let attempt = 0; attempt < 3; attempt++) {
      const existing = await this.#secret(ns, name, true);
      if (!existing) {
        try {
          return await this.#d.client.create<Secret>(SECRETS, ns, desired);
        } catch (err) {
          if (!isAlreadyExists(err)) throw err;
          // Someone (an earlier pass of this operator) created it first: keep its password,
          // unless the Secret is not the Cluster's (then it is left alone, as below).
          const now = await this.#d.client.getOrUndefined<Secret>(SECRETS, ns, name);
          return now && isOwnedBy(now, ctx.cluster) ? now : undefined;
        }
      }
      if (!isOwnedBy(existing, ctx.cluster)) return undefined;
      const sorted = (o: Record<string, string> | undefined) =>
        JSON.stringify(Object.entries(o ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      const same =
        sorted(existing.data) === sorted(desired.data) &&
        existing.type === desired.type &&
        JSON.stringify(existing.metadata.labels ?? {}) ===
          JSON.stringify({ ...(existing.metadata.labels ?? {}), ...desired.metadata.labels });
      if (same) return existing;
      try {
        return await this.#d.client.update<Secret>(SECRETS, ns, name, {
          ...desired,
          metadata: {
            ...existing.metadata,
            labels: { ...(existing.metadata.labels ?? {}), ...desired.metadata.labels },
            ownerReferences: desired.metadata.ownerReferences,
          },
        });
      } catch (err) {
        if (isConflict(err) || isNotFound(err)) continue;
        throw err;
      }
    }
    return undefined;
  }

  /** Sets the passwords of postgres (or NULL), the owner and the replication role. */
  async #syncRoles(
    rt: ClusterRuntime,
    address: SocketAddress,
    creds: ResolvedCredentials,
    spec: ResolvedSpec,
    applied: Record<string, string>,
  ): Promise<void> {
    const roles: { role: string; password: string | null; options: string }[] = [
      {
        role: STREAMING_REPLICATION_USER,
        password: rt.meta.replicationPassword,
        options: 'LOGIN REPLICATION',
      },
      { role: 'postgres', password: creds.superuser?.password ?? null, options: '' },
      { role: spec.owner, password: creds.owner.password, options: 'LOGIN' },
    ];
    const todo = roles.filter((r) => applied[r.role] !== passwordDigest(r.role, r.password));
    if (todo.length === 0) return;
    await withClient(address, 'postgres', async (c) => {
      for (const r of todo) {
        const exists = (await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [r.role]))
          .rowCount;
        const pw = r.password === null ? 'PASSWORD NULL' : `PASSWORD ${escapeLiteral(r.password)}`;
        const verb = exists ? 'ALTER' : 'CREATE';
        await c.query(`${verb} ROLE ${escapeIdentifier(r.role)} WITH ${r.options} ${pw}`);
        applied[r.role] = passwordDigest(r.role, r.password);
      }
    });
  }

  // ---------------------------------------------------------------- status

  async #publish(
    ctx: Ctx,
    phase: PhaseName,
    reason?: string,
    override: { targetPrimary?: string } = {},
  ): Promise<void> {
    const rt = ctx.rt;
    const views = rt ? rt.views() : [];
    const primary = rt?.primary();
    const current = primary && primary.state.phase === 'ready' ? primary.name : undefined;
    // A switchover the user asked for (and this pass has not seen yet) is kept.
    const requested = ctx.status.targetPrimary;
    const userRequest =
      requested &&
      requested !== PENDING_FAILOVER_MARKER &&
      requested !== current &&
      rt?.instances.has(requested) &&
      ctx.status.currentPrimary === current
        ? requested
        : undefined;
    const target = override.targetPrimary ?? userRequest ?? primary?.name;
    const status = computeStatus({
      clusterName: ctx.cluster.metadata.name,
      previous: ctx.status,
      instances: views,
      ...(current ? { currentPrimary: current } : {}),
      ...(target ? { targetPrimary: target } : {}),
      phase,
      ...(reason ? { phaseReason: reason } : {}),
      latestGeneratedNode: rt?.meta.latestGeneratedNode ?? 0,
      ignoredFields: ctx.ignored,
      ...(ctx.creds ? { secretsResourceVersion: ctx.creds.versions } : {}),
      now: new Date(),
    });
    await this.#writeStatus(ctx, status);
  }

  async #writeStatus(ctx: Ctx, next: ClusterStatus): Promise<void> {
    const owned = (s: ClusterStatus) => {
      const out: Record<string, unknown> = {};
      for (const f of OWNED_STATUS_FIELDS) if (s[f] !== undefined) out[f] = s[f];
      return JSON.parse(JSON.stringify(out)) as JsonValue;
    };
    const patch = createMergePatch(owned(ctx.status), owned(next));
    if (patch === undefined) return;
    const { namespace, name } = ctx.cluster.metadata;
    try {
      const updated = await this.#d.client.patch<Cluster>(
        CLUSTERS,
        namespace,
        name,
        { status: patch },
        { subresource: 'status' },
      );
      ctx.status = updated.status ?? {};
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }

  #recordGauges(ctx: Ctx, rt: ClusterRuntime): void {
    const g = this.#d.metrics.instances;
    const { namespace, name } = ctx.cluster.metadata;
    for (const role of ['primary', 'replica'])
      for (const ready of ['true', 'false']) g.set({ namespace, cluster: name, role, ready }, 0);
    for (const v of rt.views())
      g.inc({ namespace, cluster: name, role: v.role, ready: String(v.ready) });
  }

  #enqueueDatabases(ctx: Ctx): void {
    const { namespace, name } = ctx.cluster.metadata;
    for (const db of this.#d.databases.list(namespace))
      if (
        db.spec?.cluster?.name === name &&
        (db.status?.applied !== true || db.status.observedGeneration !== db.metadata.generation)
      )
        this.#d.enqueueDatabase(namespace, db.metadata.name);
  }

  // ---------------------------------------------------------------- finalizer

  async #finalize(cluster: Cluster): Promise<ReconcileResult> {
    const { namespace, name } = cluster.metadata;
    const log = this.#d.log.child({ cluster: `${namespace}/${name}` });
    if (!(cluster.metadata.finalizers ?? []).includes(CLUSTER_FINALIZER)) return {};
    if (this.#d.manager) {
      const rt = this.#d.manager.get(namespace, name);
      if (rt) rt.busy = true;
      await this.#d.manager.remove(namespace, name, 10_000);
    }
    for (const secretName of [superuserSecretName(name), appSecretName(name)]) {
      const s = await this.#secret(namespace, secretName, true);
      if (s && isOwnedBy(s, cluster)) await this.#d.client.delete(SECRETS, namespace, secretName);
    }
    await removeFinalizer(this.#d.client, CLUSTERS, cluster, CLUSTER_FINALIZER);
    log.info('cluster deleted: servers stopped, data removed');
    for (const db of this.#d.databases.list(namespace))
      if (db.spec?.cluster?.name === name) this.#d.enqueueDatabase(namespace, db.metadata.name);
    return {};
  }
}
