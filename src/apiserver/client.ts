/**
 * The in-process client controllers inside the server use: the same REST operations
 * HTTP requests reach (validation, admission, storage), without HTTP or serialisation.
 * It acts as a system user that RBAC always allows.
 */
import {
  asJson,
  asKubeObject,
  type JsonObject,
  type KubeList,
  type KubeObject,
  nameOf,
  objectOrEmpty,
} from '../apimachinery/meta.ts';
import { applyMergePatch } from '../apimachinery/patch/merge-patch.ts';
import { isStatusError, notFound, notFoundPath } from '../apimachinery/status.ts';
import type { ResourceType, Subresource } from './registry/resource-type.ts';
import type { TypeRegistry } from './registry/type-registry.ts';
import type {
  DeleteOptions,
  DeleteResult,
  ListOptions,
  ResourceStorage,
} from './rest/resource-storage.ts';
import type { Scope, UserInfo, WriteOptions } from './rest/scope.ts';

export const SYSTEM_USER: UserInfo = {
  username: 'system:canopy',
  groups: ['system:masters', 'system:authenticated'],
};

export interface GroupVersionResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

export class Client {
  readonly storage: ResourceStorage;
  readonly registry: TypeRegistry;
  private readonly user: UserInfo;

  constructor(storage: ResourceStorage, registry: TypeRegistry, user: UserInfo = SYSTEM_USER) {
    this.storage = storage;
    this.registry = registry;
    this.user = user;
  }

  /** A client for one resource in one logical cluster (and namespace). */
  resource(cluster: string, gvr: GroupVersionResource, namespace?: string): ResourceClient {
    return new ResourceClient(this, cluster, gvr, namespace);
  }

  /** A client for a type already resolved (controllers iterating over every type). */
  forType(cluster: string, type: ResourceType, namespace?: string): ResourceClient {
    return new ResourceClient(
      this,
      cluster,
      { group: type.group, version: type.storageVersion, resource: type.names.plural },
      namespace,
      type,
    );
  }

  scope(
    cluster: string,
    gvr: GroupVersionResource,
    namespace?: string,
    type?: ResourceType,
  ): Scope {
    const resolved =
      type ??
      this.registry.lookup(
        cluster === '*' ? 'root' : cluster,
        gvr.group,
        gvr.version,
        gvr.resource,
      );
    if (!resolved)
      throw notFoundPath(
        `the server could not find the requested resource (${gvr.resource}.${gvr.group}/${gvr.version})`,
      );
    return {
      cluster,
      type: resolved,
      version: gvr.version,
      ...(namespace && resolved.namespaced ? { namespace } : {}),
      user: this.user,
    };
  }
}

export class ResourceClient {
  private readonly client: Client;
  private readonly cluster: string;
  private readonly gvr: GroupVersionResource;
  private readonly namespace: string | undefined;
  private readonly type: ResourceType | undefined;

  constructor(
    client: Client,
    cluster: string,
    gvr: GroupVersionResource,
    namespace?: string,
    type?: ResourceType,
  ) {
    this.client = client;
    this.cluster = cluster;
    this.gvr = gvr;
    this.namespace = namespace;
    this.type = type;
  }

  private scope(namespace = this.namespace): Scope {
    return this.client.scope(this.cluster, this.gvr, namespace, this.type);
  }

  get(name: string): Promise<KubeObject> {
    return this.client.storage.get(this.scope(), name);
  }

  /** The object, or undefined when it does not exist. */
  async find(name: string): Promise<KubeObject | undefined> {
    try {
      return await this.get(name);
    } catch (err) {
      if (isStatusError(err, 'NotFound')) return undefined;
      throw err;
    }
  }

  list(options: ListOptions = {}): Promise<KubeList> {
    return this.client.storage.list(this.scope(), options);
  }

  async create(obj: KubeObject, options: WriteOptions = {}): Promise<KubeObject> {
    return (
      await this.client.storage.create(
        this.scope(obj.metadata.namespace ?? this.namespace),
        obj,
        options,
      )
    ).object;
  }

  /** Creates the object unless one of its name exists; returns it if it was created. */
  async createIfAbsent(obj: KubeObject): Promise<KubeObject | undefined> {
    try {
      return await this.create(obj);
    } catch (err) {
      if (isStatusError(err, 'AlreadyExists')) return undefined;
      throw err;
    }
  }

  async update(
    obj: KubeObject,
    subresource: Subresource = '',
    options: WriteOptions = {},
  ): Promise<KubeObject> {
    const scope = this.scope(obj.metadata.namespace ?? this.namespace);
    return (
      await this.client.storage.update(scope, obj.metadata.name ?? '', () => obj, {
        ...options,
        subresource,
      })
    ).object;
  }

  /** A JSON merge patch, retried on conflicts against the latest object. */
  async patch(name: string, patch: JsonObject, subresource: Subresource = ''): Promise<KubeObject> {
    const result = await this.client.storage.update(
      this.scope(),
      name,
      // Applied to the latest object (its resourceVersion included), retried on conflicts.
      (current) => {
        const patched = applyMergePatch(current && asJson(current), patch);
        // A merge patch of an object with an object is an object.
        return asKubeObject(objectOrEmpty(patched));
      },
      { subresource },
    );
    return result.object;
  }

  /** Read-modify-write of the latest object, retried on conflicts. */
  async modify(
    name: string,
    change: (current: KubeObject) => KubeObject,
    subresource: Subresource = '',
  ): Promise<KubeObject> {
    const result = await this.client.storage.update(
      this.scope(),
      name,
      (current) => {
        // Types that create on update hand the function nothing: still a 404 to callers.
        if (!current) throw notFound({ group: this.gvr.group, resource: this.gvr.resource }, name);
        return change(current);
      },
      { subresource },
    );
    return result.object;
  }

  delete(name: string, options: DeleteOptions = {}): Promise<DeleteResult> {
    return this.client.storage.delete(this.scope(), name, options);
  }

  /**
   * Deletes every object (in the namespace, if the client has one) not already being
   * deleted; returns how many there were, those still finalizing included.
   */
  async deleteAll(): Promise<number> {
    const list = await this.list();
    for (const item of list.items) {
      if (item.metadata.deletionTimestamp) continue;
      await this.client.storage
        .delete(this.scope(item.metadata.namespace), nameOf(item), {})
        .catch((err: unknown) => {
          if (!isStatusError(err, 'NotFound')) throw err;
        });
    }
    return list.items.length;
  }
}
