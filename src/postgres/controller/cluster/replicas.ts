/**
 * Replicas of a Cluster: cloning with pg_basebackup, rejoining a former primary (pg_rewind,
 * or a fresh clone), pointing replicas at a new primary, starting stopped ones, healing
 * one that stopped streaming, and scaling down and up.
 */

import type { Instance } from '../../runtime/instance.ts';
import { query } from '../../runtime/sql.ts';
import { Phase, STREAMING_REPLICATION_USER } from '../../types.ts';
import type { ClusterRuntime } from '../instance-manager.ts';
import { planReplica, scaleDownVictims, streamingCheck } from './cluster-reconcile.ts';
import { renderConfig, startInstance } from './configuration.ts';
import type { ClusterPass } from './pass.ts';

/** Clones `inst` from `primary` into a staging directory, commits it and starts it. */
async function clone(
  pass: ClusterPass,
  runtime: ClusterRuntime,
  inst: Instance,
  primary: Instance,
): Promise<void> {
  await inst.discardUnfinishedWork();
  await inst.cloneFrom({
    host: runtime.connectHost,
    port: primary.port,
    user: STREAMING_REPLICATION_USER,
    password: runtime.meta.replicationPassword,
  });
  inst.commitStaging();
  inst.update({ phase: 'ready', role: 'replica' });
  await startInstance(pass, runtime, inst);
}

/**
 * Points every provisioned replica (but `except`, the primary being replaced) at the (new)
 * primary: primary_conninfo reloads. Done while `primary` is still being promoted, they
 * stream from it as a standby (cascading replication) and follow it onto its new timeline,
 * so a synchronous standby is there for its first commit.
 */
export async function repointReplicas(
  pass: ClusterPass,
  runtime: ClusterRuntime,
  primary: Instance,
  except?: Instance,
): Promise<void> {
  await Promise.all(
    runtime
      .sorted()
      .filter((i) => i !== primary && i !== except && i.state.phase === 'ready')
      .map(async (replica) => {
        const { conf, hba } = renderConfig(pass, runtime, replica, primary);
        replica.writeConfig(conf, hba, true);
        if (replica.isRunning()) await replica.reload().catch(() => undefined);
      }),
  );
}

/** Turns a former primary into a replica of `primary`: pg_rewind, or a fresh clone. */
export async function rejoin(
  pass: ClusterPass,
  runtime: ClusterRuntime,
  inst: Instance,
  primary: Instance,
): Promise<void> {
  const log = pass.log.child({ instance: inst.name });
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
    await clone(pass, runtime, inst, primary);
    return;
  }
  inst.update({ phase: 'ready' });
  await startInstance(pass, runtime, inst);
  log.info('rejoined as a replica');
}

/**
 * Every replica's next step (see `planReplica`), all at once; a replica that fails is
 * logged and tried again on the next pass, without holding up the others.
 */
export async function ensureReplicas(
  pass: ClusterPass,
  runtime: ClusterRuntime,
  primary: Instance,
): Promise<void> {
  const replicas = runtime.sorted().filter((i) => i !== primary);
  await Promise.all(
    replicas.map(async (inst) => {
      const log = pass.log.child({ instance: inst.name });
      try {
        const action = planReplica({
          phase: inst.state.phase,
          hasData: inst.state.phase === 'ready' && inst.hasData(),
          running: inst.isRunning(),
        });
        switch (action) {
          case 'rejoin':
            await rejoin(pass, runtime, inst, primary);
            break;
          case 'clone':
            if (inst.state.phase === 'initializing') inst.update({ role: 'replica' });
            inst.update({ phase: 'cloning' });
            await pass.publish(Phase.CreatingReplica, `cloning ${inst.name}`);
            await clone(pass, runtime, inst, primary);
            break;
          case 'start':
            await startInstance(pass, runtime, inst);
            log.info('restarted replica');
            break;
          case 'check-streaming':
            await healReplica(pass, runtime, inst, primary);
            break;
        }
      } catch (err) {
        log.error({ err: (err as Error).message }, 'replica not started');
      }
    }),
  );
}

/** Rejoins a replica that answers but has not streamed for a while (see `streamingCheck`). */
async function healReplica(
  pass: ClusterPass,
  runtime: ClusterRuntime,
  inst: Instance,
  primary: Instance,
): Promise<void> {
  const check = streamingCheck({
    replica: runtime.health.get(inst.name),
    primaryReady: runtime.health.get(primary.name)?.ready === true,
    notStreamingSince: runtime.notStreamingSince.get(inst.name),
    now: Date.now(),
  });
  if (check.since === undefined) runtime.notStreamingSince.delete(inst.name);
  else runtime.notStreamingSince.set(inst.name, check.since);
  if (!check.rejoin) return;
  pass.log.warn({ instance: inst.name }, 'replica does not stream from the primary; rejoining');
  await rejoin(pass, runtime, inst, primary);
}

/** Removes instances beyond `spec.instances` (see `scaleDownVictims`). */
export async function scaleDown(
  pass: ClusterPass,
  runtime: ClusterRuntime,
  primary: Instance,
): Promise<void> {
  const victims = scaleDownVictims(
    runtime.sorted(),
    primary,
    pass.spec.instances,
    runtime.healthOf,
  );
  for (const victim of victims) {
    await runtime.removeInstance(victim, 10_000);
    pass.event('Normal', 'DeletingInstance', `Removed instance ${victim.name} (scale down)`);
  }
}

/** Creates and clones the instances missing up to `spec.instances`, all at once. */
export async function scaleUp(
  pass: ClusterPass,
  runtime: ClusterRuntime,
  primary: Instance,
): Promise<void> {
  const missing = pass.spec.instances - runtime.instances.size;
  if (missing <= 0) return;
  const created: Instance[] = [];
  for (let n = 0; n < missing; n++) created.push(await runtime.newInstance('replica', 'cloning'));
  await pass.publish(Phase.CreatingReplica, `creating ${created.map((i) => i.name).join(', ')}`);
  await Promise.all(
    created.map(async (inst) => {
      pass.event('Normal', 'CreatingInstance', `Replica instance ${inst.name} (pg_basebackup)`);
      await clone(pass, runtime, inst, primary);
    }),
  );
}
