/**
 * The generic registry: get, list, create, update and delete of any resource type on the
 * Store, with Kubernetes semantics — server-owned metadata, compare-and-swap on
 * resourceVersion, validation and admission before anything is written, no-op updates
 * that write nothing, finalizers that hold deletion, dry runs that write nothing.
 * Watches live in watch.ts; HTTP encoding lives in ../http.
 */
import { isDeepStrictEqual } from 'node:util';
import { type ErrorList, typeInvalid } from '../../apimachinery/field-errors.ts';
import {
  apiVersionOf,
  asJson,
  type KubeList,
  type KubeObject,
  nameOf,
  timestamp,
} from '../../apimachinery/meta.ts';
import { pruneObjectMeta } from '../../apimachinery/schema/prune.ts';
import {
  alreadyExists,
  badRequest,
  conflict,
  expired,
  forbidden,
  internalError,
  invalid,
  isStatusError,
  methodNotAllowed,
  notFound,
  OBJECT_MODIFIED,
  requestEntityTooLarge,
  resourceVersionTooLarge,
  StatusError,
  serviceUnavailable,
  timeout,
} from '../../apimachinery/status.ts';
import { decodeContinue, encodeContinue } from '../../storage/continue-token.ts';
import { isStoreError, StoreError } from '../../storage/errors.ts';
import { clusterOfKey, clusterPrefix, objectKey, resourcePrefix } from '../../storage/keys.ts';
import type { KeyValue, Store } from '../../storage/store.ts';
import type { AdmissionChain, AdmissionRequest } from '../admission/admission.ts';
import {
  type ResourceType,
  resourceRef,
  type StrategyContext,
  type Subresource,
} from '../registry/resource-type.ts';
import {
  type DecodeOptions,
  decodeKeyValue,
  markCluster,
  storageTypeOf,
  toStoredObject,
  unmarkCluster,
} from './codec.ts';
import { decodeProblems } from './decode-check.ts';
import { recordWrite } from './field-manager.ts';
import {
  beforeCreate,
  beforeUpdate,
  placeInNamespace,
  validateMeta,
  validateMetaUpdate,
} from './meta-lifecycle.ts';
import {
  DEFAULT_FIELD_MANAGER,
  type Scope,
  WILDCARD_CLUSTER,
  type WriteOptions,
  type WriteResult,
} from './scope.ts';
import { checkFieldSelector, type Selection, selectedName, selects } from './selection.ts';

export interface ListOptions extends Selection {
  readonly limit?: number;
  readonly continue?: string;
  readonly resourceVersion?: string;
  readonly resourceVersionMatch?: 'NotOlderThan' | 'Exact';
}

export interface DeleteOptions {
  readonly propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  readonly preconditions?: { uid?: string; resourceVersion?: string };
  readonly gracePeriodSeconds?: number;
  readonly dryRun?: boolean;
}

export interface DeleteResult {
  readonly object: KubeObject;
  /** False when finalizers hold the object: it is marked for deletion, not gone. */
  readonly deleted: boolean;
}

/** Replaces an object given the stored one (undefined when it does not exist). */
export type UpdateFunction = (current: KubeObject | undefined) => KubeObject | Promise<KubeObject>;

export interface UpdateOptions extends WriteOptions {
  readonly subresource?: Subresource;
  /** Create the object when missing even if the strategy does not (server-side apply). */
  readonly forceAllowCreate?: boolean;
}

/** Standard finalizers the garbage collector honours. */
export const ORPHAN_FINALIZER = 'orphan';
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

const MAX_CONFLICT_RETRIES = 16;

export interface ResourceStorageOptions {
  readonly store: Store;
  readonly admission: AdmissionChain;
  /** Mark every object with `kcp.io/cluster` (workspace mode). */
  readonly annotateCluster: boolean;
  readonly now?: () => Date;
}

export class ResourceStorage {
  readonly store: Store;
  private readonly admission: AdmissionChain;
  private readonly annotateCluster: boolean;
  private readonly now: () => Date;

