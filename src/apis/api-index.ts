/**
 * What every workspace exports and binds, kept from informers on APIExports,
 * APIResourceSchemas and APIBindings across all logical clusters. It serves bound
 * resources as types of the binding workspace — stored under the export's identity, so
 * the provider's wildcard reads find exactly the objects of bound workspaces — and answers
 * the binding controller and the virtual workspace: which workspaces bind an export, with
 * which claims.
 */

import {
  type APIBinding,
  type APIExport,
  type APIResourceSchema,
  APIS_GROUP,
} from '../api/apis/types.ts';
import { customResourceType } from '../apiserver/registry/custom-resource-type.ts';
import type { ResourceType } from '../apiserver/registry/resource-type.ts';
import { versionSchema } from '../apiserver/registry/structural-schema.ts';
import type { TypeRegistry, TypeSource } from '../apiserver/registry/type-registry.ts';
import { StoreInformer } from '../controller/store-informer.ts';
import type { Logger } from '../logging/logger.ts';
import { objectKey, parseObjectKey, resourcePrefix } from '../storage/keys.ts';
import type { Store } from '../storage/store.ts';
import type { ClaimRef } from './claims.ts';
import { crdVersions } from './resources/apiresourceschemas.ts';

export interface BindingRef {
  readonly cluster: string;
  readonly binding: APIBinding;
}

const key = (cluster: string, name: string) => `${cluster}/${name}`;

export class ApiIndex implements TypeSource {
  readonly exports: StoreInformer<APIExport>;
  readonly schemas: StoreInformer<APIResourceSchema>;
  readonly bindings: StoreInformer<APIBinding>;
  private readonly registry: TypeRegistry;
  /** `<export cluster>/<export name>` → bindings to it (by binding key). */
  private readonly byExport = new Map<string, Map<string, BindingRef>>();
  /** Binding key → the export it was indexed under. */
  private readonly exportOfBinding = new Map<string, string>();
  /** `<export key>\0<cluster>` → the key of that cluster's binding to the export. */
  private readonly bindingOfCluster = new Map<string, string>();
  /** Cluster → its bindings (those naming an export), by binding key. */
  private readonly byCluster = new Map<string, Map<string, BindingRef>>();
  /** Cluster → its bound types. */
  private readonly bound = new Map<string, ResourceType[]>();
  /** One type per schema and identity, shared by every workspace binding it. */
  private readonly typeCache = new Map<string, ResourceType>();
  private readonly resolvePath: (path: string) => string | undefined;
  private readonly store: Store;

  constructor(
    store: Store,
    registry: TypeRegistry,
    resolvePath: (path: string) => string | undefined,
    logger: Logger,
  ) {
    this.registry = registry;
    this.resolvePath = resolvePath;
    this.store = store;
    this.exports = new StoreInformer(
      store,
      resourcePrefix({ group: APIS_GROUP, resource: 'apiexports' }),
    );
    this.schemas = new StoreInformer(
      store,
      resourcePrefix({ group: APIS_GROUP, resource: 'apiresourceschemas' }),
    );
    this.bindings = new StoreInformer(
      store,
      resourcePrefix({ group: APIS_GROUP, resource: 'apibindings' }),
    );
    for (const informer of [this.exports, this.schemas, this.bindings]) {
      informer.onWatchError((err) =>
        logger.warn({ err: (err as Error).message }, 'apis index watch ended; listing again'),
      );
    }
    this.bindings.onEvent((e) => this.indexBinding(e.cluster, e.name, e.object));
  }

  async start(): Promise<void> {
    await this.schemas.start();
    await this.exports.start();
    await this.bindings.start();
  }

  /** The logical cluster an export reference names, seen from the binding's cluster. */
  exportCluster(from: string, path: string | undefined): string | undefined {
    return path ? this.resolvePath(path) : from;
  }

  private indexBinding(cluster: string, name: string, binding: APIBinding | undefined): void {
    const bkey = key(cluster, name);
    const previous = this.exportOfBinding.get(bkey);
    if (previous) this.byExport.get(previous)?.delete(bkey);
    this.exportOfBinding.delete(bkey);
    const inCluster = this.byCluster.get(cluster);
    inCluster?.delete(bkey);
    if (inCluster?.size === 0) this.byCluster.delete(cluster);
    if (binding) {
      const ref = binding.spec?.reference?.export;
      const exportCluster =
        binding.status?.apiExportClusterName ??
        (ref ? this.exportCluster(cluster, ref.path) : undefined);
      if (ref && exportCluster) {
        const ekey = key(exportCluster, ref.name);
        let set = this.byExport.get(ekey);
        if (!set) {
          set = new Map();
          this.byExport.set(ekey, set);
        }
        const bound = { cluster, binding };
        set.set(bkey, bound);
        this.exportOfBinding.set(bkey, ekey);
        let mine = this.byCluster.get(cluster);
        if (!mine) {
          mine = new Map();
          this.byCluster.set(cluster, mine);
        }
        mine.set(bkey, bound);
        if (!this.bindingOfCluster.has(`${ekey}\0${cluster}`))
          this.bindingOfCluster.set(`${ekey}\0${cluster}`, bkey);
      }
    }
    if (previous && previous !== this.exportOfBinding.get(bkey)) {
      const ckey = `${previous}\0${cluster}`;
      if (this.bindingOfCluster.get(ckey) === bkey) {
        this.bindingOfCluster.delete(ckey);
        // Another binding of the cluster to the same export, if any, takes its place.
        for (const [other, ref] of this.byExport.get(previous) ?? [])
          if (ref.cluster === cluster) this.bindingOfCluster.set(ckey, other);
      }
    }
    this.rebuildBound(cluster);
  }

