/**
 * The label, annotation and finalizer keys api-syncagent writes, kept identical so the
 * objects Canopy's agent leaves behind look the same to tools written for api-syncagent.
 */
import { createHash } from 'node:crypto';
import type { ResourceRef } from '../controller/kube/client.ts';

/** On tenant objects (and kcp-origin related objects) until their copies are cleaned up. */
export const CLEANUP_FINALIZER = 'syncagent.kcp.io/cleanup';

/** Links a service-side copy to its tenant object. Hashes because names exceed 63 characters. */
export const REMOTE_CLUSTER_LABEL = 'syncagent.kcp.io/remote-object-cluster';
export const REMOTE_NAMESPACE_HASH_LABEL = 'syncagent.kcp.io/remote-object-namespace-hash';
export const REMOTE_NAME_HASH_LABEL = 'syncagent.kcp.io/remote-object-name-hash';
export const REMOTE_NAMESPACE_ANNOTATION = 'syncagent.kcp.io/remote-object-namespace';
export const REMOTE_NAME_ANNOTATION = 'syncagent.kcp.io/remote-object-name';
export const REMOTE_WORKSPACE_PATH_ANNOTATION = 'syncagent.kcp.io/remote-object-workspace-path';

/** The agent that owns a copy (several agents may share one service cluster). */
export const AGENT_NAME_LABEL = 'syncagent.kcp.io/agent-name';

/** State Secrets: the last state of each source object the agent synced. */
export const OBJECT_STATE_LABEL = 'syncagent.kcp.io/object-state';

/** On a tenant object: where a related object of origin `service` was copied to. */
export const RELATED_ANNOTATION_PREFIX = 'related-resources.syncagent.kcp.io/';

/** On copies of related objects: the primary they belong to (api-syncagent HEAD's keys). */
export const RELATED_PRIMARY_CLUSTER_LABEL = 'syncagent.kcp.io/related-primary-cluster';
export const RELATED_PUBLISHED_RESOURCE_HASH_LABEL =
  'syncagent.kcp.io/related-published-resource-hash';
export const RELATED_PRIMARY_NAMESPACE_HASH_LABEL =
  'syncagent.kcp.io/related-primary-namespace-hash';
export const RELATED_PRIMARY_NAME_HASH_LABEL = 'syncagent.kcp.io/related-primary-name-hash';
export const RELATED_IDENTIFIER_LABEL = 'syncagent.kcp.io/related-identifier';
export const RELATED_PRIMARY_NAMESPACE_ANNOTATION = 'syncagent.kcp.io/related-primary-namespace';
export const RELATED_PRIMARY_NAME_ANNOTATION = 'syncagent.kcp.io/related-primary-name';

/** ARS metadata (v0.2 also labelled the API group). */
export const SOURCE_GENERATION_ANNOTATION = 'syncagent.kcp.io/source-generation';
export const API_GROUP_LABEL = 'syncagent.kcp.io/api-group';

/** kcp's annotations on objects read through a virtual workspace / a LogicalCluster. */
export const KCP_CLUSTER_ANNOTATION = 'kcp.io/cluster';
export const KCP_PATH_ANNOTATION = 'kcp.io/path';

/** The built-in resources the agent reads and writes on either side. */
export const SECRETS: ResourceRef = {
  group: '',
  version: 'v1',
  plural: 'secrets',
  namespaced: true,
};
export const CONFIGMAPS: ResourceRef = {
  group: '',
  version: 'v1',
  plural: 'configmaps',
  namespaced: true,
};
export const NAMESPACES: ResourceRef = {
  group: '',
  version: 'v1',
  plural: 'namespaces',
  namespaced: false,
};
export { CUSTOM_RESOURCE_DEFINITIONS as CRDS } from '../controller/kube/crds.ts';

/** Field manager for every write the agent makes. */
export const FIELD_MANAGER = 'canopy-syncagent';

/** Retry backoff of the agent's work queues: 250 ms doubling to a minute, ±20 %. */
export const QUEUE_BACKOFF = { baseBackoffMs: 250, maxBackoffMs: 60_000, jitter: 0.2 } as const;

/** Full SHA-1 hex (40 characters): the value of the hash labels. */
export function sha1Hex(value: string): string {
  return createHash('sha1').update(value).digest('hex');
}

/** api-syncagent's `shortHash` / `$remoteNameHash`: the first 20 hex characters of SHA-1. */
export function shortHash(value: string): string {
  return sha1Hex(value).slice(0, 20);
}

/** Hex SHA3-256 (`sha3sum`). */
export function sha3Hex(value: string): string {
  return createHash('sha3-256').update(value).digest('hex');
}

/** `sha3short STR [LEN=20]`. */
export function sha3Short(value: string, length = 20): string {
  if (!Number.isInteger(length) || length <= 0)
    throw new Error(`sha3short: invalid length ${length}`);
  return sha3Hex(value).slice(0, length);
}

/** JSON with sorted keys, so hashes of equal objects are equal. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v as Record<string, unknown>).sort())
        out[k] = (v as Record<string, unknown>)[k];
      return out;
    }
    return v;
  });
}