  constructor(options: ResourceStorageOptions) {
    this.store = options.store;
    this.admission = options.admission;
    this.annotateCluster = options.annotateCluster;
    this.now = options.now ?? (() => new Date());
  }

  // ---- keys and decoding -------------------------------------------------------------

  key(scope: Scope, name: string, namespace = scope.namespace): string {
    if (scope.cluster === WILDCARD_CLUSTER)
      throw methodNotAllowed('one object is addressed in one logical cluster, not in *');
    const type = storageTypeOf(scope.type);
    if (type.namespaced && !namespace)
      throw badRequest('a namespace is required for this resource');
    return objectKey({
      group: type.group,
      resource: type.names.plural,
      ...(type.identity ? { identity: type.identity } : {}),
      cluster: scope.cluster,
      ...(type.namespaced ? { namespace } : {}),
      name,
    });
  }

  /**
   * The key of an object the request names on its URL: a name no key can hold (a NUL, a
   * space) names no object, so it is not found.
   */
  private existingKey(scope: Scope, name: string): string {
    try {
      return this.key(scope, name);
    } catch (err) {
      if (isStoreError(err, 'InvalidKey')) throw notFound(resourceRef(scope.type), name);
      throw err;
    }
  }

  /** The key prefix a list or watch of this scope reads. */
  prefix(scope: Scope): string {
    const type = storageTypeOf(scope.type);
    const parts = {
      group: type.group,
      resource: type.names.plural,
      ...(type.identity ? { identity: type.identity } : {}),
    };
    if (scope.cluster === WILDCARD_CLUSTER) return resourcePrefix(parts);
    return clusterPrefix({ ...parts, cluster: scope.cluster, namespace: scope.namespace });
  }

  decodeOptions(scope: Scope, cluster = scope.cluster): DecodeOptions {
    return {
      type: scope.type,
      version: scope.version,
      ...(this.annotateCluster ? { cluster } : {}),
    };
  }

  decode(scope: Scope, kv: KeyValue): KubeObject {
    const cluster = scope.cluster === WILDCARD_CLUSTER ? clusterOfKey(kv.key) : scope.cluster;
    return decodeKeyValue(kv, this.decodeOptions(scope, cluster));
  }

  /**
   * What `decode` gives for a value just written from `stored` (`kv.value` is its JSON).
   * When the way back converts nothing, that is `stored` itself with its new
   * resourceVersion, so it is not parsed again; its JSON is the same either way.
   */
  private decodeWritten(scope: Scope, kv: KeyValue, stored: KubeObject): KubeObject {
    const type = scope.type;
    if (type.storedAs || scope.version !== type.storageVersion) return this.decode(scope, kv);
    stored.metadata.resourceVersion = String(kv.revision);
    const cluster = scope.cluster === WILDCARD_CLUSTER ? clusterOfKey(kv.key) : scope.cluster;
    return markCluster(stored, this.decodeOptions(scope, cluster).cluster);
  }

  // ---- reads -------------------------------------------------------------------------

  async get(scope: Scope, name: string, resourceVersion?: string): Promise<KubeObject> {
    const key = this.existingKey(scope, name);
    const revision =
      resourceVersion && resourceVersion !== '0' ? parseRevision(resourceVersion) : undefined;
    const kv = await this.read(() =>
      this.store.get(key, revision === undefined ? {} : { revision }),
    );
    if (!kv) throw notFound(resourceRef(scope.type), name);
    const obj = this.decode(scope, kv);
    if (scope.filter && !scope.filter.visible(obj, 'get'))
      throw notFound(resourceRef(scope.type), name);
    return obj;
  }

