/**
 * What the workspace cleanup deletes for one workspace that no longer binds the export,
 * apart from its wiring (`controller.ts`): from what the lookups say the service cluster
 * holds, the deletions in the order they must happen. No I/O of its own: the lookups are
 * passed in as functions (the wiring answers them from the agent's watches, or by a LIST
 * while a watch has not synced), so `cleanup-reconcile.test.ts` states each rule as a row.
 *
 * - Every object is checked by its labels here, whatever the lookup returned: a copy of a
 *   primary carries this agent's name and `remote-object-cluster` = the workspace; a copy
 *   of a related object `related-primary-cluster`; a state Secret `object-state=true` in the
 *   agent's namespace; a namespace the agent's name and the workspace.
 * - Objects already being deleted are left to finish.
 * - The order: copies of primaries first (their service-side finalizers run), then related
 *   copies, then state Secrets, then namespaces; a later step starts when the one before
 *   has been sent.
 * - A namespace is kept when it is the agent's own, or when a copy of another workspace's
 *   object lives in it (two workspaces mapped to one namespace by the naming rules).
 * - Each deletion carries the object's uid, so a name that now holds another object (the
 *   lookup read a cache) is not deleted.
 */
import { type KubeObject, nameOf } from '../../../apimachinery/meta.ts';
import type { ResourceRef } from '../../../controller/kube/client.ts';
import {
  AGENT_NAME_LABEL,
  NAMESPACES,
  OBJECT_STATE_LABEL,
  RELATED_PRIMARY_CLUSTER_LABEL,
  REMOTE_CLUSTER_LABEL,
  SECRETS,
} from '../../constants.ts';

export interface CleanupLookups {
  /** Copies of primaries of `ref` made for `cluster` (a superset is fine). */
  copies(ref: ResourceRef, cluster: string): Promise<readonly KubeObject[]>;
  /** Objects of a related kind `ref` labelled with a primary of `cluster` (a superset is fine). */
  relatedCopies(ref: ResourceRef, cluster: string): Promise<readonly KubeObject[]>;
  /** State Secrets of `cluster` (a superset is fine). */
  stateSecrets(cluster: string): Promise<readonly KubeObject[]>;
  /** Namespaces the agent made for `cluster` (a superset is fine). */
  namespaces(cluster: string): Promise<readonly KubeObject[]>;
  /** The agent's copies of primaries of `ref` in `namespace`. */
  copiesIn(ref: ResourceRef, namespace: string): Promise<readonly KubeObject[]>;
}

export interface CleanupScope {
  readonly agentName: string;
  /** The agent's own namespace (state Secrets live there; it is never deleted). */
  readonly agentNamespace: string;
  /** The service-side kinds of the primaries the agent syncs. */
  readonly primaries: readonly ResourceRef[];
  /** The service-side kinds of related objects (copies of kcp objects, service originals). */
  readonly related: readonly ResourceRef[];
}

export type DeletionKind = 'copy' | 'related' | 'state' | 'namespace';

export interface Deletion {
  readonly kind: DeletionKind;
  readonly ref: ResourceRef;
  readonly namespace?: string;
  readonly name: string;
  readonly uid?: string;
}

export interface CleanupPlan {
  /** Deletions in steps: every deletion of a step is sent before the next step starts. */
  readonly steps: readonly (readonly Deletion[])[];
  /** Namespaces of the workspace kept because other workspaces' copies live there. */
  readonly sharedNamespaces: readonly string[];
}

const label = (obj: KubeObject, key: string): string | undefined => obj.metadata.labels?.[key];

function deletion(kind: DeletionKind, ref: ResourceRef, obj: KubeObject): Deletion {
  const { namespace, uid } = obj.metadata;
  return {
    kind,
    ref,
    name: nameOf(obj),
    ...(ref.namespaced && namespace ? { namespace } : {}),
    ...(uid ? { uid } : {}),
  };
}

/** What to delete, and in which order, for a workspace that no longer binds the export. */
export async function planCleanup(
  cluster: string,
  scope: CleanupScope,
  lookups: CleanupLookups,
): Promise<CleanupPlan> {
  const mine = (obj: KubeObject) =>
    label(obj, AGENT_NAME_LABEL) === scope.agentName && !obj.metadata.deletionTimestamp;

  const copies: Deletion[] = [];
  for (const ref of scope.primaries)
    for (const obj of await lookups.copies(ref, cluster))
      if (mine(obj) && label(obj, REMOTE_CLUSTER_LABEL) === cluster)
        copies.push(deletion('copy', ref, obj));

  const related: Deletion[] = [];
  for (const ref of scope.related)
    for (const obj of await lookups.relatedCopies(ref, cluster))
      if (mine(obj) && label(obj, RELATED_PRIMARY_CLUSTER_LABEL) === cluster)
        related.push(deletion('related', ref, obj));

  const states: Deletion[] = [];
  for (const obj of await lookups.stateSecrets(cluster))
    if (
      label(obj, OBJECT_STATE_LABEL) === 'true' &&
      label(obj, REMOTE_CLUSTER_LABEL) === cluster &&
      obj.metadata.namespace === scope.agentNamespace &&
      !obj.metadata.deletionTimestamp
    )
      states.push(deletion('state', SECRETS, obj));

  const namespaces: Deletion[] = [];
  const sharedNamespaces: string[] = [];
  for (const ns of await lookups.namespaces(cluster)) {
    const name = nameOf(ns);
    if (!mine(ns) || label(ns, REMOTE_CLUSTER_LABEL) !== cluster) continue;
    if (name === scope.agentNamespace) continue;
    let shared = false;
    for (const ref of scope.primaries)
      for (const obj of await lookups.copiesIn(ref, name))
        if (label(obj, AGENT_NAME_LABEL) === scope.agentName)
          shared ||= label(obj, REMOTE_CLUSTER_LABEL) !== cluster;
    if (shared) sharedNamespaces.push(name);
    else namespaces.push(deletion('namespace', NAMESPACES, ns));
  }

  return {
    steps: [copies, related, states, namespaces].filter((step) => step.length > 0),
    sharedNamespaces,
  };
}
