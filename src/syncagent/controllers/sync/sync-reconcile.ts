/**
 * The reconcile of one tenant object of a PublishedResource (api-syncagent's
 * `syncagent-sync`), apart from its wiring (`sync-controller.ts`: watches, queue, caches).
 * Every read and write goes through `SyncOps`, functions the controller builds on its
 * clients and the table tests (`sync-reconcile.test.ts`) fake, as kcp's reconcilers take
 * theirs.
 *
 * The steps: the tenant's filter; finalizer `syncagent.kcp.io/cleanup` (ObjectAccepted);
 * the copy created where the naming rules say, namespace made when needed
 * (ObjectPlaced), or an existing object adopted, or the copy's spec merge-patched against
 * the last synced state (ObjectSynced); status copied up through `/status`
 * (ObjectStatusSynced); related objects; the related-resources annotations. Deletion is
 * `sync-delete.ts`.
 *
 * A permission claim the object's sync needs (its related resources, …; `claims.ts`) that
 * the tenant's binding has not accepted holds it back where the tenant looks: no copy is
 * placed (the provider could not give it what it references), an existing copy's related
 * objects wait, and the tenant's object carries `Synced=False` with reason
 * `PermissionClaimNotAccepted`, naming the claim and the command that accepts it, plus a
 * Warning event of that reason (where the events claim lets the agent write events). The
 * condition goes with the next status copy once the claim is accepted.
 */

import { labelSelectorFromObject } from '../../../apimachinery/labels.ts';
import {
  isJsonObject,
  type JsonObject,
  type JsonValue,
  type KubeObject,
  objectOrEmpty,
  timestamp,
} from '../../../apimachinery/meta.ts';
import { createMergePatch } from '../../../apimachinery/patch/merge-patch.ts';
import { deepEqual } from '../../../apimachinery/schema/json.ts';
import {
  apiVersionOfRef,
  isAlreadyExists,
  isNotFound,
  type ResourceRef,
} from '../../../controller/kube/client.ts';
import type { Logger } from '../../../logging/logger.ts';
import type { NormalizedSpec, RelatedResource } from '../../apis/types.ts';
import {
  type AgentCondition,
  type BindingClaims,
  CLAIM_NOT_ACCEPTED,
  claimsCondition,
  claimsToSync,
  notAccepted,
  SYNCED_CONDITION,
} from '../../claims.ts';
import {
  AGENT_NAME_LABEL,
  CLEANUP_FINALIZER,
  KCP_CLUSTER_ANNOTATION,
  RELATED_ANNOTATION_PREFIX,
} from '../../constants.ts';
import { applyMutations } from '../../templating/mutation.ts';
import { localObjectName } from '../../templating/naming.ts';
import {
  buildObject,
  linkAnnotations,
  linkedSource,
  linkLabels,
  patchFromState,
  type SourceKey,
  syncContent,
  withoutManagedFields,
} from './metadata.ts';
import type { RelatedResult } from './related.ts';
import type { SelectorUse } from './shared.ts';
import { stateKey, stateSecretName } from './state-store.ts';

export type SyncResult = { requeueAfterMs?: number } | undefined;

/** A place on one side: namespace ('' for none) and name. */
export interface Place {
  readonly namespace: string;
  readonly name: string;
}

/** The related-object work of one primary (related.ts, on the primary's context). */
export interface RelatedOps {
  sync(rule: RelatedResource): Promise<RelatedResult>;
  prune(rule: RelatedResource, keep: readonly Place[]): Promise<void>;
  cleanup(rule: RelatedResource): Promise<void>;
}