  async list(scope: Scope, options: ListOptions = {}): Promise<KubeList> {
    checkFieldSelector(scope.type, options);
    const revision = await this.listRevision(options);
    const type = scope.type;
    const items: KubeObject[] = [];
    const limit = options.limit && options.limit > 0 ? options.limit : 0;
    const prefix = this.prefix(scope);
    let token = options.continue;
    let listRevision = 0;
    let next: string | undefined;

    // Reading one named object needs no scan.
    const only = selectedName(options);
    if (
      only !== undefined &&
      scope.cluster !== WILDCARD_CLUSTER &&
      (!type.namespaced || scope.namespace) &&
      !token
    ) {
      const kv = await this.read(() =>
        this.store.get(this.key(scope, only), revision === undefined ? {} : { revision }),
      );
      listRevision = revision ?? (await this.store.currentRevision());
      if (kv) {
        const obj = this.decode(scope, kv);
        if (selects(type, options, obj) && (!scope.filter || scope.filter.visible(obj, 'list')))
          items.push(obj);
      }
    } else {
      // Pages from the store are filtered, so keep reading until the page is full.
      for (;;) {
        const want = limit ? limit - items.length : 0;
        const continuing = token;
        const page = await this.read(() =>
          this.store.list(prefix, {
            ...(want ? { limit: Math.max(want, 100) } : {}),
            ...(token ? { continue: token } : revision !== undefined ? { revision } : {}),
          }),
        ).catch(async (err: unknown) => {
          if (continuing && isStatusError(err, 'Expired')) {
            throw await this.expiredContinue(continuing, prefix);
          }
          throw err;
        });
        listRevision = page.revision;
        let lastKey: string | undefined;
        for (const kv of page.items) {
          const obj = this.decode(scope, kv);
          if (!selects(type, options, obj)) continue;
          if (scope.filter && !scope.filter.visible(obj, 'list')) continue;
          items.push(obj);
          lastKey = kv.key;
          if (limit && items.length === limit) break;
        }
        const filledEarly = limit && items.length === limit && lastKey !== page.items.at(-1)?.key;
        if (filledEarly && lastKey) {
          next = encodeContinue({ revision: listRevision, after: lastKey });
          break;
        }
        token = page.continue;
        if (!token) break;
        if (limit && items.length === limit) {
          next = token;
          break;
        }
      }
    }
    return {
      apiVersion: apiVersionOf(type.group, scope.version),
      kind: type.names.listKind,
      metadata: { resourceVersion: String(listRevision), ...(next ? { continue: next } : {}) },
      items,
    };
  }

  /**
   * A continue token whose revision was compacted away: 410, as upstream, with a token that
   * goes on from the same place at the latest revision, for a client that accepts a list
   * whose pages are not all of one revision.
   */
  private async expiredContinue(token: string, prefix: string): Promise<StatusError> {
    const { after } = decodeContinue(token, prefix);
    const err = expired(INCONSISTENT_CONTINUE);
    err.status.metadata.continue = encodeContinue({
      revision: await this.store.currentRevision(),
      after,
    });
    return err;
  }

  /** The revision a list reads at, per resourceVersion and resourceVersionMatch. */
  private async listRevision(options: ListOptions): Promise<number | undefined> {
    const rv = options.resourceVersion;
    if (options.continue) {
      if (rv && rv !== '0') {
        throw badRequest('specifying resource version is not allowed when using continue');
      }
      return undefined;
    }
    // resourceVersionMatch without a resourceVersion, or Exact at "0", was refused with the
    // query: no read can be at a revision here.
    if (!rv || rv === '0') return undefined;
    const revision = parseRevision(rv);
    const current = await this.store.currentRevision();
    if (revision > current) throw resourceVersionTooLarge(revision, current);
    // Exact reads at that revision; "not older than" is satisfied by the latest.
    return options.resourceVersionMatch === 'Exact' ||
      (options.limit && !options.resourceVersionMatch)
      ? revision
      : undefined;
  }

  // ---- writes ------------------------------------------------------------------------

