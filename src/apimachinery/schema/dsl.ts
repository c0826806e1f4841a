/**
 * A small vocabulary for writing structural schemas in code (built-in kinds, kcp system types): every node gets a
 * `type` (so the schemas are structural), nested types are inlined rather than referenced,
 * and the list, map and patch annotations are spelled once here. The schemas carry Canopy's
 * own descriptions; field names, types, formats and `x-kubernetes-*` annotations follow the
 * upstream OpenAPI of the same Go types.
 *
 * Shared sub-schemas (ObjectReference, LabelSelector, Time…) are functions of the field
 * description, so every use reads naturally in `kubectl explain` while the structure stays
 * identical.
 */
import type { JSONSchemaProps, ListType, MapType } from './types.ts';

/** A schema node that may also carry the strategic-merge-patch extensions. */
export type BuiltinSchema = JSONSchemaProps & {
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
};

export interface ObjectOptions {
  /** Fields that must be present (shown as required by `kubectl explain`). */
  required?: readonly string[];
  /** `atomic` for structs that are replaced whole (`+structType=atomic`). */
  mapType?: MapType;
}

export function object(
  description: string,
  properties: Record<string, BuiltinSchema>,
  opts: ObjectOptions = {},
): BuiltinSchema {
  return {
    type: 'object',
    description,
    properties,
    ...(opts.required?.length ? { required: [...opts.required] } : {}),
    ...(opts.mapType ? { 'x-kubernetes-map-type': opts.mapType } : {}),
  };
}

export interface StringOptions {
  enum?: readonly string[];
  format?: 'byte' | 'date-time';
  /** Only where a list-map key needs one to be structural (Go's zero value). */
  default?: string;
  pattern?: string;
}

export function string(description: string, opts: StringOptions = {}): BuiltinSchema {
  return {
    type: 'string',
    description,
    ...(opts.format ? { format: opts.format } : {}),
    ...(opts.enum ? { enum: [...opts.enum] } : {}),
    ...(opts.default !== undefined ? { default: opts.default } : {}),
    ...(opts.pattern ? { pattern: opts.pattern } : {}),
  };
}

export interface IntegerOptions {
  format?: 'int32' | 'int64';
  minimum?: number;
}

export function integer(description: string, opts: IntegerOptions = {}): BuiltinSchema {
  return {
    type: 'integer',
    description,
    ...(opts.format ? { format: opts.format } : {}),
    ...(opts.minimum !== undefined ? { minimum: opts.minimum } : {}),
  };
}

export function boolean(description: string): BuiltinSchema {
  return { type: 'boolean', description };
}

/** map[string]string. */
export function stringMap(description: string): BuiltinSchema {
  return { type: 'object', description, additionalProperties: { type: 'string' } };
}

/** map[string][]byte: each value travels as a base64 string. */
export function bytesMap(description: string): BuiltinSchema {
  return {
    type: 'object',
    description,
    additionalProperties: { type: 'string', format: 'byte' },
  };
}

export interface ArrayOptions {
  /** SSA: `atomic` (replaced whole), `set` (scalars by value) or `map` (items by key). */
  listType?: ListType;
  /** SSA keys of a `map` list. */
  mapKeys?: readonly string[];
  /** SMP: `merge` to merge elements instead of replacing the list. */
  patchStrategy?: 'merge' | 'replace' | 'retainKeys' | 'merge,retainKeys';
  /** SMP: the field that identifies an element of a merged list of objects. */
  patchMergeKey?: string;
}

export function array(
  description: string,
  items: BuiltinSchema,
  opts: ArrayOptions = {},
): BuiltinSchema {
  return {
    type: 'array',
    description,
    items,
    ...(opts.listType ? { 'x-kubernetes-list-type': opts.listType } : {}),
    ...(opts.mapKeys?.length ? { 'x-kubernetes-list-map-keys': [...opts.mapKeys] } : {}),
    ...(opts.patchStrategy ? { 'x-kubernetes-patch-strategy': opts.patchStrategy } : {}),
    ...(opts.patchMergeKey ? { 'x-kubernetes-patch-merge-key': opts.patchMergeKey } : {}),
  };
}

/** []string, replaced whole by every kind of patch. */
export function atomicStrings(description: string): BuiltinSchema {
  return array(description, { type: 'string' }, { listType: 'atomic' });
}

/** Arbitrary JSON kept as sent (an embedded schema, say); only its being an object is checked. */
export function freeform(description: string): BuiltinSchema {
  return { type: 'object', description, 'x-kubernetes-preserve-unknown-fields': true };
}

// ---------------------------------------------------------------------------------------
// meta/v1 and core/v1 types several kinds embed

