/**
 * The garbage collector: objects whose owners are all gone are deleted, as upstream's.
 *
 * - Background (the default): once an owner is gone, each dependent whose owners are all
 *   gone is deleted; a dependent that still has a live owner only loses the dangling
 *   reference.
 * - Foreground: an owner marked with the `foregroundDeletion` finalizer stays until its
 *   dependents that block deletion (`blockOwnerDeletion`) are gone; they are deleted in
 *   foreground too.
 * - Orphan: an owner marked with the `orphan` finalizer has its references removed from
 *   every dependent, then goes.
 * - Dangling owners: an object created with an owner that does not exist (or has another
 *   uid) is collected.
 *
 * Only objects that have or are owners are indexed (owner uid → dependents), built from a
 * scan of the store at start — so collection resumes after a restart — and kept current by
 * one watch over every key. Owners are resolved by apiVersion, kind and name (in the
 * dependent's namespace when namespaced) and checked by uid, never from a global index.
 */
import type { KubeObject, OwnerReference } from '../../../apimachinery/meta.ts';
import { parseApiVersion } from '../../../apimachinery/meta.ts';
import { isStatusError } from '../../../apimachinery/status.ts';
import { Requeue, WorkQueue } from '../../../controller/work-queue.ts';
import type { Logger } from '../../../logging/logger.ts';
import { isStoreError } from '../../../storage/errors.ts';
import { objectKey, parseObjectKey } from '../../../storage/keys.ts';
import type { Store, WatchEvent, Watcher } from '../../../storage/store.ts';
import type { Client } from '../../client.ts';
import type { ResourceType } from '../../registry/resource-type.ts';
import type { TypeRegistry } from '../../registry/type-registry.ts';
import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER } from '../../rest/resource-storage.ts';

interface Indexed {
  readonly uid: string;
  readonly owners: readonly OwnerReference[];
}

const RETRY_MS = 500;
const DEPENDENT = 'dependent:';
const OWNER = 'owner:';

export class GarbageCollector {
  private readonly store: Store;
  private readonly client: Client;
  private readonly registry: TypeRegistry;
  private readonly logger: Logger;
  /** key → its uid and owner references, for objects that have owners. */
  private readonly dependentsByKey = new Map<string, Indexed>();
  /** owner uid → keys of its dependents. */
  private readonly dependentsOf = new Map<string, Set<string>>();
  readonly queue: WorkQueue;
  private watcher: Watcher | undefined;
  private stopped = false;

  constructor(store: Store, client: Client, registry: TypeRegistry, logger: Logger) {
    this.store = store;
    this.client = client;
    this.registry = registry;
    this.logger = logger;
    this.queue = new WorkQueue((item) => this.process(item), {
      name: 'garbage-collector',
      logger,
      concurrency: 4,
    });
  }

  /** Indexes what is stored, then follows every write. Resolves once the index is built. */
  async start(): Promise<void> {
    let cont: string | undefined;
    let revision = 0;
    do {
      const page = await this.store.list('/', { limit: 1000, ...(cont ? { continue: cont } : {}) });
      revision = page.revision;
      for (const kv of page.items) {
        if (!mayMatter(kv.value)) continue;
        const obj = JSON.parse(kv.value) as KubeObject;
        this.index(kv.key, obj);
        if (obj.metadata.ownerReferences?.length) this.queue.add(DEPENDENT + kv.key);
        if (isDeletingOwner(obj)) this.queue.add(OWNER + kv.key);
      }
      cont = page.continue;
    } while (cont);
    this.follow(revision);
  }

  private follow(revision: number): void {
    if (this.stopped) return;
    const watcher = this.store.watch('/', { fromRevision: revision, bufferSize: 100_000 });
    this.watcher = watcher;
    void (async () => {
      try {
        for await (const event of watcher) this.observe(event);
      } catch (err) {
        if (this.stopped || isStoreError(err, 'Closed')) return;
        this.logger.warn({ err: (err as Error).message }, 'watch fell behind; rescanning');
        this.dependentsByKey.clear();
        this.dependentsOf.clear();
        await this.start();
      }
    })();
  }