  async create(
    scope: Scope,
    input: KubeObject,
    opts: WriteOptions = {},
  ): Promise<WriteResult<KubeObject>> {
    const type = scope.type;
    const obj = opts.ownsInput ? input : structuredClone(input);
    // A request body was checked as it was decoded (a 400 when it does not decode).
    if (!opts.decodedBody) {
      checkDecodes(scope, obj, typeof obj.metadata?.name === 'string' ? obj.metadata.name : '');
    }
    obj.metadata ??= {};
    placeInNamespace(obj, type, scope.namespace);
    scope.filter?.prepareCreate?.(obj);
    const ctx = this.strategyContext(scope, '');
    beforeCreate(obj, type, ctx, this.now());
    const warnings = this.applySchema(scope, obj, opts);

    const request = this.admissionRequest('CREATE', scope, obj, undefined, '', opts);
    await this.admission.admit(request);
    this.checkFiltered(scope, obj);
    const recorded = opts.managedFieldsSettled
      ? obj
      : recordWrite(
          undefined,
          obj,
          type,
          scope.version,
          '',
          opts.fieldManager ?? DEFAULT_FIELD_MANAGER,
        );
    obj.metadata.managedFields = recorded.metadata.managedFields;
    if (obj.metadata.managedFields === undefined) delete obj.metadata.managedFields;
    this.validate(scope, obj, [
      ...validateMeta(obj, type),
      ...type.strategy.validate(obj, ctx),
      ...(type.schemas?.[scope.version]?.validate(obj, undefined) ?? []),
    ]);
    await this.admission.validate(request);
    warnings.push(...request.warnings, ...(type.strategy.warningsOnCreate?.(obj) ?? []));

    const name = nameOf(obj);
    if (opts.dryRun) return { object: this.dryRunResult(scope, obj), created: true, warnings };
    try {
      const stored = toStoredObject(obj, type);
      const kv = await this.store.create(
        this.key(scope, name, obj.metadata.namespace),
        JSON.stringify(stored),
        basisOf(scope),
      );
      return { object: this.decodeWritten(scope, kv, stored), created: true, warnings };
    } catch (err) {
      if (isStoreError(err, 'AlreadyExists')) throw alreadyExists(resourceRef(type), name);
      throw storeToStatus(err);
    }
  }

