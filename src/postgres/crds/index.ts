/**
 * Installs or updates the operator's CRDs (field manager `canopy-postgres-operator`) with
 * the controller toolkit's `installCrd`: server-side apply, or get → create or update on a
 * server without apply.
 */

import type { KubeClient } from '../../controller/kube/client.ts';
import { installCrd, waitEstablished } from '../../controller/kube/crds.ts';
import type { Logger } from '../../logging/logger.ts';
import { FIELD_MANAGER } from '../types.ts';
import { clusterCrd } from './cluster-crd.ts';
import { databaseCrd } from './database-crd.ts';

export { clusterCrd } from './cluster-crd.ts';
export { databaseCrd } from './database-crd.ts';

export const CRDS = [clusterCrd, databaseCrd] as const;

export async function installCrds(client: KubeClient, log?: Logger): Promise<'apply' | 'update'> {
  let method: 'apply' | 'update' = 'apply';
  for (const crd of CRDS) {
    if ((await installCrd(client, crd, FIELD_MANAGER)) === 'update') method = 'update';
    log?.debug({ crd: crd.metadata.name, method }, 'CRD installed');
  }
  await waitEstablished(
    client,
    CRDS.map((c) => c.metadata.name),
  );
  return method;
}