  /** Recomputes the types bound in a cluster from its bindings' boundResources. */
  private rebuildBound(cluster: string): void {
    const types: ResourceType[] = [];
    for (const [bkey, { binding }] of this.byCluster.get(cluster) ?? []) {
      if (binding.metadata.deletionTimestamp) continue;
      const ekey = this.exportOfBinding.get(bkey) as string;
      const exportCluster = ekey.slice(0, ekey.indexOf('/'));
      for (const r of binding.status?.boundResources ?? []) {
        const type = this.typeFor(exportCluster, r.schema.name, r.schema.identityHash);
        if (type) types.push(type);
      }
    }
    const before = this.bound.get(cluster) ?? [];
    if (types.length === 0) this.bound.delete(cluster);
    else this.bound.set(cluster, types);
    if (before.length !== types.length || before.some((t, i) => t !== types[i]))
      this.registry.changed(cluster);
  }

  /** The type of a schema in an export's workspace, stored under `identity`. */
  typeFor(exportCluster: string, schemaName: string, identity: string): ResourceType | undefined {
    const schema = this.schema(exportCluster, schemaName);
    if (!schema) return undefined;
    const cacheKey = `${schema.metadata.uid}/${identity}`;
    let type = this.typeCache.get(cacheKey);
    if (!type) {
      type = customResourceType(
        { ...schema.spec, versions: crdVersions(schema.spec) },
        { compile: versionSchema, identity },
      );
      this.typeCache.set(cacheKey, type);
    }
    return type;
  }

  types(cluster: string): readonly ResourceType[] {
    return this.bound.get(cluster) ?? [];
  }

  /** `/clusters/*` requests name a bound resource by its export's identity. */
  wildcardType(
    group: string,
    version: string,
    plural: string,
    identity: string,
  ): ResourceType | undefined {
    const type = this.exportedType(group, plural, identity);
    return type?.versions.includes(version) ? type : undefined;
  }

  /** The type of a resource exported by the export with this identity, wherever it is. */
  private exportedType(group: string, plural: string, identity: string): ResourceType | undefined {
    for (const [k, exp] of this.exports.entries()) {
      if (exp.status?.identityHash !== identity) continue;
      const r = (exp.spec.resources ?? []).find((x) => x.group === group && x.name === plural);
      if (r) return this.typeFor(parseObjectKey(k).cluster, r.schema, identity);
    }
    return undefined;
  }

  schema(cluster: string, name: string): APIResourceSchema | undefined {
    return this.schemas.get(`/${APIS_GROUP}/apiresourceschemas/-/${cluster}/-/${name}`);
  }

  exportOf(cluster: string, name: string): APIExport | undefined {
    return this.exports.get(`/${APIS_GROUP}/apiexports/-/${cluster}/-/${name}`);
  }

  /** Whether an export exists: from the informer, or the store when the informer lags a create. */
  async exportExists(cluster: string, name: string): Promise<boolean> {
    if (this.exportOf(cluster, name)) return true;
    const key = objectKey({ group: APIS_GROUP, resource: 'apiexports', cluster, name });
    return (await this.store.get(key)) !== undefined;
  }

  /** Bindings to an export, in every workspace. */
  bindingsOf(exportCluster: string, exportName: string): BindingRef[] {
    return [...(this.byExport.get(key(exportCluster, exportName))?.values() ?? [])];
  }

  /** Bindings of one workspace to an export (without scanning every workspace's). */
  bindingsOfIn(exportCluster: string, exportName: string, cluster: string): BindingRef[] {
    const ekey = key(exportCluster, exportName);
    const out: BindingRef[] = [];
    for (const [bkey, ref] of this.byCluster.get(cluster) ?? [])
      if (this.exportOfBinding.get(bkey) === ekey) out.push(ref);
    return out;
  }

  /** The binding of a workspace to an export, if it has one. */
  bindingIn(cluster: string, exportCluster: string, exportName: string): APIBinding | undefined {
    const ekey = key(exportCluster, exportName);
    const bkey = this.bindingOfCluster.get(`${ekey}\0${cluster}`);
    return bkey === undefined ? undefined : this.byExport.get(ekey)?.get(bkey)?.binding;
  }

  /** The logical cluster of the export a workspace's binding serves `group`/`resource` from. */
  exportServing(cluster: string, group: string, resource: string): string | undefined {
    for (const { binding } of this.bindingsIn(cluster)) {
      const status = binding.status;
      if ((status?.boundResources ?? []).some((r) => r.group === group && r.resource === resource))
        return status?.apiExportClusterName;
    }
    return undefined;
  }

  /** Bindings in a workspace, any export. */
  bindingsIn(cluster: string): BindingRef[] {
    const mine = this.byCluster.get(cluster);
    return mine ? [...mine.values()] : [];
  }

  /** Whether a workspace has any binding (the cheap question admission asks per write). */
  hasBindings(cluster: string): boolean {
    return this.byCluster.has(cluster);
  }

  /** The type a permission claim names: built-in, or another export's (by its identity). */
  claimedType(claim: ClaimRef): ResourceType | undefined {
    const group = claim.group ?? '';
    if (!claim.identityHash)
      return this.registry
        .builtinTypes()
        .find((t) => t.group === group && t.names.plural === claim.resource && !t.storedAs);
    return this.exportedType(group, claim.resource, claim.identityHash);
  }

  /** Re-indexes bindings once the workspace tree knows more paths (start-up order). */
  reindex(): void {
    for (const [k, b] of this.bindings.entries()) {
      const { cluster, name } = parseObjectKey(k);
      this.indexBinding(cluster, name, b);
    }
  }

  stop(): void {
    this.exports.stop();
    this.schemas.stop();
    this.bindings.stop();
  }
}
