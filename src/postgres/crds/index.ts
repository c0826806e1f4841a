/**
 * Installs or updates the operator's CRDs. Server-side apply (field manager
 * `canopy-postgres-operator`, force) is tried first; a server without apply support
 * (415 Unsupported Media Type) gets get → create or update instead.
 */
import type { Logger } from 'pino';
import {
  isAlreadyExists,
  isNotFound,
  type KubeClient,
  KubeError,
  type ResourceRef,
} from '../../controller/kube/client.ts';
import { FIELD_MANAGER } from '../types.ts';
import { clusterCrd } from './cluster-crd.ts';
import { databaseCrd } from './database-crd.ts';

export { clusterCrd } from './cluster-crd.ts';
export { databaseCrd } from './database-crd.ts';

export const CRDS = [clusterCrd, databaseCrd] as const;

const CRD_RESOURCE: ResourceRef = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  plural: 'customresourcedefinitions',
  namespaced: false,
};

interface CrdObject {
  metadata: { name?: string; resourceVersion?: string };
  status?: { conditions?: { type: string; status: string }[] };
}

export async function installCrds(client: KubeClient, log?: Logger): Promise<'apply' | 'update'> {
  let method: 'apply' | 'update' = 'apply';
  for (const crd of CRDS) {
    const name = crd.metadata.name;
    try {
      await client.patch(CRD_RESOURCE, undefined, name, crd, {
        type: 'application/apply-patch+yaml',
        query: { fieldManager: FIELD_MANAGER, force: 'true' },
      });
    } catch (err) {
      if (!(err instanceof KubeError) || (err.code !== 415 && err.code !== 400)) throw err;
      method = 'update';
      await createOrUpdate(client, crd);
    }
    log?.debug({ crd: name, method }, 'CRD installed');
  }
  await waitEstablished(
    client,
    CRDS.map((c) => c.metadata.name),
  );
  return method;
}

async function createOrUpdate(client: KubeClient, crd: (typeof CRDS)[number]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const existing = await client.getOrUndefined<CrdObject>(
      CRD_RESOURCE,
      undefined,
      crd.metadata.name,
    );
    try {
      if (!existing) {
        await client.create(CRD_RESOURCE, undefined, crd);
      } else {
        const body = {
          ...crd,
          metadata: { ...existing.metadata, ...crd.metadata },
        };
        await client.update(CRD_RESOURCE, undefined, crd.metadata.name, body);
      }
      return;
    } catch (err) {
      if (
        attempt < 5 &&
        (isAlreadyExists(err) || isNotFound(err) || (err as KubeError).code === 409)
      )
        continue;
      throw err;
    }
  }
}

async function waitEstablished(client: KubeClient, names: readonly string[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (const name of names) {
    for (;;) {
      const crd = await client.get<CrdObject>(CRD_RESOURCE, undefined, name);
      if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'))
        break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} did not become Established`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
