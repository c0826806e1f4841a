/**
 * Virtual resources: kinds that are only ever POSTed and answered, never stored (the
 * access reviews here, SelfSubjectReview and TokenReview in ../authentication). Declares
 * their ResourceType (verb `create` only, so discovery lists them as upstream does and
 * every other verb is 405) and the checks upstream makes on the metadata of reviews.
 */
import { type FieldError, invalid } from '../../../apimachinery/field-errors.ts';
import type { GoStruct } from '../../../apimachinery/go-decode.ts';
import {
  asKubeObject,
  isJsonObject,
  type JsonObject,
  type KubeObject,
  objectOrEmpty,
} from '../../../apimachinery/meta.ts';
import { badRequest, invalid as invalidStatus } from '../../../apimachinery/status.ts';
import { NAME_COLUMN } from '../../../apimachinery/table.ts';
import { kindNames, type ResourceType, type VirtualCreate } from '../../registry/resource-type.ts';

export interface VirtualDefinition {
  readonly group: string;
  /** Served versions, preferred first. */
  readonly versions: readonly string[];
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** The Go struct a body decodes into: what does not decode is a 400 before `create`. */
  readonly goType: GoStruct;
  readonly create: VirtualCreate;
}

export function virtualType(def: VirtualDefinition): ResourceType {
  return {
    group: def.group,
    versions: def.versions,
    storageVersion: def.versions[0] as string,
    names: kindNames(def),
    namespaced: def.namespaced,
    verbs: ['create'],
    subresources: {},
    strategy: {
      // Never reached: the handler answers POST before the generic create path.
      validate: () => [],
      columns: [NAME_COLUMN],
      cells: (obj) => [obj.metadata.name],
    },
    goType: def.goType,
    virtualCreate: def.create,
  };
}

/** A JSON object field of a body, or undefined when absent or null. */
export function objectField(
  obj: Readonly<Record<string, unknown>>,
  key: string,
): JsonObject | undefined {
  const v = obj[key];
  return isJsonObject(v) ? v : undefined;
}

export function stringField(
  obj: Readonly<Record<string, unknown>> | undefined,
  key: string,
): string {
  const v = obj?.[key];
  return typeof v === 'string' ? v : '';
}

export function stringList(
  obj: Readonly<Record<string, unknown>> | undefined,
  key: string,
): string[] {
  const v = obj?.[key];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** Whether a metadata value is Go's zero value (nulls, empty strings, lists and maps). */
function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined || value === '' || value === 0) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isJsonObject(value)) return Object.keys(value).length === 0;
  return false;
}

/**
 * Reviews carry no metadata (upstream: ObjectMeta must be empty, managedFields aside; a
 * LocalSubjectAccessReview may have its namespace). Returns the field error when it is not.
 */
export function checkEmptyMetadata(
  obj: KubeObject,
  allowNamespace: boolean,
): FieldError | undefined {
  const meta = isJsonObject(obj.metadata) ? (obj.metadata as Record<string, unknown>) : {};
  for (const [key, value] of Object.entries(meta)) {
    if (key === 'managedFields' || (allowNamespace && key === 'namespace')) continue;
    if (!isEmpty(value)) {
      return invalid(
        'metadata',
        meta,
        allowNamespace ? 'must be empty except for namespace' : 'must be empty',
      );
    }
  }
  return undefined;
}

/** The 422 of a review: upstream names no object (`SubjectAccessReview.authorization.k8s.io "" is invalid`). */
export function reviewInvalid(group: string, kind: string, errors: FieldError[]) {
  return invalidStatus({ group, kind }, '', errors);
}

/** A namespace in the URL of a cluster-scoped review (`namespace is not allowed on this type`). */
export function refuseNamespace(namespace: string | undefined): void {
  if (namespace) throw badRequest('namespace is not allowed on this type');
}

/** The answer's object: the request's apiVersion, kind and metadata, and computed fields. */
export function reviewAnswer(
  group: string,
  version: string,
  kind: string,
  body: KubeObject,
  fields: Record<string, unknown>,
): KubeObject {
  const meta = objectOrEmpty(body.metadata);
  return asKubeObject({
    apiVersion: `${group}/${version}`,
    kind,
    metadata: { ...meta, creationTimestamp: null },
    ...fields,
  });
}
