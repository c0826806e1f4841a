/**
 * The patch engines: JSON patch (bounded as upstream bounds it), JSON merge patch, strategic
 * merge patch, and server-side apply with its field ownership (managedFields / FieldsV1). All
 * are pure functions over JSON values and a structural schema; the request handlers decide
 * which to run and persist the result.
 */
export {
  ApplyConflictError,
  type ApplyOptions,
  type ApplyResult,
  apply,
  type Conflict,
} from './apply.ts';
export {
  comparePathElements,
  FieldSet,
  fieldElement,
  indexElement,
  keyElement,
  type Path,
  type PathElement,
  parsePathElement,
  pathString,
  serializePathElement,
  valueElement,
} from './fieldpath.ts';
export {
  applyJsonPatch,
  jsonSizeWithin,
  MAX_JSON_PATCH_COPY_BYTES,
  MAX_JSON_PATCH_OPERATIONS,
} from './json-patch.ts';
export {
  ANCIENT_CHANGES,
  BEFORE_FIRST_APPLY,
  decodeManagedFields,
  encodeManagedFields,
  MAX_UPDATE_MANAGERS,
  type ManagedFieldSets,
  type ManagerEntry,
  managerIdentifier,
  type Operation,
  UNOWNED_FIELDS,
  type UpdateOptions,
  updateManagedFields,
} from './managed-fields.ts';
export { applyMergePatch, createMergePatch } from './merge-patch.ts';
export { OBJECT_META_SCHEMA, type PatchSchema, withObjectMeta } from './patch-schema.ts';
export { applyStrategicMergePatch } from './strategic-merge.ts';
export { type Comparison, fieldsOf } from './typed.ts';