/** Everything the reconcile reads and writes. */
export interface SyncOps {
  /** The tenant's objects, through the virtual workspace of `cluster`. */
  readonly tenant: {
    addFinalizer(cluster: string, obj: KubeObject): Promise<KubeObject | undefined>;
    removeFinalizer(cluster: string, obj: KubeObject): Promise<void>;
    get(cluster: string, place: Place): Promise<KubeObject | undefined>;
    /** Lists the collection at `namespace` (limit 1); throws when it is not served. */
    probeCollection(cluster: string, namespace: string): Promise<void>;
    patch(cluster: string, place: Place, patch: JsonObject): Promise<void>;
    patchStatus(cluster: string, place: Place, patch: JsonObject): Promise<void>;
    /** A namespace's labels (cached briefly), for the PublishedResource's namespace filter. */
    namespaceLabels(cluster: string, namespace: string): Promise<Record<string, string>>;
    /** The workspace path of `cluster` (only asked with `enableWorkspacePaths`). */
    workspacePath(cluster: string): Promise<string>;
    /** The tenant objects' cache has listed once. */
    listed(): boolean;
    /** `cluster` binds the export (false while the bindings are not listed yet). */
    bound(cluster: string): boolean;
    /** The claim decisions of `cluster`'s binding (undefined while not known). */
    claims(cluster: string): BindingClaims | undefined;
  };
  /** The agent's copies on the service cluster. */
  readonly copies: {
    get(place: Place): Promise<KubeObject | undefined>;
    create(namespace: string, obj: KubeObject): Promise<KubeObject>;
    patch(place: Place, patch: JsonObject): Promise<KubeObject>;
    update(place: Place, obj: KubeObject): Promise<KubeObject>;
    /** false: it was gone already. */
    delete(place: Place): Promise<boolean>;
  };
  readonly namespaces: {
    ensure(namespace: string, cluster: string): Promise<unknown>;
    forget(namespace: string): void;
  };
  /** The state Secrets (last synced content per source object). */
  readonly state: {
    get(secret: string, key: string): Promise<JsonObject | undefined>;
    put(
      secret: string,
      labels: Record<string, string>,
      key: string,
      value: JsonObject,
    ): Promise<void>;
    forget(secret: string, key: string): Promise<void>;
    delete(secret: string): Promise<void>;
  };
  /** The related-object work of the primary `source` (`remote` on the tenant's side). */
  related(
    source: SourceKey,
    remote: KubeObject,
    local: KubeObject | undefined,
    clusterPath: string,
  ): RelatedOps;
  /** The related index: which related objects and selectors a primary uses. */
  setUses(owner: string, uses: readonly string[]): void;
  setSelectors(owner: string, selectors: readonly SelectorUse[]): void;
  event(
    cluster: string,
    obj: KubeObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): void;
  /** Counts a sync action (metrics). */
  record(action: string): void;
}

/** What a reconcile knows of one PublishedResource and its controller. */
export interface SyncEnv {
  readonly ops: SyncOps;
  readonly spec: NormalizedSpec;
  readonly remoteRef: ResourceRef & { kind: string };
  readonly localRef: ResourceRef & { kind: string };
  /** The resource has a status subresource: status is copied up. */
  readonly hasStatus: boolean;
  /** Its status keeps conditions: the agent may add one of its own. */
  readonly hasConditions: boolean;
  readonly agentName: string;
  /** The PublishedResource's name. */
  readonly publishedResource: string;
  /** `<key>|<identifier>` → the related destinations last pruned against. */
  readonly lastDests: Map<string, string>;
  readonly log: Logger;
}

/** One tenant object, by queue key, with what the caches hold for it. */
export interface PrimaryObject {
  /** `cluster|namespace|name`. */
  readonly key: string;
  readonly source: SourceKey;
  /** The tenant's object (undefined once it is gone). */
  readonly remote: KubeObject | undefined;
  /** The copies on the service cluster that carry its link labels. */
  readonly copies: readonly KubeObject[];
}

/** The owner of a primary in the related index. */
export const ownerOf = (env: SyncEnv, key: string): string => `${env.publishedResource}\0${key}`;

export const placeOf = (obj: KubeObject): Place => ({
  namespace: obj.metadata.namespace ?? '',
  name: obj.metadata.name ?? '',
});

/** The state Secret of a primary: its name and the labels linking it to the primary. */
export function stateSecretOf(env: SyncEnv, source: SourceKey) {
  return {
    name: stateSecretName({
      cluster: source.cluster,
      apiVersion: apiVersionOfRef(env.remoteRef),
      kind: env.remoteRef.kind,
      namespace: source.namespace,
      name: source.name,
    }),
    labels: linkLabels(env.agentName, source),
  };
}

/**
 * Whether the PublishedResource's filter takes the object: its labels against
 * `filter.resource`, its namespace's labels against `filter.namespace`.
 */
