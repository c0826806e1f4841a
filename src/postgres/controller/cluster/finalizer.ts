/**
 * Deleting a Cluster: its servers are stopped and their data removed, the credential
 * Secrets it owns deleted, and only then is the operator's finalizer removed. Databases
 * of the Cluster are looked at again (their own finalizers may now go).
 */
import { removeFinalizer } from '../../../controller/kube/finalizers.ts';
import { appSecretName, superuserSecretName } from '../../names.ts';
import { CLUSTER_FINALIZER, type Cluster } from '../../types.ts';
import { CLUSTERS, type ControllerDeps, SECRETS } from '../deps.ts';
import { secretLookup } from './credentials.ts';
import { isOwnedBy } from './secrets.ts';

export async function finalizeCluster(deps: ControllerDeps, cluster: Cluster): Promise<void> {
  const { namespace, name } = cluster.metadata;
  if (!(cluster.metadata.finalizers ?? []).includes(CLUSTER_FINALIZER)) return;
  if (deps.manager) {
    const runtime = deps.manager.get(namespace, name);
    if (runtime) runtime.busy = true;
    await deps.manager.remove(namespace, name, 10_000);
  }
  const secret = secretLookup(deps, namespace);
  for (const secretName of [superuserSecretName(name), appSecretName(name)]) {
    const found = await secret(secretName, true);
    if (found && isOwnedBy(found, cluster))
      await deps.client.delete(SECRETS, namespace, secretName);
  }
  await removeFinalizer(deps.client, CLUSTERS, cluster, CLUSTER_FINALIZER);
  deps.log
    .child({ cluster: `${namespace}/${name}` })
    .info('cluster deleted: servers stopped, data removed');
  for (const db of deps.databases.list(namespace))
    if (db.spec?.cluster?.name === name) deps.enqueueDatabase(namespace, db.metadata.name);
}
