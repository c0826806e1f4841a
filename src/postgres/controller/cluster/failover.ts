/**
 * Changing a Cluster's primary: adopting what a previous operator promoted (or demoting a
 * second primary), failover to the most advanced replica when the primary is gone, and
 * switchover to a chosen replica (asked for by the user, or to restart the primary).
 */
import type { Instance } from '../../runtime/instance.ts';
import { waitUntil } from '../../runtime/process.ts';
import { PENDING_FAILOVER_MARKER, Phase } from '../../types.ts';
import type { ClusterRuntime } from '../instance-manager.ts';
import { isWritable, mostAdvanced, reconcileRoles } from './cluster-reconcile.ts';
import { configurePromoted } from './configuration.ts';
import { ensureSecrets } from './credentials.ts';
import type { ClusterPass } from './pass.ts';
import { rejoin, repointReplicas } from './replicas.ts';

/** Makes the recorded roles match the running servers (see `reconcileRoles`). */
export function adoptRoles(
  pass: ClusterPass,
  runtime: ClusterRuntime,
  recorded: Instance,
): Instance {
  const writable = runtime
    .sorted()
    .filter((i) => i.state.phase === 'ready' && isWritable(runtime.health.get(i.name)));
  const roles = reconcileRoles(recorded, writable, runtime.healthOf);
  if (roles.replaced) {
    pass.log.warn(
      { recorded: roles.replaced.name, running: roles.primary.name },
      'adopting the primary a previous operator promoted',
    );
    roles.replaced.update({ phase: 'rejoining', role: 'replica' });
    runtime.setPrimary(roles.primary);
  }
  for (const other of roles.demote) {
    pass.log.warn(
      { instance: other.name, primary: roles.primary.name },
      'demoting an unexpected second primary',
    );
    other.update({ phase: 'rejoining', role: 'replica' });
  }
  return roles.primary;
}

/**
 * Promotes the most advanced ready replica; the old primary rejoins as a replica later.
 * Every step on the way to the first write through the read-write endpoint is local (the
 * status write announcing the failover goes on beside them, not before): the old server
 * killed, the replica promoted while the other replicas are pointed at it, its synchronous
 * standbys set, then the endpoint.
 */
export async function failover(
  pass: ClusterPass,
  runtime: ClusterRuntime,
  old: Instance,
): Promise<Instance> {
  const started = Date.now();
  const announced = pass
    .publish(Phase.Failover, `primary ${old.name} is not running`, {
      targetPrimary: PENDING_FAILOVER_MARKER,
    })
    .catch((err: Error) => pass.log.warn({ err: err.message }, 'cannot publish the failover'));
  pass.event('Warning', 'FailingOver', `Primary ${old.name} is not running: failing over`);
  try {
    // A primary that stopped answering must not come back while another one is promoted.
    old.kill();
    await waitUntil(() => !old.isRunning(), 5000, 25);
    await runtime.refreshHealth();
    const candidates = runtime.readyReplicas();
    if (candidates.length === 0) throw new Error('no ready replica to fail over to');
    const next = mostAdvanced(candidates, runtime.healthOf);
    await Promise.all([next.promote(), repointReplicas(pass, runtime, next, old)]);
    old.update({ phase: 'rejoining', role: 'replica' });
    await configurePromoted(pass, runtime, next);
    runtime.setPrimary(next);
    // The read-write endpoint goes to the new primary now, not after the status is written.
    pass.deps.publishEndpoints();
    pass.deps.metrics.failovers.inc();
    await announced;
    await runtime.refreshHealth();
    await ensureSecrets(pass, next);
    await pass.publish(Phase.Failover, `promoted ${next.name}`, { targetPrimary: next.name });
    pass.log.warn({ from: old.name, to: next.name, ms: Date.now() - started }, 'failover complete');
    pass.event('Normal', 'FailoverCompleted', `Promoted ${next.name} (was ${old.name})`);
    return next;
  } finally {
    await announced;
  }
}

/**
 * Stops the old primary, waits until the new one has every WAL record of it, promotes the
 * new one and rejoins the old one as its replica.
 */
export async function switchover(
  pass: ClusterPass,
  runtime: ClusterRuntime,
  old: Instance,
  next: Instance,
  why: 'requested' | 'restart',
): Promise<Instance> {
  const started = Date.now();
  await pass.publish(Phase.Switchover, `switching over from ${old.name} to ${next.name}`, {
    targetPrimary: next.name,
  });
  pass.event('Normal', 'SwitchingOver', `Switching over from ${old.name} to ${next.name}`);
  await old.stop('fast', pass.spec.switchoverDelaySeconds * 1000);
  // Every WAL record of the old primary must reach the new one before it is promoted.
  const end = await old.checkpointLsn().catch(() => undefined);
  if (end !== undefined)
    await waitUntil(async () => ((await next.ping()).lsn ?? -1n) >= end, 10_000, 50);
  await Promise.all([next.promote(), repointReplicas(pass, runtime, next, old)]);
  await configurePromoted(pass, runtime, next);
  old.update({ phase: 'rejoining', role: 'replica' });
  runtime.setPrimary(next);
  pass.deps.publishEndpoints();
  pass.deps.metrics.switchovers.inc();
  await rejoin(pass, runtime, old, next);
  await runtime.refreshHealth();
  await ensureSecrets(pass, next);
  await pass.publish(Phase.Switchover, `promoted ${next.name}`, { targetPrimary: next.name });
  pass.log.info(
    { from: old.name, to: next.name, why, ms: Date.now() - started },
    'switchover complete',
  );
  pass.event('Normal', 'SwitchoverCompleted', `Promoted ${next.name} (was ${old.name})`);
  return next;
}