  private observe(event: WatchEvent): void {
    const known = this.dependentsByKey.has(event.key);
    if (event.type === 'DELETED') {
      const gone = JSON.parse(event.value) as KubeObject;
      // Dependents of what went away need a look; so do owners a deleted blocker waited on.
      for (const dep of this.dependentsOf.get(gone.metadata.uid ?? '') ?? [])
        this.queue.add(DEPENDENT + dep);
      for (const ref of gone.metadata.ownerReferences ?? []) this.ownerChanged(event.key, ref);
      this.unindex(event.key);
      return;
    }
    if (!known && !mayMatter(event.value)) return;
    const obj = JSON.parse(event.value) as KubeObject;
    const before = this.dependentsByKey.get(event.key);
    this.index(event.key, obj);
    const refs = obj.metadata.ownerReferences ?? [];
    if (
      refs.length > 0 &&
      (event.type === 'ADDED' || JSON.stringify(before?.owners) !== JSON.stringify(refs))
    ) {
      this.queue.add(DEPENDENT + event.key);
    }
    if (isDeletingOwner(obj)) this.queue.add(OWNER + event.key);
    // A dependent marked for deletion may be what its foreground owner waits for.
    if (obj.metadata.deletionTimestamp) for (const ref of refs) this.ownerChanged(event.key, ref);
  }

  /** The owner of `dependentKey` named by `ref` may now be free to go (foreground). */
  private ownerChanged(dependentKey: string, ref: OwnerReference): void {
    const ownerKey = this.ownerKey(dependentKey, ref);
    if (ownerKey) this.queue.add(OWNER + ownerKey);
  }

  private index(key: string, obj: KubeObject): void {
    this.unindex(key);
    const owners = obj.metadata.ownerReferences ?? [];
    if (owners.length === 0 || !obj.metadata.uid) return;
    this.dependentsByKey.set(key, { uid: obj.metadata.uid, owners });
    for (const ref of owners) {
      let set = this.dependentsOf.get(ref.uid);
      if (!set) {
        set = new Set();
        this.dependentsOf.set(ref.uid, set);
      }
      set.add(key);
    }
  }

  private unindex(key: string): void {
    const entry = this.dependentsByKey.get(key);
    if (!entry) return;
    this.dependentsByKey.delete(key);
    for (const ref of entry.owners) {
      const set = this.dependentsOf.get(ref.uid);
      set?.delete(key);
      if (set?.size === 0) this.dependentsOf.delete(ref.uid);
    }
  }

  private process(item: string): Promise<Requeue | undefined> {
    if (item.startsWith(DEPENDENT)) return this.processDependent(item.slice(DEPENDENT.length));
    return this.processOwner(item.slice(OWNER.length));
  }

  // ---- dependents --------------------------------------------------------------------

  private async processDependent(key: string): Promise<Requeue | undefined> {
    const kv = await this.store.get(key);
    if (!kv) return undefined;
    const obj = JSON.parse(kv.value) as KubeObject;
    const refs = obj.metadata.ownerReferences ?? [];
    if (refs.length === 0 || obj.metadata.deletionTimestamp) return undefined;
    const states = await Promise.all(refs.map((ref) => this.ownerState(key, ref)));
    if (states.includes('unresolvable')) return undefined;
    const solid = refs.filter((_, i) => states[i] === 'exists');
    const waiting = states.includes('deletingForeground');
    if (solid.length === refs.length) return undefined;
    if (solid.length > 0) {
      // Some owner still lives: only the dangling references go.
      const dangling = new Set(refs.filter((_, i) => states[i] === 'absent').map((r) => r.uid));
      if (dangling.size === 0) return undefined;
      await this.updateObject(key, (current) => withoutOwners(current, dangling));
      return undefined;
    }
    this.logger.info(
      { object: key, policy: waiting ? 'Foreground' : 'Background' },
      'collecting an object whose owners are gone',
    );
    await this.deleteObject(key, obj.metadata.uid, waiting ? 'Foreground' : 'Background');
    return undefined;
  }

  private ownerKey(dependentKey: string, ref: OwnerReference): string | undefined {
    const dep = parseObjectKey(dependentKey);
    const { group } = parseApiVersion(ref.apiVersion);
    const type = this.registry.lookupKind(dep.cluster, group, ref.kind);
    if (!type) return undefined;
    // A cluster-scoped object cannot be owned by a namespaced one: the reference is invalid.
    if (type.namespaced && !dep.namespace) return undefined;
    return objectKey({
      group: type.group,
      resource: type.names.plural,
      ...(type.identity ? { identity: type.identity } : {}),
      cluster: dep.cluster,
      ...(type.namespaced ? { namespace: dep.namespace } : {}),
      name: ref.name,
    });
  }

  private async ownerState(
    dependentKey: string,
    ref: OwnerReference,
  ): Promise<'exists' | 'absent' | 'deletingForeground' | 'unresolvable'> {
    const key = this.ownerKey(dependentKey, ref);
    if (!key) return 'unresolvable';
    const kv = await this.store.get(key);
    if (!kv) return 'absent';
    const owner = JSON.parse(kv.value) as KubeObject;
    if (owner.metadata.uid !== ref.uid) return 'absent';
    if (
      owner.metadata.deletionTimestamp &&
      owner.metadata.finalizers?.includes(FOREGROUND_FINALIZER)
    ) {
      return 'deletingForeground';
    }
    return 'exists';
  }

