/**
 * The Cluster controller: one pass per queued Cluster (the operator's work queue and
 * caches, `operator.ts`, call `reconcile`). A pass adds the finalizer, resolves the spec
 * and credentials, and then walks the steps below in order, each in its section module:
 *
 *   1. the first primary             bootstrap.ts
 *   2. a primary that is gone        failover.ts (failover, or restart in place)
 *   3. a switchover the user asked   failover.ts
 *   4. replicas                      replicas.ts (provision, rejoin, start, heal)
 *   5. scale down, then up           replicas.ts
 *   6. passwords and Secrets         credentials.ts
 *   7. configuration                 configuration.ts (reload, or restart as the spec says)
 *   8. status                        pass.ts (also written on the way, to show progress)
 *
 * What to do at each step is decided by the functions of cluster-reconcile.ts, which only
 * look at what was observed; this file and the section modules carry it out. Deleting a
 * Cluster is finalizer.ts.
 */
import { addFinalizer } from '../../../controller/kube/finalizers.ts';
import type { Instance } from '../../runtime/instance.ts';
import { CLUSTER_FINALIZER, PENDING_FAILOVER_MARKER, Phase } from '../../types.ts';
import { CLUSTERS, type ControllerDeps } from '../deps.ts';
import type { ClusterRuntime } from '../instance-manager.ts';
import { bootstrapPrimary } from './bootstrap.ts';
import {
  Blocked,
  endOfPass,
  type PrimaryDecision,
  phaseAfterError,
  planPrimary,
  planSwitchover,
  resolveCredentials,
} from './cluster-reconcile.ts';
import { applyConfiguration, startInstance, validateParameters } from './configuration.ts';
import { ensureSecrets, secretLookup, syncRoles } from './credentials.ts';
import { adoptRoles, failover, switchover } from './failover.ts';
import { finalizeCluster } from './finalizer.ts';
import { imageMajor, imageNote } from './image.ts';
import { ClusterPass } from './pass.ts';
import { ensureReplicas, scaleDown, scaleUp } from './replicas.ts';
import { generatePassword } from './secrets.ts';
import { resolveSpec } from './spec.ts';
import { steadyPhase } from './status.ts';

export interface ReconcileResult {
  readonly requeueAfterMs?: number;
}

/** The longest wait before a pending failover is looked at again. */
const FAILOVER_POLL_MS = 5000;
/** How soon a primary that runs but does not answer yet is looked at again. */
const PRIMARY_POLL_MS = 1000;

export class ClusterController {
  readonly #deps: ControllerDeps;

  constructor(deps: ControllerDeps) {
    this.#deps = deps;
  }

  async reconcile(namespace: string, name: string): Promise<ReconcileResult> {
    const deps = this.#deps;
    const cluster = deps.clusters.get(name, namespace);
    if (!cluster) return {};
    if (cluster.metadata.deletionTimestamp) {
      await finalizeCluster(deps, cluster);
      return {};
    }
    const fresh = await addFinalizer(deps.client, CLUSTERS, cluster, CLUSTER_FINALIZER);
    if (!fresh) return {};
    const { spec, errors, ignored } = resolveSpec(fresh.spec);
    const pass = new ClusterPass(deps, fresh, spec, ignored);

    if (deps.environmentProblem || !deps.manager) {
      await pass.publish(Phase.WaitingForUser, deps.environmentProblem);
      return {};
    }
    const imageName = fresh.spec?.imageName;
    const runtime = await deps.manager.runtimeFor(
      fresh,
      imageName ? imageMajor(imageName) : undefined,
    );
    pass.runtime = runtime;
    const image = imageNote({
      imageName,
      installed: deps.manager.options.installed,
      dataMajor: runtime.bin.major,
    });
    if (image) pass.notHonoured(`imageName (${image})`);
    runtime.busy = true;
    try {
      await runtime.adopt(pass.log);
      await runtime.refreshHealth();
      if (errors.length > 0) throw new Blocked(Phase.WaitingForUser, errors.join('; '));
      pass.credentials = await resolveCredentials({
        cluster: fresh,
        spec,
        hasPrimary: runtime.primary()?.state.phase === 'ready',
        now: Date.now(),
        secret: secretLookup(deps, namespace),
        generatePassword,
      });
      return await this.#reconcileRunning(pass, runtime);
    } catch (err) {
      if (err instanceof Blocked) {
        await runtime.refreshHealth();
        await pass.publish(err.phase, err.message);
        return err.requeueAfterMs === undefined ? {} : { requeueAfterMs: err.requeueAfterMs };
      }
      pass.log.error({ err: (err as Error).message }, 'reconcile failed');
      await runtime.refreshHealth();
      const phase = phaseAfterError(runtime.primary()?.state.phase === 'ready', pass.status);
      await pass.publish(phase, (err as Error).message).catch(() => undefined);
      throw err;
    } finally {
      runtime.lastSignature = runtime.signature();
      runtime.lastRunning = runtime.runningAtHealth;
      runtime.busy = false;
      this.#recordGauges(pass, runtime);
    }
  }

  async #reconcileRunning(pass: ClusterPass, runtime: ClusterRuntime): Promise<ReconcileResult> {
    const { spec } = pass;

    // 1. The first primary.
    let primary = runtime.primary();
    if (primary?.state.phase !== 'ready') {
      primary = await bootstrapPrimary(pass, runtime, primary);
      await runtime.refreshHealth();
    }