export async function passesFilter(
  filter: NormalizedSpec['filter'],
  remote: KubeObject,
  namespaceLabels: () => Promise<Record<string, string>>,
): Promise<boolean> {
  if (!filter) return true;
  if (filter.resource && !labelSelectorFromObject(filter.resource).matches(remote.metadata.labels))
    return false;
  if (filter.namespace && remote.metadata.namespace) {
    if (!labelSelectorFromObject(filter.namespace).matches(await namespaceLabels())) return false;
  }
  return true;
}

/**
 * The copy to sync: the one copy of the object, or none. Copies being deleted count only
 * when there is no other; two live ones are an error for the provider to resolve.
 */
export function chooseCopy(copies: readonly KubeObject[]): KubeObject | undefined {
  const found = copies.filter((c) => !c.metadata.deletionTimestamp || copies.length === 1);
  if (found.length > 1)
    throw new Error(
      `${found.length} copies on the service cluster claim to be this object: ${found
        .map((c) => `${c.metadata.namespace ?? ''}/${c.metadata.name}`)
        .join(', ')}`,
    );
  return found[0];
}

/**
 * An object already at the copy's place: ours (`keep`), unlabelled (`adopt`: take it
 * over), going away (`wait`), or another object's or another agent's (an error: the naming
 * rules collide).
 */
export function adoption(
  existing: KubeObject,
  source: SourceKey,
  agentName: string,
): 'keep' | 'adopt' | 'wait' {
  const linked = linkedSource(existing);
  const owner = existing.metadata.labels?.[AGENT_NAME_LABEL];
  const same =
    linked !== undefined &&
    linked.cluster === source.cluster &&
    linked.namespace === source.namespace &&
    linked.name === source.name;
  if ((linked && !same) || (owner && owner !== agentName))
    throw new Error(
      `${existing.metadata.namespace ?? ''}/${existing.metadata.name} on the service cluster belongs to another object; check the naming rules`,
    );
  if (existing.metadata.deletionTimestamp) return 'wait';
  return same && owner === agentName ? 'keep' : 'adopt';
}

/**
 * The write that brings a copy to `content`: with a last synced state, a merge patch from
 * it (so the service side's defaults and additions stay); without one, a full update of
 * everything but the copy's own metadata and status; nothing when already equal.
 */
export function contentWrite(input: {
  readonly local: KubeObject;
  readonly content: JsonObject;
  readonly lastKnown: JsonObject | undefined;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly localRef: ResourceRef & { kind: string };
  readonly hasStatus: boolean;
}): { readonly patch: JsonObject } | { readonly update: KubeObject } | undefined {
  const { local, content, labels, annotations, localRef } = input;
  if (input.lastKnown) {
    const patch = patchFromState(input.lastKnown, content, local, labels, annotations);
    return Object.keys(patch).length > 0 ? { patch } : undefined;
  }
  const namespace = local.metadata.namespace;
  const desired = buildObject(content, {
    apiVersion: apiVersionOfRef(localRef),
    kind: localRef.kind,
    name: local.metadata.name ?? '',
    ...(namespace ? { namespace } : {}),
    labels,
    annotations,
  });
  const full: KubeObject = {
    ...desired,
    metadata: {
      ...local.metadata,
      labels: desired.metadata.labels ?? {},
      annotations: desired.metadata.annotations ?? {},
    },
  };
  if (input.hasStatus && local.status !== undefined) full.status = local.status;
  return deepEqual(withoutManagedFields(full), withoutManagedFields(local))
    ? undefined
    : { update: full };
}

/** A condition the agent itself sets on the tenant's object (not the service side's). */
const agentsOwn = (c: JsonValue) =>
  isJsonObject(c) && c.type === SYNCED_CONDITION && c.reason === CLAIM_NOT_ACCEPTED;

/**
 * The status patch for the tenant's object: the copy's status (after the status
 * mutations) — or, with no copy, the tenant's own without the agent's condition — with
 * `condition` added when given, as a merge patch from the tenant's; undefined when equal.
 */
