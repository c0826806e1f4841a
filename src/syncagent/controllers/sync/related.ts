/**
 * Related objects: Secrets, ConfigMaps (or any resource by GVR) that belong to a primary
 * and travel with it. Origin `kcp`: the tenant's object is copied to the service cluster
 * and carries the `syncagent.kcp.io/cleanup` finalizer until its copy is gone. Origin
 * `service`: the provider's object is copied into the tenant workspace and the tenant
 * object gets the `related-resources.syncagent.kcp.io/<identifier>` annotation saying
 * where. Both sides are watched (see shared.ts), copies are merge-patched against the
 * last synced state, copies whose origin is no longer referenced are pruned, and every
 * copy is cleaned up with its primary unless `cleanupPolicy: Orphan` (api-syncagent #116).
 */

import { labelSelectorFromObject } from '../../../apimachinery/labels.ts';
import { type KubeObject, nameOf } from '../../../apimachinery/meta.ts';
import { deepEqual } from '../../../apimachinery/schema/json.ts';
import {
  apiVersionOfRef,
  isAlreadyExists,
  type KubeClient,
  type ResourceRef,
} from '../../../controller/kube/client.ts';
import { addFinalizer, removeFinalizer } from '../../../controller/kube/finalizers.ts';
import type { Locator, RelatedResource } from '../../apis/types.ts';
import {
  AGENT_NAME_LABEL,
  CLEANUP_FINALIZER,
  RELATED_IDENTIFIER_LABEL,
  RELATED_PRIMARY_CLUSTER_LABEL,
  RELATED_PRIMARY_NAME_ANNOTATION,
  RELATED_PRIMARY_NAME_HASH_LABEL,
  RELATED_PRIMARY_NAMESPACE_ANNOTATION,
  RELATED_PRIMARY_NAMESPACE_HASH_LABEL,
  RELATED_PUBLISHED_RESOURCE_HASH_LABEL,
  sha1Hex,
} from '../../constants.ts';
import { applyMutations, getPath, regexReplace, scalarString } from '../../templating/mutation.ts';
import { render } from '../../templating/template.ts';
import {
  buildObject,
  linkAnnotations,
  linkLabels,
  missingMetadata,
  patchFromState,
  syncContent,
  withoutManagedFields,
} from './metadata.ts';
import {
  BY_RELATED_OWNER,
  RelatedTracker,
  relatedOwnerValue,
  type SelectorUse,
  type SharedDeps,
} from './shared.ts';
import { stateKey } from './state-store.ts';

type Side = 'kcp' | 'service';

export interface PrimaryContext {
  readonly deps: SharedDeps;
  readonly tracker: RelatedTracker;
  readonly publishedResource: string;
  /** `<controller>\0<primary key>`, the owner in the related index. */
  readonly owner: string;
  readonly cluster: string;
  readonly clusterPath: string;
  /** The tenant's primary object (kcp side). */
  readonly remote: KubeObject;
  /** Its copy on the service cluster (undefined while it does not exist). */
  readonly local: KubeObject | undefined;
  readonly remoteClient: KubeClient;
  readonly stateSecret: string;
  readonly stateLabels: Record<string, string>;
  readonly record: (action: string) => void;
}

interface Place {
  readonly namespace: string;
  readonly name: string;
}

interface Pair {
  readonly origin: Place;
  readonly dest: Place;
}

export interface RelatedResult {
  /** Keys for the related index. */
  readonly uses: string[];
  /** Annotations for the tenant object (origin service). */
  readonly annotations: Record<string, string>;
  /** The destination objects (pruning compares against them). */
  readonly dests: Place[];
  /** Something is not there yet; look again later. */
  readonly waiting: boolean;
  /** Label selectors the related objects are found by (new matches re-sync the primary). */
  readonly selectors: SelectorUse[];
}

export const originRef = (r: RelatedResource): ResourceRef => ({
  group: r.group,
  version: r.version,
  plural: r.resource,
  namespaced: true,
});
export const destRef = (r: RelatedResource): ResourceRef => ({
  group: r.destGroup,
  version: r.destVersion,
  plural: r.destResource,
  namespaced: true,
});

function sideRef(r: RelatedResource, side: Side): ResourceRef {
  return (r.origin === side ? originRef : destRef)(r);
}