  /**
   * Read-modify-write with compare-and-swap: `update` gets the stored object and returns
   * the new one; lost races are retried with a fresh read, unless the new object names a
   * resourceVersion, which then must match (409 otherwise).
   */
  async update(
    scope: Scope,
    name: string,
    update: UpdateFunction,
    opts: UpdateOptions = {},
  ): Promise<WriteResult<KubeObject>> {
    const type = scope.type;
    const subresource = opts.subresource ?? '';
    const key = this.existingKey(scope, name);
    for (let attempt = 0; ; attempt++) {
      const kv = await this.read(() => this.store.get(key));
      if (!kv) {
        if (subresource === '' && (type.strategy.allowCreateOnUpdate || opts.forceAllowCreate)) {
          const obj = await update(undefined);
          this.checkName(obj, name);
          return this.create(scope, obj, opts);
        }
        throw notFound(resourceRef(type), name);
      }
      // Update functions see the object without the cluster mark: it is not stored, and
      // nobody may own it.
      const decoded = this.decode(scope, kv);
      if (scope.filter && !scope.filter.visible(decoded, 'update'))
        throw notFound(resourceRef(type), name);
      const old = withoutClusterMark(decoded);
      const obj = withoutClusterMark(structuredClone(await update(structuredClone(old))));
      if (!opts.decodedBody) checkDecodes(scope, obj, name);
      obj.metadata ??= {};
      this.checkName(obj, name);
      placeInNamespace(obj, type, scope.namespace);
      const rv = obj.metadata.resourceVersion;
      if (rv) {
        if (rv !== String(kv.revision)) throw conflict(resourceRef(type), name, OBJECT_MODIFIED);
      } else if (!type.strategy.allowUnconditionalUpdate) {
        throw invalid({ group: type.group, kind: type.names.kind }, name, [
          {
            type: 'FieldValueInvalid',
            field: 'metadata.resourceVersion',
            value: 0,
            detail: 'must be specified for an update',
          },
        ]);
      }
      if (obj.metadata.uid && obj.metadata.uid !== old.metadata.uid) {
        throw conflict(
          resourceRef(type),
          name,
          `Precondition failed: UID in precondition: ${obj.metadata.uid}, UID in object meta: ${old.metadata.uid}`,
        );
      }

      const ctx = this.strategyContext(scope, subresource);
      beforeUpdate(obj, old, type, ctx);
      const warnings = subresource === 'status' ? [] : this.applySchema(scope, obj, opts);
      const request = this.admissionRequest('UPDATE', scope, obj, old, subresource, opts);
      await this.admission.admit(request);
      this.checkFiltered(scope, obj);
      if (!opts.managedFieldsSettled) {
        const recorded = recordWrite(
          old,
          obj,
          type,
          scope.version,
          subresource,
          opts.fieldManager ?? DEFAULT_FIELD_MANAGER,
        );
        obj.metadata.managedFields = recorded.metadata.managedFields;
        if (obj.metadata.managedFields === undefined) delete obj.metadata.managedFields;
      }
      this.validate(scope, obj, [
        ...validateMetaUpdate(obj, old, type),
        ...(type.strategy.validateUpdate
          ? type.strategy.validateUpdate(obj, old, ctx)
          : type.strategy.validate(obj, ctx)),
        ...(type.schemas?.[scope.version]?.validate(obj, old) ?? []),
      ]);
      await this.admission.validate(request);
      warnings.push(...request.warnings);

      const stored = toStoredObject(obj, type);
      if (isDeepStrictEqual(stored, JSON.parse(kv.value))) {
        return { object: old, created: false, warnings };
      }
      // Removing the last finalizer of an object being deleted completes the deletion.
      const finishesDeletion =
        obj.metadata.deletionTimestamp !== undefined &&
        (obj.metadata.finalizers ?? []).length === 0 &&
        !type.strategy.holdsDeletion?.(obj);
      if (opts.dryRun) {
        const object = this.dryRunResult(scope, obj, String(kv.revision));
        return { object, created: false, warnings };
      }
      try {
        const value = JSON.stringify(stored);
        const written = finishesDeletion
          ? await this.store.delete(key, kv.revision, basisOf(scope))
          : await this.store.update(key, value, kv.revision, basisOf(scope));
        const result = this.decodeWritten(scope, { ...written, value }, stored);
        return { object: result, created: false, warnings };
      } catch (err) {
        if (isStoreError(err, 'Conflict') && attempt < MAX_CONFLICT_RETRIES) continue;
        if (isStoreError(err, 'Conflict')) throw conflict(resourceRef(type), name, OBJECT_MODIFIED);
        if (isStoreError(err, 'NotFound')) throw notFound(resourceRef(type), name);
        throw storeToStatus(err);
      }
    }
  }