export function statusPatch(
  remote: KubeObject,
  local: KubeObject | undefined,
  mutations: NormalizedSpec['mutation']['status'],
  condition?: AgentCondition,
): JsonObject | undefined {
  const objectOr = (value: unknown): JsonObject => objectOrEmpty(value);
  const current = objectOr(remote.status);
  let status: JsonObject;
  if (local) {
    status = objectOr(local.status);
    if (mutations?.length) {
      const copy = structuredClone(local);
      applyMutations(mutations, { self: copy, other: remote });
      status = objectOr(copy.status);
    }
  } else {
    status = structuredClone(current);
    if (Array.isArray(status.conditions)) {
      status.conditions = status.conditions.filter((c) => !agentsOwn(c));
      if (status.conditions.length === 0) delete status.conditions;
    }
  }
  if (condition) {
    const list = (v: JsonValue | undefined) => (Array.isArray(v) ? v : []);
    const ofType = (c: JsonValue) => isJsonObject(c) && c.type === condition.type;
    // The tenant's copy of the condition keeps its transition time while its status holds.
    const previous = list(current.conditions).find(
      (c) => ofType(c) && isJsonObject(c) && c.status === condition.status,
    );
    const since =
      isJsonObject(previous) && typeof previous.lastTransitionTime === 'string'
        ? previous.lastTransitionTime
        : timestamp();
    status = {
      ...status,
      conditions: [
        ...list(status.conditions).filter((c) => !ofType(c)),
        { ...condition, lastTransitionTime: since },
      ],
    };
  }
  if (deepEqual(status, current)) return undefined;
  const patch = createMergePatch({ status: current }, { status });
  return isJsonObject(patch) ? patch : undefined;
}

/** The claims the tenant's binding has not accepted that this object's sync needs. */
export function unacceptedClaims(env: SyncEnv, cluster: string) {
  const binding = env.ops.tenant.claims(cluster);
  if (!binding) return undefined;
  const missing = notAccepted(claimsToSync(env.spec), binding);
  return missing.length > 0 ? claimsCondition(binding.name, missing) : undefined;
}

/**
 * The metadata patch that makes the tenant's `related-resources.syncagent.kcp.io/*`
 * annotations exactly `wanted`; undefined when they are.
 */
export function relatedAnnotationsPatch(
  current: Record<string, string> | undefined,
  wanted: Record<string, string>,
): JsonObject | undefined {
  const existing = current ?? {};
  const patch: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(wanted)) if (existing[k] !== v) patch[k] = v;
  for (const k of Object.keys(existing))
    if (k.startsWith(RELATED_ANNOTATION_PREFIX) && !(k in wanted)) patch[k] = null;
  return Object.keys(patch).length === 0 ? undefined : { metadata: { annotations: patch } };
}

/** The tenant object as read through a cluster's client, annotated with its cluster. */
function withCluster(obj: KubeObject, cluster: string): KubeObject {
  if (obj.metadata.annotations?.[KCP_CLUSTER_ANNOTATION] === cluster) return obj;
  return {
    ...obj,
    metadata: {
      ...obj.metadata,
      annotations: { ...obj.metadata.annotations, [KCP_CLUSTER_ANNOTATION]: cluster },
    },
  };
}