/** The labels every copy of a related object carries (which primary, which identifier). */
export function relatedLabels(ctx: PrimaryContext, r: RelatedResource): Record<string, string> {
  const ns = ctx.remote.metadata.namespace ?? '';
  return {
    [AGENT_NAME_LABEL]: ctx.deps.agentName,
    [RELATED_PRIMARY_CLUSTER_LABEL]: ctx.cluster,
    [RELATED_PUBLISHED_RESOURCE_HASH_LABEL]: sha1Hex(ctx.publishedResource),
    ...(ns ? { [RELATED_PRIMARY_NAMESPACE_HASH_LABEL]: sha1Hex(ns) } : {}),
    [RELATED_PRIMARY_NAME_HASH_LABEL]: sha1Hex(ctx.remote.metadata.name ?? ''),
    [RELATED_IDENTIFIER_LABEL]: r.identifier,
  };
}

function relatedSelector(ctx: PrimaryContext, r: RelatedResource): string {
  return Object.entries(relatedLabels(ctx, r))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

function clientFor(ctx: PrimaryContext, side: Side): KubeClient {
  return side === 'kcp' ? ctx.remoteClient : ctx.deps.service;
}

function primaryOn(ctx: PrimaryContext, side: Side): KubeObject | undefined {
  return side === 'kcp' ? ctx.remote : ctx.local;
}

function evaluate(ctx: PrimaryContext, side: Side, loc: Locator, primary: KubeObject): string[] {
  if (loc.kind === 'reference') {
    const v = getPath(primary, loc.path);
    const values = Array.isArray(v) ? v : v === undefined || v === null || v === '' ? [] : [v];
    return values
      .map((x) => scalarString(x))
      .filter((x) => x !== '')
      .map((x) =>
        loc.regex ? regexReplace(x, loc.regex.pattern, loc.regex.replacement ?? '') : x,
      );
  }
  if (loc.kind === 'template') {
    const out = render(loc.template, {
      Side: side,
      Object: primary,
      ClusterName: ctx.cluster,
      ClusterPath: ctx.clusterPath,
    });
    return out ? [out] : [];
  }
  throw new Error('a selector cannot name a namespace');
}

function namespaceOn(ctx: PrimaryContext, r: RelatedResource, side: Side): string {
  const primary = primaryOn(ctx, side) as KubeObject;
  if (r.namespace) {
    const ns = evaluate(ctx, side, r.namespace, primary)[0];
    if (!ns) throw new Error(`related ${r.identifier}: namespace not found on the ${side} side`);
    return ns;
  }
  const ns = primary.metadata.namespace;
  if (!ns)
    throw new Error(
      `related ${r.identifier}: the primary is cluster-scoped, so object.namespace is required`,
    );
  return ns;
}

/** A selector locator's label selector, its matchLabels rendered as templates. */
function selectorOf(ctx: PrimaryContext, loc: Extract<Locator, { kind: 'selector' }>) {
  const data = {
    LocalObject: ctx.local,
    RemoteObject: ctx.remote,
    ClusterName: ctx.cluster,
    ClusterPath: ctx.clusterPath,
  };
  const matchLabels: Record<string, string> = {};
  for (const [k, v] of Object.entries(loc.selector.matchLabels ?? {}))
    matchLabels[render(k, data)] = render(v, data);
  return labelSelectorFromObject({
    matchLabels,
    ...(loc.selector.matchExpressions ? { matchExpressions: loc.selector.matchExpressions } : {}),
  });
}

/** Origin and destination of each related object (both sides' primaries must exist). */
async function pairs(ctx: PrimaryContext, r: RelatedResource): Promise<Pair[]> {
  const originSide: Side = r.origin;
  const destSide: Side = r.origin === 'kcp' ? 'service' : 'kcp';
  const originPrimary = primaryOn(ctx, originSide) as KubeObject;
  const destPrimary = primaryOn(ctx, destSide) as KubeObject;
  const originNs = namespaceOn(ctx, r, originSide);
  const destNs = namespaceOn(ctx, r, destSide);
  if (r.name.kind === 'selector') {
    const loc = r.name;
    const data = {
      LocalObject: ctx.local,
      RemoteObject: ctx.remote,
      ClusterName: ctx.cluster,
      ClusterPath: ctx.clusterPath,
    };
    const selector = selectorOf(ctx, loc);
    const found = await clientFor(ctx, originSide).list(sideRef(r, originSide), originNs, {
      labelSelector: selector.toString(),
    });
    return found.items.map((obj) => {
      const name = nameOf(obj);
      const dest = loc.rewrite.template
        ? render(loc.rewrite.template, { ...data, Value: name, RelatedObject: obj })
        : regexReplace(name, loc.rewrite.regex?.pattern, loc.rewrite.regex?.replacement ?? name);
      return { origin: { namespace: originNs, name }, dest: { namespace: destNs, name: dest } };
    });
  }
  const originNames = evaluate(ctx, originSide, r.name, originPrimary);
  const destNames = evaluate(ctx, destSide, r.name, destPrimary);
  if (originNames.length !== destNames.length)
    throw new Error(
      `related ${r.identifier}: ${originNames.length} object(s) on the ${originSide} side but ${destNames.length} on the ${destSide} side`,
    );
  return originNames.map((name, i) => ({
    origin: { namespace: originNs, name },
    dest: { namespace: destNs, name: destNames[i] as string },
  }));
}

/**
 * Reads a related object: the kcp side from the watch cache when it is synced. The service
 * side's watch keeps only metadata: an object it does not have is not read (a copy not made
 * yet, a service Secret not written yet: the watch's event syncs the primary again when it
 * appears, and a create that finds a copy the watch has not shown yet reads it then); with
 * `full` false its metadata is enough and nothing is read.
 */
async function read(
  ctx: PrimaryContext,
  r: RelatedResource,
  side: Side,
  place: Place,
  full = true,
): Promise<KubeObject | undefined> {
  const ref = sideRef(r, side);
  if (side === 'kcp') {
    const cached = ctx.tracker.kcpObject(ref, ctx.cluster, place.namespace, place.name);
    if (cached.synced) return cached.object;
  } else {
    const watched = ctx.tracker.serviceObject(ref, place.namespace, place.name);
    if (watched.synced && (!watched.object || !full)) return watched.object;
  }
  return clientFor(ctx, side).getOrUndefined(ref, place.namespace, place.name);
}

function indexKey(ctx: PrimaryContext, r: RelatedResource, side: Side, place: Place): string {
  const ref = sideRef(r, side);
  return side === 'kcp'
    ? RelatedTracker.kcpKey(ref, ctx.cluster, place.namespace, place.name)
    : RelatedTracker.serviceKey(ref, place.namespace, place.name);
}

function ownsCopy(ctx: PrimaryContext, r: RelatedResource, obj: KubeObject): boolean {
  const want = relatedLabels(ctx, r);
  const labels = obj.metadata.labels ?? {};
  return Object.entries(want).every(([k, v]) => labels[k] === v);
}

/** Syncs every object of one related resource for a primary whose copy exists. */
export async function syncRelated(ctx: PrimaryContext, r: RelatedResource): Promise<RelatedResult> {
  const originSide: Side = r.origin;
  const destSide: Side = r.origin === 'kcp' ? 'service' : 'kcp';
  const uses: string[] = [];
  const annotations: Record<string, string> = {};
  const dests: Place[] = [];
  let waiting = false;
  const selectors: SelectorUse[] = [];
  if (r.name.kind === 'selector') {
    const ns = namespaceOn(ctx, r, originSide);
    const ref = sideRef(r, originSide);
    selectors.push({
      scope:
        originSide === 'kcp'
          ? RelatedTracker.kcpScope(ref, ctx.cluster, ns)
          : RelatedTracker.serviceScope(ref, ns),
      matcher: selectorOf(ctx, r.name),
    });
  }
  const found = await pairs(ctx, r);
  for (const pair of found) {
    uses.push(indexKey(ctx, r, originSide, pair.origin), indexKey(ctx, r, destSide, pair.dest));
    const synced = await syncPair(ctx, r, pair);
    if (synced === 'waiting' || synced === 'exists') waiting = true;
    if (synced === 'synced' || synced === 'exists') dests.push(pair.dest);
  }
  if (r.origin === 'service') {
    const ref = destRef(r);
    const entries = dests.map((d) =>
      JSON.stringify({
        namespace: d.namespace,
        name: d.name,
        apiVersion: apiVersionOfRef(ref),
        kind: r.kind,
      }),
    );
    const key = `related-resources.syncagent.kcp.io/${r.identifier}`;
    if (entries.length === 1) annotations[key] = entries[0] as string;
    else for (const [i, e] of entries.entries()) annotations[`${key}.${i}`] = e;
  }
  return { uses, annotations, dests, waiting, selectors };
}

async function syncPair(
  ctx: PrimaryContext,
  r: RelatedResource,
  pair: Pair,
): Promise<'synced' | 'exists' | 'waiting' | 'gone'> {
  const originSide: Side = r.origin;
  const destSide: Side = r.origin === 'kcp' ? 'service' : 'kcp';
  const { deps } = ctx;
  const destClient = clientFor(ctx, destSide);
  const dRef = destRef(r);
  const sourceKey = {
    cluster: originSide === 'kcp' ? ctx.cluster : '',
    namespace: pair.origin.namespace,
    name: pair.origin.name,
  };
  const labels: Record<string, string> = {
    ...relatedLabels(ctx, r),
    ...(destSide === 'service' ? linkLabels(deps.agentName, sourceKey) : {}),
  };
  const annotations: Record<string, string> = {
    [RELATED_PRIMARY_NAME_ANNOTATION]: ctx.remote.metadata.name ?? '',
    ...(ctx.remote.metadata.namespace
      ? { [RELATED_PRIMARY_NAMESPACE_ANNOTATION]: ctx.remote.metadata.namespace }
      : {}),
    ...(destSide === 'service' ? linkAnnotations(sourceKey) : {}),
  };
  // The service side is read only as far as needed (see `read`): a service-side origin
  // unchanged since it was last synced, whose copy is in place, costs no GET at all; a
  // service-side copy is read in full only for a mutation or a sync without state.
  const originKey = indexKey(ctx, r, originSide, pair.origin);
  if (originSide === 'service' && !r.mutation) {
    const seen = await read(ctx, r, originSide, pair.origin, false);
    const copy = await read(ctx, r, destSide, pair.dest);
    const unchanged =
      seen !== undefined &&
      !seen.metadata.deletionTimestamp &&
      seen.metadata.resourceVersion === ctx.tracker.syncedFrom(originKey);
    const inPlace = copy !== undefined && ownsCopy(ctx, r, copy);
    const missing = copy ? missingMetadata(copy, labels, annotations) : {};
    if (unchanged && inPlace && !missing.labels && !missing.annotations) return 'synced';
  }
  let origin = await read(ctx, r, originSide, pair.origin);
  let dest = await read(ctx, r, destSide, pair.dest, r.mutation !== undefined);
  if (!origin) {
    if (dest && ownsCopy(ctx, r, dest) && r.cleanupPolicy === 'MatchOrigin') {
      await destClient.delete(dRef, pair.dest.namespace, pair.dest.name);
      ctx.record('related-deleted');
    }
    return 'waiting';
  }
  if (origin.metadata.deletionTimestamp) {
    // The origin is going: its copy goes too, then the origin may go.
    if (dest && ownsCopy(ctx, r, dest)) {
      await destClient.delete(dRef, pair.dest.namespace, pair.dest.name);
      ctx.record('related-deleted');
    }
    if (originSide === 'kcp')
      await removeFinalizer(ctx.remoteClient, originRef(r), origin, CLEANUP_FINALIZER);
    return 'gone';
  }
  if (originSide === 'kcp' && !origin.metadata.finalizers?.includes(CLEANUP_FINALIZER)) {
    const held = await addFinalizer(ctx.remoteClient, originRef(r), origin, CLEANUP_FINALIZER);
    // Gone or being deleted meanwhile: the next pass cleans up instead of copying.
    if (!held) return 'waiting';
    origin = held;
  }
  const mutated = structuredClone(origin) as KubeObject;
  applyMutations(r.mutation?.spec, {
    self: mutated,
    ...(dest ? { other: dest } : {}),
  });
  const content = syncContent(mutated, []);
  const key = stateKey({
    ...sourceKey,
    apiVersion: apiVersionOfRef(originRef(r)),
    kind: r.kind,
  });
  const synced = () => {
    if (originSide === 'service')
      ctx.tracker.setSyncedFrom(originKey, origin.metadata.resourceVersion);
    return 'synced' as const;
  };
  if (!dest) {
    if (destSide === 'service') await deps.namespaces.ensure(pair.dest.namespace, ctx.cluster);
    const previous = await deps.state.get(ctx.stateSecret, key);
    await deps.state.put(ctx.stateSecret, ctx.stateLabels, key, content);
    try {
      await destClient.create(
        dRef,
        pair.dest.namespace,
        buildObject(content, {
          apiVersion: apiVersionOfRef(dRef),
          kind: r.kind,
          name: pair.dest.name,
          namespace: pair.dest.namespace,
          labels,
          annotations,
        }),
      );
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      // Created meanwhile (the cache lags, or a restarted agent): the next round syncs it
      // from the state it was last synced from, not from what was just written; it is a
      // destination all the same, never pruned.
      if (previous) await deps.state.put(ctx.stateSecret, ctx.stateLabels, key, previous);
      else await deps.state.forget(ctx.stateSecret, key);
      return 'exists';
    }
    ctx.record('related-created');
    return synced();
  }
  const lastKnown = await deps.state.get(ctx.stateSecret, key);
  if (lastKnown) {
    const patch = patchFromState(lastKnown, content, dest, labels, annotations);
    if (Object.keys(patch).length > 0) {
      await destClient.patch(dRef, pair.dest.namespace, pair.dest.name, patch);
      ctx.record('related-patched');
    }
  } else {
    // No state (first sync by this agent, or adoption): make the copy equal to the origin
    // (a service-side copy read in full for this).
    const full = destSide === 'service' && !r.mutation;
    if (full)
      dest = (await destClient.getOrUndefined(dRef, pair.dest.namespace, pair.dest.name)) ?? dest;
    const desired = buildObject(content, {
      apiVersion: apiVersionOfRef(dRef),
      kind: r.kind,
      name: pair.dest.name,
      namespace: pair.dest.namespace,
      labels: { ...dest.metadata.labels, ...labels },
      annotations: { ...dest.metadata.annotations, ...annotations },
    });
    const next = { ...desired, metadata: { ...dest.metadata, ...desired.metadata } };
    if (!deepEqual(withoutManagedFields(next), withoutManagedFields(dest))) {
      await destClient.update(dRef, pair.dest.namespace, pair.dest.name, next);
      ctx.record('related-updated');
    }
  }
  await deps.state.put(ctx.stateSecret, ctx.stateLabels, key, content);
  return synced();
}

/** Removes copies of a related resource that no longer correspond to a current origin. */
export async function pruneRelated(
  ctx: PrimaryContext,
  r: RelatedResource,
  keep: readonly Place[],
): Promise<void> {
  if (r.cleanupPolicy === 'Orphan') return;
  const destSide: Side = r.origin === 'kcp' ? 'service' : 'kcp';
  const client = clientFor(ctx, destSide);
  // The copies come from the related kind's watch once it has synced, by its index of
  // copies by primary: a LIST by label made the server decode every object of the kind,
  // and a scan of the cache cost the agent as much, on each primary's first sync (the
  // fleet benchmark: O(tenants²)). Until then, and for a copy too new for the watch, the
  // LIST and the next change of destinations.
  const watch = await ctx.tracker.watch(destRef(r));
  const cache = destSide === 'kcp' ? watch.kcp : watch.service;
  const wanted = relatedLabels(ctx, r);
  const labels = Object.entries(wanted);
  const candidates = cache.hasSynced
    ? cache
        .byIndex(BY_RELATED_OWNER, relatedOwnerValue(wanted))
        .filter((o) => labels.every(([k, v]) => o.metadata.labels?.[k] === v))
    : (await client.list(destRef(r), undefined, { labelSelector: relatedSelector(ctx, r) })).items;
  for (const obj of candidates) {
    const ns = obj.metadata.namespace ?? '';
    const name = obj.metadata.name ?? '';
    if (keep.some((k) => k.namespace === ns && k.name === name)) continue;
    if (obj.metadata.deletionTimestamp) continue;
    await client.delete(destRef(r), ns, name);
    ctx.record('related-pruned');
  }
}

/**
 * The primary is going: delete the copies (unless Orphan) and release the tenant's
 * origin objects from the finalizer (unless another primary still uses them).
 */
export async function cleanupRelated(ctx: PrimaryContext, r: RelatedResource): Promise<void> {
  if (r.cleanupPolicy !== 'Orphan') await pruneRelated(ctx, r, []);
  if (r.origin !== 'kcp') return;
  let origins: Place[] = [];
  try {
    if (r.name.kind === 'selector') {
      const ns = namespaceOn(ctx, r, 'kcp');
      const found = await ctx.remoteClient.list(originRef(r), ns, {
        labelSelector: selectorOf(ctx, r.name).toString(),
      });
      origins = found.items
        .filter((o) => o.metadata.finalizers?.includes(CLEANUP_FINALIZER))
        .map((o) => ({ namespace: ns, name: nameOf(o) }));
    } else {
      const ns = namespaceOn(ctx, r, 'kcp');
      origins = evaluate(ctx, 'kcp', r.name, ctx.remote).map((name) => ({ namespace: ns, name }));
    }
  } catch {
    // Cannot resolve any more (e.g. the reference is gone): the finalizer sweep catches up.
  }
  for (const place of origins) {
    const k = indexKey(ctx, r, 'kcp', place);
    if (ctx.tracker.usedByOthers(k, ctx.owner)) continue;
    const obj = await read(ctx, r, 'kcp', place);
    if (obj?.metadata.finalizers?.includes(CLEANUP_FINALIZER))
      await removeFinalizer(ctx.remoteClient, originRef(r), obj, CLEANUP_FINALIZER);
  }
}