    primary = adoptRoles(pass, runtime, primary);

    // 2. A primary that is gone: fail over, or restart it in place.
    const primaryHealth = runtime.health.get(primary.name);
    let decision: PrimaryDecision | undefined;
    if (!primaryHealth?.ready) {
      runtime.primaryUnhealthySince ??= Date.now();
      decision = planPrimary({
        health: primaryHealth,
        readyReplicas: runtime.readyReplicas().length,
        unhealthySince: runtime.primaryUnhealthySince,
        now: Date.now(),
        failoverDelayMs: spec.failoverDelaySeconds * 1000,
      });
    }
    // A failover does not wait for the spec's parameters to be checked (`postgres -C`
    // starts a process: a tenth of a second on a busy machine, while no write is taken):
    // the promoted server keeps the parameters the servers run with, and the check follows.
    const applied = primary.state.appliedParameters;
    const checkAfterFailover = decision?.action === 'failover' && applied !== undefined;
    if (checkAfterFailover) pass.effective = applied;
    else await validateParameters(pass, runtime, primary, false);
    if (decision) {
      switch (decision.action) {
        case 'wait-for-failover':
          await pass.publish(
            Phase.Failover,
            `primary ${primary.name} is not running; failing over in ${Math.ceil(decision.remainingMs / 1000)}s`,
            { targetPrimary: PENDING_FAILOVER_MARKER },
          );
          return { requeueAfterMs: Math.min(decision.remainingMs, FAILOVER_POLL_MS) };
        case 'failover':
          primary = await failover(pass, runtime, primary);
          if (checkAfterFailover) await validateParameters(pass, runtime, primary, false);
          break;
        case 'restart-in-place':
          await pass.publish(Phase.InplacePrimaryRestart, `restarting primary ${primary.name}`);
          await startInstance(pass, runtime, primary);
          pass.log.info({ instance: primary.name }, 'restarted primary in place');
          break;
        case 'wait-for-primary':
          await pass.publish(
            Phase.WaitingForInstancesToBeActive,
            `primary ${primary.name} is not accepting connections yet`,
          );
          return { requeueAfterMs: PRIMARY_POLL_MS };
        case 'none':
          break;
      }
      await runtime.refreshHealth();
    }
    runtime.primaryUnhealthySince = undefined;

    // 3. Switchover requested by the user.
    primary = await this.#requestedSwitchover(pass, runtime, primary);

    // 4. Replicas: finish provisioning, rejoin, start the stopped ones.
    await ensureReplicas(pass, runtime, primary);

    // 5. Scale down (never the primary), then up.
    await scaleDown(pass, runtime, primary);
    await scaleUp(pass, runtime, primary);

    // 6. Passwords, Secrets.
    await runtime.refreshHealth();
    await ensureSecrets(pass, primary);
    await syncRoles(
      runtime,
      primary.address,
      pass.credentials,
      spec,
      runtime.meta.appliedPasswords,
    );
    runtime.saveMeta();

    // 7. Configuration.
    const configuration = await applyConfiguration(pass, runtime, primary);
    if (configuration.next === 'switchover')
      await switchover(pass, runtime, primary, configuration.to, 'restart');
    const waitingForUser =
      configuration.next === 'wait-for-user' ? configuration.reason : undefined;

    // 8. Status.
    await runtime.refreshHealth();
    const end = endOfPass({
      steady: steadyPhase(runtime.views(), spec.instances),
      configError: pass.configError,
      waitingForUser,
      primaryRunning: runtime.health.get(primary.name)?.running === true,
    });
    await pass.publish(end.phase, end.reason);
    this.#enqueueDatabases(pass);
    return { requeueAfterMs: end.requeueAfterMs };
  }

  async #requestedSwitchover(
    pass: ClusterPass,
    runtime: ClusterRuntime,
    primary: Instance,
  ): Promise<Instance> {
    const decision = planSwitchover({
      status: pass.cluster.status,
      primary: primary.name,
      isReadyInstance: (name) =>
        runtime.instances.has(name) && runtime.health.get(name)?.ready === true,
    });
    if (decision.action === 'none') return primary;
    const next = runtime.instances.get(decision.target);
    if (decision.action === 'switchover' && next) {
      return switchover(pass, runtime, primary, next, 'requested');
    }
    pass.event(
      'Warning',
      'SwitchoverRejected',
      `cannot switch over to ${decision.target}: it is not a ready replica of this cluster`,
    );
    await pass.writeStatus({ ...pass.status, targetPrimary: primary.name });
    return primary;
  }

  #recordGauges(pass: ClusterPass, runtime: ClusterRuntime): void {
    const gauge = this.#deps.metrics.instances;
    const { namespace, name } = pass.cluster.metadata;
    for (const role of ['primary', 'replica'])
      for (const ready of ['true', 'false'])
        gauge.set({ namespace, cluster: name, role, ready }, 0);
    for (const view of runtime.views())
      gauge.inc({ namespace, cluster: name, role: view.role, ready: String(view.ready) });
  }

  /** Databases of this Cluster not yet applied at their generation get another look. */
  #enqueueDatabases(pass: ClusterPass): void {
    const { namespace, name } = pass.cluster.metadata;
    for (const db of this.#deps.databases.list(namespace))
      if (
        db.spec?.cluster?.name === name &&
        (db.status?.applied !== true || db.status.observedGeneration !== db.metadata.generation)
      )
        this.#deps.enqueueDatabase(namespace, db.metadata.name);
  }
}
