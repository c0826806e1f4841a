/**
 * Configuration of a Cluster's instances: the parameters they run with (checked with
 * `postgres -C` before any server sees them), `postgresql.conf` and `pg_hba.conf` for a
 * primary or a replica, starting an instance with its configuration, and bringing running
 * instances up to date (reload, or restart: replicas first, then the primary as
 * `primaryUpdateStrategy` / `primaryUpdateMethod` say).
 */
import { effectiveParameters, renderHba, type StandbyConfig } from '../../runtime/config.ts';
import type { Instance } from '../../runtime/instance.ts';
import { classifyParameterChange } from '../../runtime/parameters.ts';
import { allocatePort, portIsListening } from '../../runtime/ports.ts';
import { waitUntil } from '../../runtime/process.ts';
import { Phase, STREAMING_REPLICATION_USER } from '../../types.ts';
import type { ClusterRuntime } from '../instance-manager.ts';
import { Blocked, planPrimaryRestart, synchronousStandbys } from './cluster-reconcile.ts';
import type { ClusterPass } from './pass.ts';

/** The spec's parameters as servers run them (shared_preload_libraries folded in). */
function specParameters(pass: ClusterPass): Record<string, string> {
  return effectiveParameters({
    parameters: pass.spec.parameters,
    sharedPreloadLibraries: pass.spec.sharedPreloadLibraries,
  });
}

/** The parameters instances run with: the spec's, or the last good ones while the spec's are invalid. */
export function effective(pass: ClusterPass): Record<string, string> {
  return pass.effective ?? specParameters(pass);
}

/**
 * Checks the spec's parameters with `postgres -C` against `inst`'s data directory before
 * any server sees them. Invalid ones are reported and the last good set stays in use.
 */
export async function validateParameters(
  pass: ClusterPass,
  runtime: ClusterRuntime,
  inst: Instance,
  staging: boolean,
): Promise<void> {
  pass.effective = specParameters(pass);
  const { conf } = renderConfig(pass, runtime, inst, undefined);
  const errors = await inst.validateConfig(conf, staging);
  if (errors.length === 0) return;
  pass.configError = `invalid spec.postgresql.parameters: ${errors.join('; ')}`;
  const last = inst.state.appliedParameters;
  if (!last) throw new Blocked(Phase.WaitingForUser, pass.configError);
  pass.effective = last;
}

/** `postgresql.conf` and `pg_hba.conf` of `inst`: a standby of `primary` when one is given. */
export function renderConfig(
  pass: ClusterPass,
  runtime: ClusterRuntime,
  inst: Instance,
  primary: Instance | undefined,
): { conf: string; hba: string } {
  const standby: StandbyConfig | undefined = primary
    ? {
        primaryHost: runtime.connectHost,
        primaryPort: primary.port,
        user: STREAMING_REPLICATION_USER,
        password: runtime.meta.replicationPassword,
        applicationName: inst.name,
      }
    : undefined;
  const synchronous = primary
    ? undefined
    : synchronousStandbys(
        pass.spec.synchronous,
        runtime
          .sorted()
          .filter((i) => i !== inst)
          .map((i) => i.name),
        new Set(
          runtime
            .readyReplicas()
            .filter((i) => i !== inst)
            .map((i) => i.name),
        ),
      );
  const conf = inst.renderConfig({
    listenAddress: runtime.host === '0.0.0.0' || runtime.host === '::' ? '*' : runtime.host,
    parameters: effective(pass),
    ...(standby ? { standby } : {}),
    ...(synchronous ? { synchronous } : {}),
  });
  return { conf, hba: renderHba(STREAMING_REPLICATION_USER, pass.spec.pgHba) };
}

/**
 * Gives a just-promoted instance its primary configuration (the synchronous standbys above
 * all) before it is published as the primary: until then it runs a standby's, with no
 * synchronous_standby_names, and would acknowledge commits no replica has (a second failure
 * would lose them). With fewer ready replicas than the Cluster's minimum, its commits now
 * wait for one to join, as CloudNativePG's do.
 */
export async function configurePromoted(
  pass: ClusterPass,
  runtime: ClusterRuntime,
  inst: Instance,
): Promise<void> {
  const { conf, hba } = renderConfig(pass, runtime, inst, undefined);
  inst.writeConfig(conf, hba, false);
  await inst.reload();
}

/**
 * Starts an instance with its configuration written first. A port taken by another
 * program meanwhile gets the instance a new port.
 */
