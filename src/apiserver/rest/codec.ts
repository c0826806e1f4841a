/**
 * Between API objects and stored values. Stored objects carry the storage version and no
 * resourceVersion (the store's revision is the resourceVersion); reads convert to the
 * version the request speaks. Conversion is `None` (only apiVersion changes), as for CRDs
 * without webhooks; schema defaults of the requested version are applied on read.
 */
import {
  apiVersionOf,
  type KubeObject,
  type ObjectMeta,
  parseApiVersion,
} from '../../apimachinery/meta.ts';
import type { KeyValue } from '../../storage/store.ts';
import type { ResourceType } from '../registry/resource-type.ts';

/** Annotation naming the logical cluster an object lives in (kcp). */
export const CLUSTER_ANNOTATION = 'kcp.io/cluster';

/** The type whose storage holds objects of `type` (itself, unless stored as another). */
export function storageTypeOf(type: ResourceType): ResourceType {
  return type.storedAs?.type ?? type;
}

/** The object as it is stored: storage version, no resourceVersion, no cluster mark. */
export function toStoredObject(input: KubeObject, requested: ResourceType): KubeObject {
  const version = input.apiVersion
    ? parseApiVersion(input.apiVersion).version
    : requested.storageVersion;
  const converted =
    requested.conversion && version !== requested.storageVersion
      ? requested.conversion.toStorage(input, version)
      : input;
  const obj = requested.storedAs ? requested.storedAs.toStorage(converted) : converted;
  const type = storageTypeOf(requested);
  const { resourceVersion: _rv, selfLink: _self, ...metadata } = obj.metadata;
  unmarkCluster(metadata);
  // apiVersion and kind first, then the rest, as kubectl prints objects.
  const { apiVersion: _v, kind: _k, metadata: _m, ...rest } = obj;
  return {
    apiVersion: apiVersionOf(type.group, type.storageVersion),
    kind: type.names.kind,
    metadata,
    ...rest,
  };
}

export interface DecodeOptions {
  readonly type: ResourceType;
  readonly version: string;
  /** Add `kcp.io/cluster` with this cluster name (workspace mode). */
  readonly cluster?: string;
}

export function decodeFromStorage(
  value: string,
  revision: number,
  opts: DecodeOptions,
): KubeObject {
  const stored = JSON.parse(value) as KubeObject;
  const obj = opts.type.storedAs ? opts.type.storedAs.fromStorage(stored) : stored;
  obj.metadata.resourceVersion = String(revision);
  return present(obj, opts);
}

export function decodeKeyValue(kv: KeyValue, opts: DecodeOptions): KubeObject {
  return decodeFromStorage(kv.value, kv.revision, opts);
}

/** Puts a stored object in the requested version and marks its cluster. */
function present(stored: KubeObject, opts: DecodeOptions): KubeObject {
  const { type, version } = opts;
  let obj = stored;
  if (version !== type.storageVersion) {
    if (type.conversion) obj = type.conversion.fromStorage(obj, version);
    obj.apiVersion = apiVersionOf(type.group, version);
    type.schemas?.[version]?.applyDefaults(obj);
  }
  return markCluster(obj, opts.cluster);
}

/** Removes the `kcp.io/cluster` mark, in place (without touching the annotations object). */
export function unmarkCluster(metadata: ObjectMeta): void {
  if (metadata.annotations?.[CLUSTER_ANNOTATION] === undefined) return;
  const { [CLUSTER_ANNOTATION]: _mark, ...rest } = metadata.annotations;
  if (Object.keys(rest).length === 0) delete metadata.annotations;
  else metadata.annotations = rest;
}

/** Marks an object with the logical cluster it lives in (workspace mode). */
export function markCluster(obj: KubeObject, cluster: string | undefined): KubeObject {
  if (cluster !== undefined) {
    obj.metadata.annotations = { ...obj.metadata.annotations, [CLUSTER_ANNOTATION]: cluster };
  }
  return obj;
}