  // ---- owners being deleted with orphan or foreground propagation --------------------

  private async processOwner(key: string): Promise<Requeue | undefined> {
    const kv = await this.store.get(key);
    if (!kv) return undefined;
    const owner = JSON.parse(kv.value) as KubeObject;
    if (!isDeletingOwner(owner)) return undefined;
    const uid = owner.metadata.uid ?? '';
    const dependents = [...(this.dependentsOf.get(uid) ?? [])];
    const finalizers = owner.metadata.finalizers ?? [];
    if (finalizers.includes(ORPHAN_FINALIZER)) {
      for (const dep of dependents) {
        await this.updateObject(dep, (current) => withoutOwners(current, new Set([uid])));
      }
      await this.removeFinalizer(key, uid, ORPHAN_FINALIZER);
      return undefined;
    }
    if (finalizers.includes(FOREGROUND_FINALIZER)) {
      let blocking = 0;
      for (const dep of dependents) {
        const entry = this.dependentsByKey.get(dep);
        const ref = entry?.owners.find((r) => r.uid === uid);
        if (ref?.blockOwnerDeletion) blocking++;
        const kvDep = await this.store.get(dep);
        if (kvDep && !(JSON.parse(kvDep.value) as KubeObject).metadata.deletionTimestamp) {
          await this.deleteObject(dep, entry?.uid, 'Foreground');
        }
      }
      if (blocking > 0) return new Requeue(RETRY_MS);
      await this.removeFinalizer(key, uid, FOREGROUND_FINALIZER);
    }
    return undefined;
  }

  // ---- writes through the REST machinery --------------------------------------------

  private typeOfKey(
    key: string,
  ): { type: ResourceType; cluster: string; namespace?: string; name: string } | undefined {
    const parts = parseObjectKey(key);
    const type = this.registry.lookupStored(parts.cluster, parts.group, parts.resource);
    if (!type) return undefined;
    return {
      type,
      cluster: parts.cluster,
      ...(parts.namespace ? { namespace: parts.namespace } : {}),
      name: parts.name,
    };
  }

  private async deleteObject(
    key: string,
    uid: string | undefined,
    policy: 'Background' | 'Foreground',
  ): Promise<void> {
    const target = this.typeOfKey(key);
    if (!target) return;
    try {
      await this.client.forType(target.cluster, target.type, target.namespace).delete(target.name, {
        propagationPolicy: policy,
        ...(uid ? { preconditions: { uid } } : {}),
      });
    } catch (err) {
      if (!isStatusError(err, 'NotFound') && !isStatusError(err, 'Conflict')) throw err;
    }
  }

  private async updateObject(
    key: string,
    change: (current: KubeObject) => KubeObject,
  ): Promise<void> {
    const target = this.typeOfKey(key);
    if (!target) return;
    try {
      await this.client
        .forType(target.cluster, target.type, target.namespace)
        .modify(target.name, change);
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) throw err;
    }
  }

  private async removeFinalizer(key: string, uid: string, finalizer: string): Promise<void> {
    await this.updateObject(key, (current) =>
      current.metadata.uid !== uid
        ? current
        : {
            ...current,
            metadata: {
              ...current.metadata,
              finalizers: (current.metadata.finalizers ?? []).filter((f) => f !== finalizer),
            },
          },
    );
  }

  stop(): void {
    this.stopped = true;
    this.watcher?.close();
    this.queue.stop();
  }
}

/** The object without the owner references of these uids (and no empty list left behind). */
function withoutOwners(obj: KubeObject, uids: ReadonlySet<string>): KubeObject {
  const { ownerReferences, ...meta } = obj.metadata;
  const kept = (ownerReferences ?? []).filter((r) => !uids.has(r.uid));
  return { ...obj, metadata: kept.length > 0 ? { ...meta, ownerReferences: kept } : meta };
}

/** Only objects with owners, deletion marks or finalizers can matter; skip parsing the rest. */
function mayMatter(value: string): boolean {
  return value.includes('"ownerReferences"') || value.includes('"deletionTimestamp"');
}

function isDeletingOwner(obj: KubeObject): boolean {
  const f = obj.metadata.finalizers ?? [];
  return (
    !!obj.metadata.deletionTimestamp &&
    (f.includes(ORPHAN_FINALIZER) || f.includes(FOREGROUND_FINALIZER))
  );
}