export async function startInstance(
  pass: ClusterPass,
  runtime: ClusterRuntime,
  inst: Instance,
): Promise<void> {
  const primary = runtime.primary();
  const isPrimary = primary === inst;
  for (let attempt = 0; ; attempt++) {
    const { conf, hba } = renderConfig(pass, runtime, inst, isPrimary ? undefined : primary);
    inst.writeConfig(conf, hba, !isPrimary);
    inst.update({ appliedParameters: effective(pass), pendingRestart: undefined });
    try {
      await inst.start(pass.spec.startDelaySeconds * 1000);
      // A replica is ready once it streams; give it a moment to connect.
      if (!isPrimary && primary?.isRunning())
        await waitUntil(async () => (await inst.ping()).streaming === true, 5000, 50);
      return;
    } catch (err) {
      if (attempt === 0 && !inst.isRunning() && (await portIsListening(inst.port))) {
        const port = await allocatePort();
        pass.deps.log.warn(
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

/** What bringing the configuration up to date leaves to do. */
export type ConfigurationOutcome =
  | { readonly next: 'none' }
  /** The primary needs a restart only the user may trigger: Waiting for user action. */
  | { readonly next: 'wait-for-user'; readonly reason: string }
  /** The primary gets its restart-only parameters by a switchover to this replica. */
  | { readonly next: 'switchover'; readonly to: Instance };

/**
 * Brings every running instance's configuration up to date. Reload-only changes are
 * reloaded; restart-only ones restart the replicas first, then the primary in place, or
 * ask for a switchover (see `planPrimaryRestart`).
 */
export async function applyConfiguration(
  pass: ClusterPass,
  runtime: ClusterRuntime,
  primary: Instance,
): Promise<ConfigurationOutcome> {
  const parameters = effective(pass);
  const needRestart: Instance[] = [];
  for (const inst of runtime.sorted()) {
    if (inst.state.phase !== 'ready' || !inst.isRunning()) continue;
    const isPrimary = inst === primary;
    const { conf, hba } = renderConfig(pass, runtime, inst, isPrimary ? undefined : primary);
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
      pass.log.warn({ instance: inst.name, errors }, 'configuration rejected');
      throw new Blocked(
        Phase.WaitingForUser,
        `PostgreSQL rejected the configuration: ${errors.join('; ')}`,
      );
    }
    const change = classifyParameterChange(before, parameters);
    const serverPending = await inst.pendingRestart();
    inst.update({ appliedParameters: parameters });
    if (change.restart.length > 0 || serverPending.length > 0) {
      inst.update({ pendingRestart: true });
      needRestart.push(inst);
      pass.log.info(
        { instance: inst.name, restart: [...new Set([...change.restart, ...serverPending])] },
        'restart needed',
      );
    } else if (change.reload.length > 0) {
      pass.log.info({ instance: inst.name, reload: change.reload }, 'configuration reloaded');
    }
  }
  if (needRestart.length === 0) return { next: 'none' };
  await pass.publish(
    Phase.ApplyingConfiguration,
    'restarting instances for restart-only parameters',
  );
  for (const inst of needRestart.filter((i) => i !== primary)) {
    await inst.stop('fast', pass.spec.stopDelaySeconds * 1000);
    await startInstance(pass, runtime, inst);
  }
  const needed = needRestart.includes(primary);
  // Only a supervised update decides without looking at the replicas' health again.
  if (needed && pass.spec.primaryUpdateStrategy !== 'supervised') await runtime.refreshHealth();
  const replica = needed ? runtime.readyReplicas()[0] : undefined;
  const decision = planPrimaryRestart({
    needed,
    primary: primary.name,
    strategy: pass.spec.primaryUpdateStrategy,
    method: pass.spec.primaryUpdateMethod,
    readyReplica: replica,
  });
  switch (decision.action) {
    case 'none':
      return { next: 'none' };
    case 'wait-for-user':
      return { next: 'wait-for-user', reason: decision.reason };
    case 'switchover':
      return { next: 'switchover', to: decision.to };
    case 'restart-in-place':
      await pass.publish(
        Phase.InplacePrimaryRestart,
        `restarting ${primary.name} for restart-only parameters`,
      );
      await primary.stop('fast', pass.spec.stopDelaySeconds * 1000);
      await startInstance(pass, runtime, primary);
      return { next: 'none' };
  }
}
