/**
 * The first primary of a Cluster: initdb into a staging directory, a private start to set
 * the roles' passwords, run `postInit*SQL` and create the application database, then the
 * staging directory is committed and the primary started for real. An operator that dies
 * half-way leaves only the staging directory, which the next pass discards and redoes.
 */
import type { Instance } from '../../runtime/instance.ts';
import { escapeIdentifier, query, type SocketAddress } from '../../runtime/sql.ts';
import { Phase } from '../../types.ts';
import type { ClusterRuntime } from '../instance-manager.ts';
import { effective, renderConfig, startInstance, validateParameters } from './configuration.ts';
import { ensureSecrets, syncRoles } from './credentials.ts';
import type { ClusterPass } from './pass.ts';

export async function bootstrapPrimary(
  pass: ClusterPass,
  runtime: ClusterRuntime,
  existing: Instance | undefined,
): Promise<Instance> {
  const { spec } = pass;
  const credentials = pass.credentials;
  const inst = existing ?? (await runtime.newInstance('primary', 'initializing'));
  if (!existing) pass.event('Normal', 'CreatingInstance', `Primary instance ${inst.name} (initdb)`);
  runtime.meta.currentPrimary = inst.name;
  runtime.saveMeta();
  await pass.publish(Phase.FirstPrimary);
  await ensureSecrets(pass, inst);
  const started = Date.now();
  await inst.discardUnfinishedWork();
  await inst.initdb({
    ...(credentials.superuser ? { superuserPassword: credentials.superuser.password } : {}),
    encoding: spec.encoding,
    localeCollate: spec.localeCollate,
    localeCType: spec.localeCType,
    dataChecksums: spec.dataChecksums,
    ...(spec.walSegmentSize ? { walSegmentSize: spec.walSegmentSize } : {}),
  });
  await validateParameters(pass, runtime, inst, true);
  const { conf, hba } = renderConfig(pass, runtime, inst, undefined);
  inst.writeConfig(conf, hba, false, true);
  await inst.start(spec.startDelaySeconds * 1000, true);
  const digests: Record<string, string> = {};
  try {
    const address: SocketAddress = inst.address;
    await syncRoles(runtime, address, credentials, spec, digests);
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
  inst.update({ phase: 'ready', role: 'primary', appliedParameters: effective(pass) });
  runtime.meta.appliedPasswords = digests;
  runtime.setPrimary(inst);
  await startInstance(pass, runtime, inst);
  pass.log.info(
    { instance: inst.name, port: inst.port, ms: Date.now() - started },
    'primary initialised',
  );
  pass.event(
    'Normal',
    'PrimaryReady',
    `Primary instance ${inst.name} is ready on port ${inst.port}`,
  );
  return inst;
}