/** Syncs a tenant object that exists and is not being deleted. */
export async function reconcileObject(env: SyncEnv, primary: PrimaryObject): Promise<SyncResult> {
  const { ops, spec, localRef, remoteRef } = env;
  const { source: src, key } = primary;
  let current = primary.remote;
  if (!current) throw new Error(`reconcileObject called for ${key}, which is gone`);
  const remote = current;
  const inFilter = await passesFilter(spec.filter, remote, () =>
    ops.tenant.namespaceLabels(src.cluster, remote.metadata.namespace ?? ''),
  );
  if (!inFilter) return undefined;

  if (!current.metadata.finalizers?.includes(CLEANUP_FINALIZER)) {
    const updated = await ops.tenant.addFinalizer(src.cluster, current);
    if (!updated) return undefined;
    current = withCluster(updated, src.cluster);
    ops.event(
      src.cluster,
      current,
      'Normal',
      'ObjectAccepted',
      'The object has been seen by the service provider and will be synced.',
    );
  }
  const clusterPath = spec.enableWorkspacePaths ? await ops.tenant.workspacePath(src.cluster) : '';
  let local = chooseCopy(primary.copies);
  const mutated = structuredClone(current);
  applyMutations(spec.mutation.spec, { self: mutated, ...(local ? { other: local } : {}) });
  const content = syncContent(mutated, env.hasStatus ? ['status'] : []);
  const labels = linkLabels(env.agentName, src);
  const annotations = linkAnnotations(src, clusterPath || undefined);
  const state = stateSecretOf(env, src);
  const contentKey = stateKey({
    ...src,
    apiVersion: apiVersionOfRef(remoteRef),
    kind: remoteRef.kind,
  });
  const sync = (copy: KubeObject) =>
    syncCopy(env, { copy, content, labels, annotations, contentKey, state, remote: current });

  // Claims the sync needs and the tenant has not accepted: said on the tenant's object.
  const held = unacceptedClaims(env, src.cluster);
  const shown = isJsonObject(current.status) ? current.status.conditions : undefined;
  const announced =
    held !== undefined &&
    env.hasStatus &&
    env.hasConditions &&
    Array.isArray(shown) &&
    shown.some((c) => isJsonObject(c) && c.reason === held.reason && c.message === held.message);
  if (held && !announced) ops.event(src.cluster, current, 'Warning', held.reason, held.message);
  const statusCondition = held && env.hasConditions ? held : undefined;

  if (!local && held) {
    // No copy: the provider could not give it the objects it references.
    if (env.hasStatus) {
      const patch = statusPatch(current, undefined, spec.mutation.status, statusCondition);
      if (patch) await copyStatusUp(env, src, current, patch, false);
    }
    return undefined;
  }
  if (!local) {
    const target = localObjectName(
      spec.naming,
      current,
      { clusterName: src.cluster, ...(clusterPath ? { clusterPath } : {}) },
      localRef.namespaced,
    );
    if (localRef.namespaced) await ops.namespaces.ensure(target.namespace, src.cluster);
    // The state is written first: a crash after the create still finds it. What was
    // there before is kept aside in case the copy turns out to exist already.
    const previous = await ops.state.get(state.name, contentKey);
    await ops.state.put(state.name, state.labels, contentKey, content);
    try {
      local = await ops.copies.create(
        target.namespace,
        buildObject(content, {
          apiVersion: apiVersionOfRef(localRef),
          kind: localRef.kind,
          name: target.name,
          ...(target.namespace ? { namespace: target.namespace } : {}),
          labels,
          annotations,
        }),
      );
      ops.record('created');
      ops.event(
        src.cluster,
        current,
        'Normal',
        'ObjectPlaced',
        `The object has been placed on the service cluster${target.namespace ? ` in namespace ${target.namespace}` : ''}.`,
      );
    } catch (err) {
      if (isNotFound(err)) ops.namespaces.forget(target.namespace);
      if (!isAlreadyExists(err)) throw err;
      // Already there (a copy the cache has not shown yet, or an object to adopt): sync
      // it from the state it was last synced from, not from what was just written.
      const existing = await ops.copies.get(target);
      if (!existing) return { requeueAfterMs: 200 };
      if (previous) await ops.state.put(state.name, state.labels, contentKey, previous);
      else await ops.state.forget(state.name, contentKey);
      const taken = await adopt(env, existing, src, labels, annotations, contentKey, state.name);
      if (!taken) return { requeueAfterMs: 1000 };
      local = await sync(taken);
    }
  } else if (local.metadata.deletionTimestamp) {
    // A copy deleted on the service side is re-created once it is gone.
    return { requeueAfterMs: 2000 };
  } else {
    local = await sync(local);
  }

  if (env.hasStatus) {
    const patch = statusPatch(current, local, spec.mutation.status, statusCondition);
    if (patch) await copyStatusUp(env, src, current, patch);
  }
  // Related objects wait for the claims; accepting one syncs the workspace again.
  if (held) return undefined;
  const waiting = await syncRelatedObjects(env, primary, current, local, clusterPath);
  return waiting ? { requeueAfterMs: 30_000 } : undefined;
}

