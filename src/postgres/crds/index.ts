/**
 * The operator's CRDs (field manager `canopy-postgres-operator`, label
 * `app.kubernetes.io/managed-by: canopy-postgres-operator`), installed with the controller
 * toolkit's `installCrd` (server-side apply, or get → create or update on a server without
 * apply) — but only where none exists or where the installed one is ours. A CRD someone
 * else installed (CloudNativePG's own, from its release manifest: a richer schema, every
 * field described, CEL rules) is kept as it is, never replaced by this smaller one; the
 * operator works with it, and the sync agent publishes it to tenants as installed.
 */

import type { CustomResourceDefinition } from '../../api/apiextensions/types.ts';
import type { KubeClient } from '../../controller/kube/client.ts';
import {
  CUSTOM_RESOURCE_DEFINITIONS,
  installCrd,
  waitEstablished,
} from '../../controller/kube/crds.ts';
import type { Logger } from '../../logging/logger.ts';
import { FIELD_MANAGER, VERSION } from '../types.ts';
import { clusterCrd } from './cluster-crd.ts';
import { databaseCrd } from './database-crd.ts';

export { clusterCrd } from './cluster-crd.ts';
export { databaseCrd } from './database-crd.ts';

export const CRDS = [clusterCrd, databaseCrd] as const;
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';

export interface CrdInstallation {
  readonly method: 'apply' | 'update';
  /** CRDs installed by someone else and kept (their names). */
  readonly kept: readonly string[];
}

/** Whether an installed CRD can serve the operator: v1 served, with the status subresource. */
function checkUsable(crd: CustomResourceDefinition): void {
  const v1 = crd.spec.versions.find((v) => v.name === VERSION);
  if (!v1?.served || !v1.subresources?.status) {
    throw new Error(
      `the installed CRD ${crd.metadata.name} does not serve ${VERSION} with a status subresource; the operator cannot use it (delete it to let the operator install its own)`,
    );
  }
}

export async function installCrds(client: KubeClient, log?: Logger): Promise<CrdInstallation> {
  let method: 'apply' | 'update' = 'apply';
  const kept: string[] = [];
  for (const crd of CRDS) {
    const name = crd.metadata.name;
    const existing = await client.getOrUndefined<CustomResourceDefinition>(
      CUSTOM_RESOURCE_DEFINITIONS,
      undefined,
      name,
    );
    if (existing && existing.metadata.labels?.[MANAGED_BY_LABEL] !== FIELD_MANAGER) {
      checkUsable(existing);
      kept.push(name);
      const managers = [...new Set((existing.metadata.managedFields ?? []).map((m) => m.manager))];
      log?.info(
        { crd: name, managers },
        'keeping the installed CRD: the operator works with its schema',
      );
      continue;
    }
    if ((await installCrd(client, crd, FIELD_MANAGER)) === 'update') method = 'update';
    log?.debug({ crd: name, method }, 'CRD installed');
  }
  await waitEstablished(
    client,
    CRDS.map((c) => c.metadata.name),
  );
  return { method, kept };
}
