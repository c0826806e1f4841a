/**
 * A tenant object going away, the other half of the sync reconcile (`sync-reconcile.ts`,
 * same `SyncOps`). Deleted by the tenant: the copy is deleted first and the service side's
 * finalizers run (ObjectCleanup), then related copies go, the state Secret goes, and the
 * tenant's finalizer is removed (ObjectDeleted). Gone without that (forced, or its
 * resource no longer served): its copies are removed once a fresh read proves it gone.
 */
import type { KubeObject } from '../../../apimachinery/meta.ts';
import { CLEANUP_FINALIZER } from '../../constants.ts';
import { localObjectName } from '../../templating/naming.ts';
import { linkedSource } from './metadata.ts';
import {
  ownerOf,
  type PrimaryObject,
  placeOf,
  type SyncEnv,
  type SyncResult,
  stateSecretOf,
} from './sync-reconcile.ts';

/**
 * The copies to delete: those the cache links to the object, and the one at the place the
 * naming rules give it when the cache has not shown that one yet (created moments ago).
 */
async function copiesToDelete(env: SyncEnv, primary: PrimaryObject, remote: KubeObject) {
  const { ops, spec, localRef } = env;
  const { source: src } = primary;
  const candidates = [...primary.copies];
  try {
    const clusterPath = spec.enableWorkspacePaths
      ? await ops.tenant.workspacePath(src.cluster)
      : '';
    const target = localObjectName(
      spec.naming,
      remote,
      { clusterName: src.cluster, ...(clusterPath ? { clusterPath } : {}) },
      localRef.namespaced,
    );
    const known = candidates.some(
      (c) => (c.metadata.namespace ?? '') === target.namespace && c.metadata.name === target.name,
    );
    if (!known) {
      const found = await ops.copies.get(target);
      const linked = found && linkedSource(found);
      if (
        found &&
        linked &&
        linked.cluster === src.cluster &&
        linked.namespace === src.namespace &&
        linked.name === src.name
      )
        candidates.push(found);
    }
  } catch (err) {
    env.log.debug(
      { object: primary.key, err: (err as Error).message },
      'cannot compute the copy name',
    );
  }
  return candidates;
}

/** The tenant is deleting its object: copy first, then related copies, then the finalizer. */
export async function finalizeObject(env: SyncEnv, primary: PrimaryObject): Promise<SyncResult> {
  const { ops, spec } = env;
  const { source: src, key, remote } = primary;
  if (!remote) throw new Error(`finalizeObject called for ${key}, which is gone`);
  if (!remote.metadata.finalizers?.includes(CLEANUP_FINALIZER)) {
    ops.setUses(ownerOf(env, key), []);
    return undefined;
  }
  const candidates = await copiesToDelete(env, primary, remote);
  let remaining = 0;
  for (const copy of candidates) {
    remaining++;
    if (copy.metadata.deletionTimestamp) continue;
    if (await ops.copies.delete(placeOf(copy))) {
      ops.record('deleted');
      ops.event(
        src.cluster,
        remote,
        'Normal',
        'ObjectCleanup',
        'The object is being deleted on the service cluster.',
      );
    } else remaining--;
  }
  if (remaining > 0) {
    // Still there (finalizers on the service side run): the copy's deletion re-queues us.
    for (const copy of candidates) {
      if (await ops.copies.get(placeOf(copy))) return { requeueAfterMs: 5000 };
    }
  }
  const related = ops.related(src, remote, candidates[0], '');
  for (const rule of spec.related) await related.cleanup(rule);
  await ops.state.delete(stateSecretOf(env, src).name);
  await ops.tenant.removeFinalizer(src.cluster, remote);
  ops.setUses(ownerOf(env, key), []);
  ops.setSelectors(ownerOf(env, key), []);
  for (const rule of spec.related) env.lastDests.delete(`${key}|${rule.identifier}`);
  ops.record('finalized');
  ops.event(
    src.cluster,
    remote,
    'Normal',
    'ObjectDeleted',
    'The object has been deleted on the service cluster.',
  );
  return undefined;
}

/**
 * The tenant object is gone without our finalizer having run (forced, or unbound): its
 * copies, related copies and state go, once the tenant cache has listed, the workspace
 * still binds the export (else the workspace cleanup handles it, after its grace period)
 * and a fresh read of a served collection confirms the object is gone.
 */
export async function removeOrphanedCopies(
  env: SyncEnv,
  primary: PrimaryObject,
): Promise<SyncResult> {
  const { ops, spec } = env;
  const { source: src, key, copies } = primary;
  if (copies.length === 0) {
    ops.setUses(ownerOf(env, key), []);
    return undefined;
  }
  if (!ops.tenant.listed()) return { requeueAfterMs: 2000 };
  if (!ops.tenant.bound(src.cluster)) return undefined;
  if (await ops.tenant.get(src.cluster, src)) return { requeueAfterMs: 2000 };
  // A 404 may also mean the resource is not served there right now (a binding being
  // updated): only a listable collection without the object proves it is gone.
  await ops.tenant.probeCollection(src.cluster, src.namespace);
  env.log.info({ object: key }, 'tenant object is gone; removing its copy');
  for (const copy of copies) {
    if (copy.metadata.deletionTimestamp) continue;
    await ops.copies.delete(placeOf(copy));
    ops.record('deleted');
  }
  const stub: KubeObject = {
    metadata: { name: src.name, ...(src.namespace ? { namespace: src.namespace } : {}) },
  };
  const related = ops.related(src, stub, copies[0], '');
  for (const rule of spec.related)
    if (rule.cleanupPolicy !== 'Orphan') await related.prune(rule, []);
  await ops.state.delete(stateSecretOf(env, src).name);
  ops.setUses(ownerOf(env, key), []);
  return undefined;
}
