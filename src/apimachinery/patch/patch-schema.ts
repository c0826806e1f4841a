/**
 * How the patch engines read a structural schema: child and item lookups, the SMP extensions
 * (`x-kubernetes-patch-strategy`, `x-kubernetes-patch-merge-key`) and the SSA list/map types.
 * Also owns the ObjectMeta schema every object gets, because upstream treats `metadata` by its
 * Go type (labels as granular maps, finalizers as a merge set, ownerReferences keyed by uid)
 * whatever the resource's own schema says about it.
 */
import type { JSONSchemaProps, ListType } from '../schema/types.ts';
import { additionalPropertiesOf, itemsOf } from '../schema/types.ts';

/** A schema node that may carry the strategic-merge-patch extensions. */
export type PatchSchema = JSONSchemaProps & {
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
};

export type Schema = JSONSchemaProps | undefined;

/** The schema of member `name` of an object: a declared property, else additionalProperties. */
export function fieldSchema(s: Schema, name: string): Schema {
  if (s === undefined) return undefined;
  if (s.properties !== undefined && Object.hasOwn(s.properties, name)) return s.properties[name];
  return additionalPropertiesOf(s);
}

/** A declared property (a struct field, in upstream's typed terms), as opposed to a map key. */
export function isNamedField(s: Schema, name: string): boolean {
  return s?.properties !== undefined && Object.hasOwn(s.properties, name);
}

export function itemSchema(s: Schema): Schema {
  return s === undefined ? undefined : itemsOf(s);
}

/** SSA list type; lists without the annotation (and unknown values) are atomic. */
export function listTypeOf(s: Schema): ListType {
  const t = s?.['x-kubernetes-list-type'];
  return t === 'set' || t === 'map' ? t : 'atomic';
}

export function listMapKeys(s: Schema): readonly string[] {
  return s?.['x-kubernetes-list-map-keys'] ?? [];
}

/** Objects are granular unless marked atomic; schema-less (deduced) maps are granular too. */
export function isAtomicMap(s: Schema): boolean {
  return s?.['x-kubernetes-map-type'] === 'atomic';
}

/** The comma-separated `x-kubernetes-patch-strategy`, split. */
export function patchStrategies(s: Schema): string[] {
  const raw = (s as PatchSchema | undefined)?.['x-kubernetes-patch-strategy'];
  if (raw === undefined || raw === '') return [];
  return raw.split(',');
}

export function patchMergeKey(s: Schema): string {
  return (s as PatchSchema | undefined)?.['x-kubernetes-patch-merge-key'] ?? '';
}

const str: JSONSchemaProps = { type: 'string' };
const int64: JSONSchemaProps = { type: 'integer', format: 'int64' };
const time: JSONSchemaProps = { type: 'string', format: 'date-time' };
const stringMap: JSONSchemaProps = { type: 'object', additionalProperties: str };

// OwnerReference is a `+structType=atomic` struct: an owner is replaced whole, never merged.
const ownerReference: JSONSchemaProps = {
  type: 'object',
  required: ['apiVersion', 'kind', 'name', 'uid'],
  properties: {
    apiVersion: str,
    kind: str,
    name: str,
    uid: str,
    controller: { type: 'boolean' },
    blockOwnerDeletion: { type: 'boolean' },
  },
  'x-kubernetes-map-type': 'atomic',
};

const ownerReferences: PatchSchema = {
  type: 'array',
  items: ownerReference,
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['uid'],
  'x-kubernetes-patch-strategy': 'merge',
  'x-kubernetes-patch-merge-key': 'uid',
};

const finalizers: PatchSchema = {
  type: 'array',
  items: str,
  'x-kubernetes-list-type': 'set',
  'x-kubernetes-patch-strategy': 'merge',
};

/** metav1.ObjectMeta as the patch engines need it. */
export const OBJECT_META_SCHEMA: JSONSchemaProps = {
  type: 'object',
  properties: {
    name: str,
    generateName: str,
    namespace: str,
    selfLink: str,
    uid: str,
    resourceVersion: str,
    generation: int64,
    creationTimestamp: time,
    deletionTimestamp: time,
    deletionGracePeriodSeconds: int64,
    labels: stringMap,
    annotations: stringMap,
    ownerReferences,
    finalizers,
    managedFields: {
      type: 'array',
      items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
  },
};

const withMeta = new WeakMap<JSONSchemaProps, JSONSchemaProps>();
const SCHEMALESS_OBJECT: JSONSchemaProps = {
  type: 'object',
  properties: { metadata: OBJECT_META_SCHEMA },
  'x-kubernetes-preserve-unknown-fields': true,
};

/**
 * The object schema with the full ObjectMeta schema as `metadata`, replacing whatever the
 * resource declared there (CRDs may only constrain name and generateName, which this keeps
 * no use for). Without a schema, the rest of the object is deduced from its values.
 */
export function withObjectMeta(schema: JSONSchemaProps | undefined): JSONSchemaProps {
  if (schema === undefined) return SCHEMALESS_OBJECT;
  if (schema.properties?.metadata === OBJECT_META_SCHEMA) return schema;
  const cached = withMeta.get(schema);
  if (cached !== undefined) return cached;
  const out: JSONSchemaProps = {
    ...schema,
    type: schema.type ?? 'object',
    properties: { ...schema.properties, metadata: OBJECT_META_SCHEMA },
  };
  withMeta.set(schema, out);
  return out;
}
