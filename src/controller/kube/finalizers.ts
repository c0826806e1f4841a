/**
 * Adding and removing a controller's finalizer: a merge patch guarded by the object's
 * resourceVersion, so that a finalizer another controller set meanwhile is never lost; on a
 * conflict the object is read again and the change made anew.
 */
import { type KubeObject, nameOf } from '../../apimachinery/meta.ts';
import { isConflict, isNotFound, type KubeClient, type ResourceRef } from './client.ts';

const ATTEMPTS = 5;

/**
 * Sets the finalizers `change` computes from the object (undefined: leave them). Returns
 * the object as it ends up, or undefined once it is gone.
 */
async function patchFinalizers<T extends KubeObject>(
  client: KubeClient,
  ref: ResourceRef,
  obj: T,
  change: (current: T) => string[] | undefined,
): Promise<T | undefined> {
  let current: T | undefined = obj;
  for (let attempt = 0; attempt < ATTEMPTS && current; attempt++) {
    const finalizers = change(current);
    if (!finalizers) return current;
    const namespace: string | undefined = current.metadata.namespace;
    const name = nameOf(current);
    try {
      return await client.patch<T>(ref, namespace, name, {
        metadata: { finalizers, resourceVersion: current.metadata.resourceVersion },
      });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      if (!isConflict(err)) throw err;
      current = await client.getOrUndefined<T>(ref, namespace, name);
    }
  }
  if (!current) return undefined;
  throw new Error(`could not update the finalizers of ${current.metadata.name}: conflicts`);
}

/**
 * Adds `finalizer`. Returns the object carrying it, or undefined once the object is gone or
 * being deleted (the API server takes no new finalizers then).
 */
export async function addFinalizer<T extends KubeObject>(
  client: KubeClient,
  ref: ResourceRef,
  obj: T,
  finalizer: string,
): Promise<T | undefined> {
  const out = await patchFinalizers(client, ref, obj, (current) => {
    const finalizers = current.metadata.finalizers ?? [];
    if (current.metadata.deletionTimestamp || finalizers.includes(finalizer)) return undefined;
    return [...finalizers, finalizer];
  });
  return out?.metadata.finalizers?.includes(finalizer) ? out : undefined;
}

/** Removes `finalizer`. Returns the object without it, or undefined once it is gone. */
export function removeFinalizer<T extends KubeObject>(
  client: KubeClient,
  ref: ResourceRef,
  obj: T,
  finalizer: string,
): Promise<T | undefined> {
  return patchFinalizers(client, ref, obj, (current) => {
    const finalizers = current.metadata.finalizers ?? [];
    return finalizers.includes(finalizer) ? finalizers.filter((f) => f !== finalizer) : undefined;
  });
}