/** Takes over an existing object at the copy's place (see `adoption`). */
async function adopt(
  env: SyncEnv,
  existing: KubeObject,
  src: SourceKey,
  labels: Record<string, string>,
  annotations: Record<string, string>,
  contentKey: string,
  stateName: string,
): Promise<KubeObject | undefined> {
  const decision = adoption(existing, src, env.agentName);
  if (decision === 'wait') return undefined;
  if (decision === 'keep') return existing;
  // Unlabelled: take it over; with no state, the next sync makes it equal to the source.
  await env.ops.state.forget(stateName, contentKey);
  const adopted = await env.ops.copies.patch(placeOf(existing), {
    metadata: { labels, annotations },
  });
  env.log.info(
    { copy: `${existing.metadata.namespace ?? ''}/${existing.metadata.name}` },
    'adopted an existing object on the service cluster',
  );
  return adopted;
}

/** Writes `content` to the copy (see `contentWrite`) and records it as the synced state. */
async function syncCopy(
  env: SyncEnv,
  input: {
    readonly copy: KubeObject;
    readonly content: JsonObject;
    readonly labels: Record<string, string>;
    readonly annotations: Record<string, string>;
    readonly contentKey: string;
    readonly state: { name: string; labels: Record<string, string> };
    readonly remote: KubeObject;
  },
): Promise<KubeObject> {
  const { ops } = env;
  const { copy, content, state, remote } = input;
  const write = contentWrite({
    local: copy,
    content,
    lastKnown: await ops.state.get(state.name, input.contentKey),
    labels: input.labels,
    annotations: input.annotations,
    localRef: env.localRef,
    hasStatus: env.hasStatus,
  });
  let next = copy;
  if (write) {
    if ('patch' in write) {
      next = await ops.copies.patch(placeOf(copy), write.patch);
      ops.record('patched');
    } else {
      next = await ops.copies.update(placeOf(copy), write.update);
      ops.record('updated');
    }
    ops.event(
      remote.metadata.annotations?.[KCP_CLUSTER_ANNOTATION] ?? '',
      remote,
      'Normal',
      'ObjectSynced',
      'The object has been synced to the service cluster.',
    );
  }
  await ops.state.put(state.name, state.labels, input.contentKey, content);
  return next;
}

/** Writes the tenant's status; `copied` says it came from the copy (recorded and announced). */
async function copyStatusUp(
  env: SyncEnv,
  src: SourceKey,
  remote: KubeObject,
  patch: JsonObject,
  copied = true,
): Promise<void> {
  try {
    await env.ops.tenant.patchStatus(src.cluster, src, patch);
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  if (!copied) return;
  env.ops.record('status');
  env.ops.event(
    src.cluster,
    remote,
    'Normal',
    'ObjectStatusSynced',
    'The status has been copied from the service cluster.',
  );
}

/**
 * Syncs every related resource of the primary, prunes copies whose origin it no longer
 * names (only when the destinations changed), updates the related index and the
 * related-resources annotations. True when something is not there yet.
 */
async function syncRelatedObjects(
  env: SyncEnv,
  primary: PrimaryObject,
  remote: KubeObject,
  local: KubeObject,
  clusterPath: string,
): Promise<boolean> {
  const { ops, spec } = env;
  const related = ops.related(primary.source, remote, local, clusterPath);
  const uses: string[] = [];
  const selectors: SelectorUse[] = [];
  const annotations: Record<string, string> = {};
  let waiting = false;
  for (const rule of spec.related) {
    const result = await related.sync(rule);
    uses.push(...result.uses);
    selectors.push(...result.selectors);
    Object.assign(annotations, result.annotations);
    if (result.waiting) waiting = true;
    const destsKey = `${primary.key}|${rule.identifier}`;
    const signature = JSON.stringify(result.dests);
    if (env.lastDests.get(destsKey) !== signature) {
      await related.prune(rule, result.dests);
      env.lastDests.set(destsKey, signature);
    }
  }
  ops.setUses(ownerOf(env, primary.key), uses);
  ops.setSelectors(ownerOf(env, primary.key), selectors);
  if (spec.related.some((r) => r.origin === 'service')) {
    const patch = relatedAnnotationsPatch(remote.metadata.annotations, annotations);
    if (patch) {
      await ops.tenant.patch(primary.source.cluster, placeOf(remote), patch);
      ops.record('annotated');
    }
  }
  return waiting;
}