/** metav1.Time: RFC 3339, second precision. */
export function time(description: string): BuiltinSchema {
  return string(description, { format: 'date-time' });
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
export function microTime(description: string): BuiltinSchema {
  return string(description, { format: 'date-time' });
}

/** core/v1 ObjectReference (a `+structType=atomic` struct). */
export function objectReference(description: string, nameDefault?: string): BuiltinSchema {
  return object(
    description,
    {
      kind: string('Kind of the object referred to.'),
      namespace: string('Namespace of the object referred to, for namespaced kinds.'),
      name: string(
        'Name of the object referred to.',
        nameDefault === undefined ? {} : { default: nameDefault },
      ),
      uid: string('UID of the object referred to.'),
      apiVersion: string('API version of the object referred to.'),
      resourceVersion: string('The resourceVersion of the object this reference was taken at.'),
      fieldPath: string(
        'The part of the object meant, when not the whole object (e.g. `spec.containers{app}`).',
      ),
    },
    { mapType: 'atomic' },
  );
}

/** core/v1 LocalObjectReference: a name in the same namespace (atomic). */
export function localObjectReference(description: string): BuiltinSchema {
  return object(
    description,
    { name: string('Name of the object in the same namespace.') },
    { mapType: 'atomic' },
  );
}

/** metav1.LabelSelector (atomic): matchLabels and matchExpressions, ANDed. */
export function labelSelector(description: string): BuiltinSchema {
  return object(
    description,
    {
      matchLabels: stringMap(
        'Labels an object must carry with exactly these values; each pair is a shorthand for an `In` expression with one value.',
      ),
      matchExpressions: array(
        'Label requirements an object must all meet.',
        object(
          'One requirement on the value of a label.',
          {
            key: string('The label key the requirement is about.'),
            operator: string(
              'How the label relates to the values: In, NotIn, Exists or DoesNotExist.',
            ),
            values: atomicStrings(
              'Values for In and NotIn (at least one); must be empty for Exists and DoesNotExist.',
            ),
          },
          { required: ['key', 'operator'] },
        ),
        { listType: 'atomic' },
      ),
    },
    { mapType: 'atomic' },
  );
}

/** A status condition as core and apiextensions types spell it. */
export function condition(
  description: string,
  fields: { type: string; status: string; reason?: string; message?: string; time?: string },
): BuiltinSchema {
  return object(
    description,
    {
      type: string(fields.type),
      status: string(fields.status),
      lastTransitionTime: time(
        fields.time ?? 'When the condition last changed from one status to another.',
      ),
      reason: string(
        fields.reason ?? 'A one-word, CamelCase reason for the last transition, for machines.',
      ),
      message: string(fields.message ?? 'A human-readable explanation of the last transition.'),
    },
    { required: ['type', 'status'] },
  );
}

/** intstr.IntOrString: a number or a string (`8080` or `http`, `25%`). */
export function intOrString(description: string): BuiltinSchema {
  return { description, 'x-kubernetes-int-or-string': true };
}

/** resource.Quantity: `500m`, `1Gi` or a plain number. */
export function quantity(description: string): BuiltinSchema {
  return intOrString(description);
}

/** map[ResourceName]Quantity: `{cpu: 500m, memory: 1Gi}`. */
export function quantityMap(description: string): BuiltinSchema {
  return { type: 'object', description, additionalProperties: quantity('An amount.') };
}

/**
 * A list of objects keyed by one or more of their fields: server-side apply merges items by
 * those keys, strategic merge patch by the first.
 */
export function keyedList(
  description: string,
  item: BuiltinSchema,
  keys: readonly string[],
  patchStrategy: ArrayOptions['patchStrategy'] = 'merge',
): BuiltinSchema {
  // Every key is required unless it has a default (what a structural list map needs).
  const needed = keys.filter((k) => item.properties?.[k]?.default === undefined);
  const required = [...new Set([...(item.required ?? []), ...needed])];
  if (required.length > 0) item = { ...item, required };
  return array(description, item, {
    listType: 'map',
    mapKeys: keys,
    patchStrategy,
    patchMergeKey: keys[0] as string,
  });
}

/** A list of objects replaced whole by every kind of patch. */
export function atomicList(description: string, item: BuiltinSchema): BuiltinSchema {
  return array(description, item, { listType: 'atomic' });
}

/**
 * An object whose named fields are typed and whose other fields are kept as sent: for deep
 * structures (security contexts, affinity) that Canopy stores and returns but never reads.
 */
export function openObject(
  description: string,
  properties: Record<string, BuiltinSchema> = {},
): BuiltinSchema {
  return { ...object(description, properties), 'x-kubernetes-preserve-unknown-fields': true };
}
