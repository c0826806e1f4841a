/**
 * The metadata rules every write follows (upstream rest.BeforeCreate / BeforeUpdate):
 * system fields are the server's, names come from the URL or generateName, generation
 * counts spec changes, and status is only written through /status when that exists.
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { ErrorList } from '../../apimachinery/field-errors.ts';
import type { KubeObject, ObjectMeta } from '../../apimachinery/meta.ts';
import { timestamp } from '../../apimachinery/meta.ts';
import { badRequest } from '../../apimachinery/status.ts';
import { nameValidator } from '../../apimachinery/validation/names.ts';
import {
  validateObjectMeta,
  validateObjectMetaUpdate,
} from '../../apimachinery/validation/object-meta.ts';
import type { ResourceType, StrategyContext } from '../registry/resource-type.ts';
import { generateName } from './names.ts';

/** Fields clients may send but only the server sets. */
function clearSystemFields(meta: ObjectMeta): void {
  delete meta.uid;
  delete meta.creationTimestamp;
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  delete meta.generation;
  delete meta.selfLink;
  delete meta.resourceVersion;
}

/**
 * Upstream round-trips metadata through the typed ObjectMeta, whose lists and maps are
 * omitted when empty: `annotations: {}` is not kept (kubectl diff would show it as a
 * change of every object it touches).
 */
function dropEmptyCollections(meta: ObjectMeta): void {
  for (const key of ['labels', 'annotations'] as const) {
    const value = meta[key];
    if (value && Object.keys(value).length === 0) delete meta[key];
  }
  for (const key of ['finalizers', 'ownerReferences'] as const) {
    if (meta[key]?.length === 0) delete meta[key];
  }
}

/** Places the object in the request's namespace, refusing a contradicting one. */
export function placeInNamespace(
  obj: KubeObject,
  type: ResourceType,
  namespace: string | undefined,
): void {
  if (!type.namespaced) {
    delete obj.metadata.namespace;
    return;
  }
  if (obj.metadata.namespace && namespace && obj.metadata.namespace !== namespace) {
    throw badRequest(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  }
  if (namespace) obj.metadata.namespace = namespace;
}

export function beforeCreate(
  obj: KubeObject,
  type: ResourceType,
  ctx: StrategyContext,
  now: Date,
): void {
  const meta = obj.metadata;
  if (meta.resourceVersion) {
    throw badRequest('resourceVersion should not be set on objects to be created');
  }
  clearSystemFields(meta);
  dropEmptyCollections(meta);
  if (!meta.name && meta.generateName) meta.name = generateName(meta.generateName);
  meta.uid = randomUUID();
  meta.creationTimestamp = timestamp(now);
  if (type.strategy.generationChanged) meta.generation = 1;
  if (type.subresources.status) delete obj.status;
  type.strategy.prepareForCreate?.(obj, ctx);
}

export function beforeUpdate(
  obj: KubeObject,
  old: KubeObject,
  type: ResourceType,
  ctx: StrategyContext,
): void {
  const meta = obj.metadata;
  const oldMeta = old.metadata;
  // The server owns these; an update carries them over whatever the client sent.
  if (oldMeta.generation !== undefined) meta.generation = oldMeta.generation;
  else delete meta.generation;
  if (oldMeta.deletionTimestamp) meta.deletionTimestamp = oldMeta.deletionTimestamp;
  else delete meta.deletionTimestamp;
  if (oldMeta.deletionGracePeriodSeconds !== undefined) {
    meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
  } else delete meta.deletionGracePeriodSeconds;
  if (!meta.uid) meta.uid = oldMeta.uid;
  // Clients re-encode timestamps (client-node adds milliseconds): the same instant is
  // the same value, kept as the server wrote it.
  if (!meta.creationTimestamp || sameInstant(meta.creationTimestamp, oldMeta.creationTimestamp)) {
    meta.creationTimestamp = oldMeta.creationTimestamp ?? null;
  }
  delete meta.selfLink;
  dropEmptyCollections(meta);

  if (ctx.subresource === 'status') {
    keepAllButStatus(obj, old);
  } else if (type.subresources.status) {
    // The main resource cannot change status; /status is the way.
    if (old.status === undefined) delete obj.status;
    else obj.status = old.status;
  }
  type.strategy.prepareForUpdate?.(obj, old, ctx);
  if (
    ctx.subresource === '' &&
    type.strategy.generationChanged?.(obj, old) &&
    oldMeta.generation !== undefined
  ) {
    meta.generation = oldMeta.generation + 1;
  }
}

function sameInstant(a: string | null | undefined, b: string | null | undefined): boolean {
  return !!a && !!b && Date.parse(a) === Date.parse(b);
}

/** A /status write changes status and nothing else (metadata labels and annotations aside). */
function keepAllButStatus(obj: KubeObject, old: KubeObject): void {
  const status = obj.status;
  const { labels, annotations, resourceVersion } = obj.metadata;
  for (const key of Object.keys(obj)) delete obj[key];
  Object.assign(obj, structuredClone(old));
  obj.metadata.resourceVersion = resourceVersion;
  if (labels !== undefined) obj.metadata.labels = labels;
  if (annotations !== undefined) obj.metadata.annotations = annotations;
  if (status === undefined) delete obj.status;
  else obj.status = status;
}

/** Generation counts changes to anything but metadata and status (CRD rule). */
export function specChanged(obj: KubeObject, old: KubeObject): boolean {
  const strip = ({ metadata: _m, status: _s, ...rest }: KubeObject) => rest;
  return !isDeepStrictEqual(strip(obj), strip(old));
}

export function validateMeta(obj: KubeObject, type: ResourceType): ErrorList {
  return validateObjectMeta(obj.metadata, {
    namespaced: type.namespaced,
    validateName: nameValidator(type.strategy.nameValidation),
  });
}

export function validateMetaUpdate(
  obj: KubeObject,
  old: KubeObject,
  type: ResourceType,
): ErrorList {
  return [...validateMeta(obj, type), ...validateObjectMetaUpdate(obj.metadata, old.metadata)];
}
