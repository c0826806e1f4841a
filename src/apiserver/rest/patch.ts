/**
 * PATCH: turns a patch body of a given media type into an update function over the stored
 * object. JSON patch (RFC 6902) and JSON merge patch (RFC 7386) serve every resource;
 * strategic merge is for built-ins only, as upstream.
 */
import {
  asJson,
  asKubeObject,
  isJsonObject,
  type JsonValue,
  type KubeObject,
} from '../../apimachinery/meta.ts';
import {
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
} from '../../apimachinery/patch/index.ts';
import { badRequest, notFound, unsupportedMediaType } from '../../apimachinery/status.ts';
import { parseJson } from '../http/body.ts';
import { PATCH_TYPES } from '../http/negotiation.ts';
import { type ResourceType, resourceRef } from '../registry/resource-type.ts';
import { patchSchemaOf } from './field-manager.ts';
import type { UpdateFunction } from './resource-storage.ts';

export type PatchType = (typeof PATCH_TYPES)[keyof typeof PATCH_TYPES];

/** The patch types a resource accepts, in the order upstream lists them. */
export function acceptedPatchTypes(type: ResourceType): PatchType[] {
  return type.strategicMergePatch
    ? [PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.strategic, PATCH_TYPES.apply]
    : [PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.apply];
}

/** JSON, merge and strategic merge patches as an update of the stored object. */
export function patchFunction(
  mediaType: string,
  body: string,
  type: ResourceType,
  version: string,
  /** The name on the URL: a patch of a missing object is a 404, even where PUT creates. */
  name: string,
  /** The kind of what is patched, when not the resource itself (the Scale of /scale). */
  patchedKind = type.names.kind,
): UpdateFunction {
  if (
    !(acceptedPatchTypes(type) as string[]).includes(mediaType) ||
    mediaType === PATCH_TYPES.apply
  ) {
    throw unsupportedMediaType(mediaType, acceptedPatchTypes(type));
  }
  const patch = parseJson(body);
  const requireCurrent = (current: KubeObject | undefined): KubeObject => {
    if (!current) throw notFound(resourceRef(type), name);
    return current;
  };
  if (mediaType === PATCH_TYPES.json) {
    if (!Array.isArray(patch))
      throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
    return (current) =>
      keepIdentity(applyJsonPatch(asJson(requireCurrent(current)), patch), patchedKind);
  }
  if (!isJsonObject(patch))
    throw badRequest('json: cannot unmarshal into Go value: patch must be a JSON object');
  if (mediaType === PATCH_TYPES.strategic) {
    const schema = patchSchemaOf(type, version);
    return (current) =>
      keepIdentity(
        applyStrategicMergePatch(asJson(requireCurrent(current)), patch, schema),
        patchedKind,
      );
  }
  return (current) =>
    keepIdentity(applyMergePatch(asJson(requireCurrent(current)), patch), patchedKind);
}

/**
 * A patch may not turn the object into another kind. One that removes the metadata (or the
 * name) no longer names the object on the URL, which the update refuses with 400, as upstream;
 * metadata of the wrong type does not decode, which the update refuses with 422.
 */
function keepIdentity(patched: JsonValue, kind: string): KubeObject {
  if (!isJsonObject(patched)) throw badRequest('the patched object is not a JSON object');
  const obj = asKubeObject(patched);
  obj.metadata ??= {};
  if (obj.kind !== undefined && obj.kind !== kind) {
    throw badRequest(`the kind of the patched object (${String(obj.kind)}) does not match ${kind}`);
  }
  return obj;
}
