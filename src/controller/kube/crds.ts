/**
 * Installing a component's own CRDs from outside the server: server-side apply (forced,
 * under the component's field manager), or get → create or update on a server without
 * apply (415 Unsupported Media Type, or 400); then waiting until they are Established.
 */
import {
  isAlreadyExists,
  isNotFound,
  type KubeClient,
  KubeError,
  type ResourceRef,
} from './client.ts';

export const CUSTOM_RESOURCE_DEFINITIONS: ResourceRef = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  plural: 'customresourcedefinitions',
  namespaced: false,
};

/** A CRD manifest: anything with a name. */
export interface CrdManifest {
  readonly metadata: { readonly name: string };
}

interface CrdObject {
  metadata: { name?: string; resourceVersion?: string };
  status?: { conditions?: { type: string; status: string }[] };
}

/** Creates or updates `crd`; says whether it was applied or, without apply, written. */
export async function installCrd(
  client: KubeClient,
  crd: CrdManifest,
  fieldManager: string,
): Promise<'apply' | 'update'> {
  try {
    await client.patch(CUSTOM_RESOURCE_DEFINITIONS, undefined, crd.metadata.name, crd, {
      type: 'application/apply-patch+yaml',
      query: { fieldManager, force: 'true' },
    });
    return 'apply';
  } catch (err) {
    if (!(err instanceof KubeError) || (err.code !== 415 && err.code !== 400)) throw err;
    await createOrUpdate(client, crd);
    return 'update';
  }
}

async function createOrUpdate(client: KubeClient, crd: CrdManifest): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const existing = await client.getOrUndefined<CrdObject>(
      CUSTOM_RESOURCE_DEFINITIONS,
      undefined,
      crd.metadata.name,
    );
    try {
      if (!existing) {
        await client.create(CUSTOM_RESOURCE_DEFINITIONS, undefined, crd);
      } else {
        const body = { ...crd, metadata: { ...existing.metadata, ...crd.metadata } };
        await client.update(CUSTOM_RESOURCE_DEFINITIONS, undefined, crd.metadata.name, body);
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

/** Waits (`timeoutMs` for all of them) until every named CRD is Established. */
export async function waitEstablished(
  client: KubeClient,
  names: readonly string[],
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const crd = await client.getOrUndefined<CrdObject>(
        CUSTOM_RESOURCE_DEFINITIONS,
        undefined,
        name,
      );
      if (crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'))
        break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} did not become Established`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
