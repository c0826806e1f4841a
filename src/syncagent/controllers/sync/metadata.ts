/**
 * What of an object is synced and how copies are linked to their source:
 * - `syncContent` is the part the agent owns on the destination: every top-level field
 *   except apiVersion, kind, metadata and the subresources (status when the resource has a
 *   status subresource), plus the labels and annotations — without server metadata and
 *   without the labels and annotations that must never travel (kcp's cluster annotation,
 *   kubectl's last-applied configuration, kcp's claim labels, the agent's own keys);
 * - the link labels and annotations tie a copy to its source (hashes in labels because
 *   names may exceed 63 characters, full values in annotations).
 */
import type { JsonObject, KubeObject } from '../../../apimachinery/meta.ts';
import { createMergePatch } from '../../../apimachinery/patch/merge-patch.ts';
import {
  AGENT_NAME_LABEL,
  KCP_CLUSTER_ANNOTATION,
  RELATED_ANNOTATION_PREFIX,
  REMOTE_CLUSTER_LABEL,
  REMOTE_NAME_ANNOTATION,
  REMOTE_NAME_HASH_LABEL,
  REMOTE_NAMESPACE_ANNOTATION,
  REMOTE_NAMESPACE_HASH_LABEL,
  REMOTE_WORKSPACE_PATH_ANNOTATION,
  sha1Hex,
} from '../../constants.ts';

const UNSYNCABLE_ANNOTATIONS = new Set([
  KCP_CLUSTER_ANNOTATION,
  'kubectl.kubernetes.io/last-applied-configuration',
  REMOTE_NAMESPACE_ANNOTATION,
  REMOTE_NAME_ANNOTATION,
  REMOTE_WORKSPACE_PATH_ANNOTATION,
]);

function syncableLabel(key: string): boolean {
  return !key.startsWith('claimed.internal.apis.kcp.io/') && !key.startsWith('syncagent.kcp.io/');
}

function syncableAnnotation(key: string): boolean {
  return (
    !UNSYNCABLE_ANNOTATIONS.has(key) &&
    !key.startsWith(RELATED_ANNOTATION_PREFIX) &&
    !key.startsWith('syncagent.kcp.io/')
  );
}

function filtered(
  map: Record<string, string> | undefined,
  keep: (k: string) => boolean,
): Record<string, string> | undefined {
  if (!map) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(map)) if (keep(k)) out[k] = v;
  return Object.keys(out).length ? out : undefined;
}

/** The synced part of an object (see above). `subresources` are top-level keys left out. */
export function syncContent(obj: KubeObject, subresources: readonly string[]): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'metadata' || subresources.includes(k))
      continue;
    if (v !== undefined) out[k] = structuredClone(v) as JsonObject[string];
  }
  // Always present (possibly empty), so a merge patch removes single keys, never the map.
  out.metadata = {
    labels: filtered(obj.metadata.labels, syncableLabel) ?? {},
    annotations: filtered(obj.metadata.annotations, syncableAnnotation) ?? {},
  };
  return out;
}

/** Identity of a source object: which workspace (or '' for the service cluster), where. */
export interface SourceKey {
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
}

export function linkLabels(agentName: string, source: SourceKey): Record<string, string> {
  return {
    [AGENT_NAME_LABEL]: agentName,
    [REMOTE_CLUSTER_LABEL]: source.cluster,
    ...(source.namespace ? { [REMOTE_NAMESPACE_HASH_LABEL]: sha1Hex(source.namespace) } : {}),
    [REMOTE_NAME_HASH_LABEL]: sha1Hex(source.name),
  };
}

export function linkAnnotations(source: SourceKey, workspacePath?: string): Record<string, string> {
  return {
    ...(source.namespace ? { [REMOTE_NAMESPACE_ANNOTATION]: source.namespace } : {}),
    [REMOTE_NAME_ANNOTATION]: source.name,
    ...(workspacePath ? { [REMOTE_WORKSPACE_PATH_ANNOTATION]: workspacePath } : {}),
  };
}

/** The source a local copy links back to, from its labels and annotations. */
export function linkedSource(obj: KubeObject): SourceKey | undefined {
  const cluster = obj.metadata.labels?.[REMOTE_CLUSTER_LABEL];
  const name = obj.metadata.annotations?.[REMOTE_NAME_ANNOTATION];
  if (!cluster || !name) return undefined;
  return {
    cluster,
    namespace: obj.metadata.annotations?.[REMOTE_NAMESPACE_ANNOTATION] ?? '',
    name,
  };
}

/** Builds a full destination object from synced content and its identity. */
export function buildObject(
  content: JsonObject,
  identity: {
    apiVersion: string;
    kind: string;
    name: string;
    namespace?: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  },
): KubeObject {
  const meta = (content.metadata ?? {}) as {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  const labels = { ...meta.labels, ...identity.labels };
  const annotations = { ...meta.annotations, ...identity.annotations };
  const { metadata: _m, ...rest } = content;
  return {
    apiVersion: identity.apiVersion,
    kind: identity.kind,
    metadata: {
      name: identity.name,
      ...(identity.namespace ? { namespace: identity.namespace } : {}),
      ...(Object.keys(labels).length ? { labels } : {}),
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
    ...rest,
  };
}

/**
 * Metadata the destination must carry but lacks (client-go style three-way check): added
 * to a patch so link labels repaired by hand or lost come back.
 */
export function missingMetadata(
  dest: KubeObject,
  labels: Record<string, string>,
  annotations: Record<string, string>,
): { labels?: Record<string, string>; annotations?: Record<string, string> } {
  const out: { labels?: Record<string, string>; annotations?: Record<string, string> } = {};
  for (const [k, v] of Object.entries(labels))
    if (dest.metadata.labels?.[k] !== v) out.labels = { ...out.labels, [k]: v };
  for (const [k, v] of Object.entries(annotations))
    if (dest.metadata.annotations?.[k] !== v) out.annotations = { ...out.annotations, [k]: v };
  return out;
}

/**
 * The merge patch that brings a destination from the last synced state to `content`, with
 * the link labels and annotations it lacks (`missingMetadata`) added; `{}` when nothing
 * changed.
 */
export function patchFromState(
  lastKnown: JsonObject,
  content: JsonObject,
  dest: KubeObject,
  labels: Record<string, string>,
  annotations: Record<string, string>,
): JsonObject {
  const patch = (createMergePatch(lastKnown, content) ?? {}) as JsonObject;
  const missing = missingMetadata(dest, labels, annotations);
  if (missing.labels || missing.annotations) {
    const meta = (patch.metadata ?? {}) as JsonObject;
    patch.metadata = {
      ...meta,
      labels: { ...(meta.labels as JsonObject | undefined), ...missing.labels },
      annotations: { ...(meta.annotations as JsonObject | undefined), ...missing.annotations },
    };
  }
  return patch;
}

/** The object without `metadata.managedFields`, to compare what a write would change. */
export function withoutManagedFields(obj: KubeObject): KubeObject {
  const { managedFields: _m, ...meta } = obj.metadata;
  return { ...obj, metadata: meta };
}