  async delete(scope: Scope, name: string, options: DeleteOptions = {}): Promise<DeleteResult> {
    const type = scope.type;
    const key = this.existingKey(scope, name);
    for (let attempt = 0; ; attempt++) {
      const kv = await this.read(() => this.store.get(key));
      if (!kv) throw notFound(resourceRef(type), name);
      const current = this.decode(scope, kv);
      if (scope.filter && !scope.filter.visible(current, 'delete'))
        throw notFound(resourceRef(type), name);
      const pre = options.preconditions;
      if (pre?.uid && pre.uid !== current.metadata.uid) {
        throw conflict(
          resourceRef(type),
          name,
          `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`,
        );
      }
      if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
        throw conflict(
          resourceRef(type),
          name,
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`,
        );
      }
      const request = this.admissionRequest('DELETE', scope, undefined, current, '', options);
      await this.admission.admit(request);
      await this.admission.validate(request);

      const marked = this.markForDeletion(current, type, options);
      try {
        if (marked) {
          if (options.dryRun) return { object: marked, deleted: false };
          const stored = toStoredObject(marked, type);
          if (isDeepStrictEqual(stored, JSON.parse(kv.value))) {
            return { object: current, deleted: false };
          }
          const value = JSON.stringify(stored);
          const written = await this.store.update(key, value, kv.revision, basisOf(scope));
          return {
            object: this.decodeWritten(scope, { ...written, value }, stored),
            deleted: false,
          };
        }
        if (options.dryRun) return { object: current, deleted: true };
        const gone = await this.store.delete(key, kv.revision, basisOf(scope));
        return { object: this.decode(scope, gone), deleted: true };
      } catch (err) {
        if (isStoreError(err, 'Conflict') && attempt < MAX_CONFLICT_RETRIES) continue;
        if (isStoreError(err, 'NotFound')) throw notFound(resourceRef(type), name);
        throw storeToStatus(err);
      }
    }
  }

  /**
   * The object as it must stay while something holds its deletion (finalizers, or the
   * resource's own rule such as a namespace's spec.finalizers); undefined when it can go.
   */
  private markForDeletion(
    obj: KubeObject,
    type: ResourceType,
    options: DeleteOptions,
  ): KubeObject | undefined {
    const marked = structuredClone(obj);
    const meta = marked.metadata;
    const finalizers = new Set(meta.finalizers ?? []);
    if (!meta.deletionTimestamp) {
      if (options.propagationPolicy === 'Orphan') finalizers.add(ORPHAN_FINALIZER);
      if (options.propagationPolicy === 'Foreground') finalizers.add(FOREGROUND_FINALIZER);
    }
    const holds = finalizers.size > 0 || type.strategy.holdsDeletion?.(marked);
    if (!holds) return undefined;
    if (finalizers.size > 0) meta.finalizers = [...finalizers];
    if (!meta.deletionTimestamp) {
      meta.deletionTimestamp = timestamp(this.now());
      meta.deletionGracePeriodSeconds = 0;
      type.strategy.prepareForDelete?.(marked);
    }
    return marked;
  }

  // ---- helpers -----------------------------------------------------------------------

  /**
   * What a dry run answers: the object as the write would have returned it, with its type
   * and, for an update, the resourceVersion it still has, since nothing was written.
   */
  private dryRunResult(scope: Scope, obj: KubeObject, resourceVersion?: string): KubeObject {
    const { apiVersion: _v, kind: _k, metadata, ...rest } = obj;
    const object: KubeObject = {
      apiVersion: apiVersionOf(scope.type.group, scope.version),
      kind: scope.type.names.kind,
      metadata: resourceVersion ? { ...metadata, resourceVersion } : metadata,
      ...rest,
    };
    return markCluster(object, this.decodeOptions(scope).cluster);
  }

  private strategyContext(
    scope: Scope,
    subresource: StrategyContext['subresource'],
  ): StrategyContext {
    return { cluster: scope.cluster, version: scope.version, subresource };
  }

  /**
   * Prunes (ObjectMeta's unknown fields too, as decoding into it drops them) and defaults
   * by schema, then applies field validation: unknown fields (pruned) and duplicate fields
   * (found in the request body) are refused under Strict, returned as warnings under Warn,
   * and ignored otherwise.
   */
  private applySchema(scope: Scope, obj: KubeObject, opts: WriteOptions): string[] {
    const schema = scope.type.schemas?.[scope.version];
    const unknown = [...pruneObjectMeta(asJson(obj)), ...(schema ? schema.prune(obj) : [])];
    schema?.applyDefaults(obj);
    if (opts.fieldValidation !== 'Strict' && opts.fieldValidation !== 'Warn') return [];
    const messages = [
      ...unknown.map((path) => `unknown field "${path}"`),
      ...(opts.duplicateFields ?? []).map((path) => `duplicate field "${path}"`),
    ];
    if (messages.length > 0 && opts.fieldValidation === 'Strict') {
      const kind = scope.type.names.kind;
      const decoding = opts.decodedBody
        ? `${kind} in version "${scope.version}" cannot be handled as a ${kind}: `
        : '';
      throw badRequest(`${decoding}strict decoding error: ${messages.join(', ')}`);
    }
    return messages;
  }

  /** A write through a filter (a claim) keeps the object inside it, or is refused. */
  private checkFiltered(scope: Scope, obj: KubeObject): void {
    const why = scope.filter?.refusal?.(obj);
    if (why) throw forbidden(resourceRef(scope.type), obj.metadata.name, why);
  }

  private validate(scope: Scope, obj: KubeObject, errors: ErrorList): void {
    if (errors.length > 0) {
      throw invalid(
        { group: scope.type.group, kind: scope.type.names.kind },
        obj.metadata.name ?? '',
        errors,
      );
    }
  }

  /** An update or a patch keeps the name on the URL; a body without one does not match it. */
  private checkName(obj: KubeObject, name: string): void {
    obj.metadata ??= {};
    if ((obj.metadata.name ?? '') !== name) {
      throw badRequest(
        `the name of the object (${obj.metadata.name ?? ''}) does not match the name on the URL (${name})`,
      );
    }
  }

  private admissionRequest(
    operation: AdmissionRequest['operation'],
    scope: Scope,
    object: KubeObject | undefined,
    oldObject: KubeObject | undefined,
    subresource: AdmissionRequest['subresource'],
    opts: { dryRun?: boolean },
  ): AdmissionRequest {
    const meta = object?.metadata ?? oldObject?.metadata;
    return {
      operation,
      scope,
      name: meta?.name ?? '',
      namespace: meta?.namespace,
      subresource,
      object,
      oldObject,
      dryRun: opts.dryRun ?? false,
      warnings: [],
    };
  }

  /** Runs a store read, turning store errors into Statuses. */
  private async read<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw storeToStatus(err);
    }
  }
}

/**
 * An object that would not decode into its type (apiVersion, kind, metadata, and a typed
 * kind's fields) is refused before anything reads it, admission and strategies included: a
 * 422, as upstream answers a patch whose result does not decode (request bodies that do not
 * decode were already refused with a 400 by the HTTP layer).
 */
function checkDecodes(scope: Scope, obj: KubeObject, name: string): void {
  const type = scope.type;
  const problems = decodeProblems(obj, type, scope.version);
  if (problems.length === 0) return;
  throw invalid(
    { group: type.group, kind: type.names.kind },
    name,
    problems.map((p) => typeInvalid(p.field, p.value, p.detail)),
  );
}

function withoutClusterMark(obj: KubeObject): KubeObject {
  if (obj.metadata) unmarkCluster(obj.metadata);
  return obj;
}

const INCONSISTENT_CONTINUE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

export function parseRevision(rv: string): number {
  const n = Number(rv);
  if (!/^\d+$/.test(rv) || !Number.isSafeInteger(n)) {
    throw badRequest(`invalid resource version: ${JSON.stringify(rv)}`);
  }
  return n;
}

/** Store errors as Kubernetes Statuses. */
/** A request's writes carry the revision its decisions were made at (Scope.basis). */
function basisOf(scope: Scope): { basis: number } | undefined {
  return scope.basis === undefined ? undefined : { basis: scope.basis };
}

export function storeToStatus(err: unknown): StatusError {
  if (err instanceof StatusError) return err;
  if (!(err instanceof StoreError)) return internalError(err);
  switch (err.code) {
    case 'Expired':
      return expired(
        `too old resource version: ${err.revisions?.requested} (${err.revisions?.bound})`,
      );
    case 'InvalidContinue':
      return badRequest(`continue key is not valid: ${err.message}`);
    case 'InvalidKey':
      return badRequest(err.message);
    case 'FutureRevision':
      return resourceVersionTooLarge(err.revisions?.requested ?? 0, err.revisions?.bound ?? 0);
    case 'TooLarge':
      return requestEntityTooLarge(`Request entity too large: ${err.message}`);
    case 'Unavailable':
      return serviceUnavailable(`storage is unavailable: ${err.message}`);
    case 'Stale':
      return new StatusError({
        code: 409,
        reason: 'Conflict',
        message: `Operation cannot be fulfilled: what decides this request changed while the server decided it; try again (${err.message})`,
      });
    case 'Timeout':
      return timeout(`Timeout: storage did not answer in time: ${err.message}`);
    default:
      return internalError(err);
  }
}
