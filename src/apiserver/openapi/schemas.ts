/**
 * Schemas in OpenAPI documents: the shared meta.k8s.io definitions (ObjectMeta, ListMeta,
 * Status, Patch…) written here with Canopy's own descriptions, and the schema of each
 * kind — the structural schema of custom resources, the declared schema of built-ins.
 */
import type { JsonObject } from '../../apimachinery/meta.ts';
import type { ResourceType } from '../registry/resource-type.ts';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

export const META_REF = {
  objectMeta: `${META}.ObjectMeta`,
  listMeta: `${META}.ListMeta`,
  status: `${META}.Status`,
  patch: `${META}.Patch`,
  time: `${META}.Time`,
  ownerReference: `${META}.OwnerReference`,
  managedFields: `${META}.ManagedFieldsEntry`,
} as const;

const ref = (name: string): JsonObject => ({ $ref: `#/components/schemas/${name}` });
const str = (description: string): JsonObject => ({ type: 'string', description });
const strMap = (description: string): JsonObject => ({
  type: 'object',
  description,
  additionalProperties: { type: 'string', default: '' },
});

export function commonSchemas(): Record<string, JsonObject> {
  return {
    [META_REF.time]: {
      type: 'string',
      format: 'date-time',
      description: 'A timestamp in RFC 3339 form, in UTC.',
    },
    [META_REF.ownerReference]: {
      type: 'object',
      description:
        'A reference to an object that owns this one; owned objects are garbage collected with their owner.',
      required: ['apiVersion', 'kind', 'name', 'uid'],
      properties: {
        apiVersion: str('API version of the owner.'),
        kind: str('Kind of the owner.'),
        name: str('Name of the owner.'),
        uid: str('UID of the owner.'),
        controller: {
          type: 'boolean',
          description: 'True if the owner is the managing controller.',
        },
        blockOwnerDeletion: {
          type: 'boolean',
          description: 'With foreground deletion, the owner is not deleted before this object.',
        },
      },
      'x-kubernetes-map-type': 'atomic',
    },
    [META_REF.managedFields]: {
      type: 'object',
      description: 'Which fields a manager owns, recorded by server-side apply.',
      properties: {
        manager: str('The name of the manager.'),
        operation: str('Apply or Update.'),
        apiVersion: str('The version of the fields.'),
        time: ref(META_REF.time),
        fieldsType: str('The format of fieldsV1: always FieldsV1.'),
        fieldsV1: { type: 'object', description: 'The set of owned fields.' },
        subresource: str('The subresource written, if any.'),
      },
    },
    [META_REF.objectMeta]: {
      type: 'object',
      description: 'Standard metadata every persisted object has.',
      properties: {
        name: str(
          'Name of the object, unique in its namespace (or cluster, for cluster-scoped kinds). Cannot be updated.',
        ),
        generateName: str(
          'A prefix from which the server generates a unique name when name is not given.',
        ),
        namespace: str('The namespace the object lives in; empty for cluster-scoped kinds.'),
        uid: str('A unique identifier assigned by the server on creation.'),
        resourceVersion: str(
          'Opaque version of the object, for optimistic concurrency and watches.',
        ),
        generation: {
          type: 'integer',
          format: 'int64',
          description: 'Incremented by the server on every change of the desired state.',
        },
        creationTimestamp: ref(META_REF.time),
        deletionTimestamp: ref(META_REF.time),
        deletionGracePeriodSeconds: {
          type: 'integer',
          format: 'int64',
          description: 'Seconds allowed for graceful termination.',
        },
        labels: strMap('Key/value pairs to organise and select objects.'),
        annotations: strMap(
          'Key/value pairs for tools and extensions; not used to select objects.',
        ),
        ownerReferences: {
          type: 'array',
          description:
            'Objects this object depends on; when all owners are gone it is garbage collected.',
          items: ref(META_REF.ownerReference),
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['uid'],
          'x-kubernetes-patch-merge-key': 'uid',
          'x-kubernetes-patch-strategy': 'merge',
        },
        finalizers: {
          type: 'array',
          description: 'Entries that must be removed before the object is deleted.',
          items: { type: 'string', default: '' },
          'x-kubernetes-list-type': 'set',
          'x-kubernetes-patch-strategy': 'merge',
        },
        managedFields: {
          type: 'array',
          description: 'Field ownership recorded by server-side apply.',
          items: ref(META_REF.managedFields),
        },
        selfLink: str('Deprecated and always empty.'),
      },
    },
    [META_REF.listMeta]: {
      type: 'object',
      description: 'Metadata of a list response.',
      properties: {
        resourceVersion: str('The revision the list is consistent at.'),
        continue: str('Token to fetch the next page of a paged list.'),
        remainingItemCount: {
          type: 'integer',
          format: 'int64',
          description: 'How many items follow this page, when known.',
        },
        selfLink: str('Deprecated and always empty.'),
      },
    },
    [META_REF.status]: {
      type: 'object',
      description: 'The result of an operation that does not return an object, and every error.',
      properties: {
        apiVersion: str('Always v1.'),
        kind: str('Always Status.'),
        status: str('Success or Failure.'),
        message: str('A human-readable description of the result.'),
        reason: str('A machine-readable reason, such as NotFound or Conflict.'),
        code: { type: 'integer', format: 'int32', description: 'The HTTP status code.' },
        details: {
          type: 'object',
          description: 'More about the object the status is about.',
          'x-kubernetes-preserve-unknown-fields': true,
        },
        metadata: ref(META_REF.listMeta),
      },
      'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'Status' }],
    },
    [META_REF.patch]: {
      type: 'object',
      description:
        'A patch body: JSON patch, merge patch, strategic merge patch or an apply configuration.',
    },
  };
}

/** Definition names as upstream: `io.k8s.api.core.v1.ConfigMap`, `com.example.v1.Widget`. */
export function definitionName(type: ResourceType, version: string): string {
  if (type.openapi?.definitionName) return type.openapi.definitionName(version);
  const group = type.group || 'core';
  const reversed = group.split('.').reverse().join('.');
  return `${reversed}.${version}.${type.names.kind}`;
}

const TYPE_META: Record<string, JsonObject> = {
  apiVersion: str('APIVersion defines the versioned schema of this representation of an object.'),
  kind: str('Kind is a string value representing the REST resource this object represents.'),
};

/** The schema of a kind in one version, as documents list it. */
export function kindSchema(type: ResourceType, version: string): JsonObject {
  const declared = type.openapi?.schema(version) ?? type.schemas?.[version]?.raw;
  const base: JsonObject = declared
    ? structuredClone(declared as JsonObject)
    : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  const properties = { ...((base.properties as JsonObject | undefined) ?? {}) };
  for (const [k, v] of Object.entries(TYPE_META)) if (!(k in properties)) properties[k] = v;
  properties.metadata = { ...ref(META_REF.objectMeta), description: 'Standard object metadata.' };
  return {
    ...base,
    type: 'object',
    properties,
    'x-kubernetes-group-version-kind': [{ group: type.group, version, kind: type.names.kind }],
  };
}
