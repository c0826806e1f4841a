/**
 * Field management on every write: which manager owns which fields (metadata.managedFields),
 * recorded as an Update for ordinary writes and settled by server-side apply for apply
 * patches. The schema that says how lists and maps merge is the resource's own: the
 * declared schema of built-ins, the structural schema of custom resources.
 */
import type { KubeObject } from '../../apimachinery/meta.ts';
import { apiVersionOf } from '../../apimachinery/meta.ts';
import { FieldSet, fieldElement, updateManagedFields } from '../../apimachinery/patch/index.ts';
import type { JSONSchemaProps } from '../../apimachinery/schema/types.ts';
import type { ResourceType, Subresource } from '../registry/resource-type.ts';

/** The schema patches and ownership follow for a type in a version, if it has one. */
export function patchSchemaOf(type: ResourceType, version: string): JSONSchemaProps | undefined {
  return (
    (type.openapi?.schema(version) as JSONSchemaProps | undefined) ?? type.schemas?.[version]?.raw
  );
}

const STATUS = FieldSet.of([fieldElement('status')]);

/**
 * Fields a write through this endpoint cannot own because the endpoint resets them: status
 * on the main resource of a type with a status subresource, everything but status on /status.
 */
export function ignoredFields(
  type: ResourceType,
  subresource: Subresource,
  obj: KubeObject,
): FieldSet | undefined {
  if (subresource === 'status') {
    const others = Object.keys(obj).filter(
      (k) => k !== 'status' && k !== 'metadata' && k !== 'apiVersion' && k !== 'kind',
    );
    return FieldSet.of(...others.map((k) => [fieldElement(k)]));
  }
  if (subresource === '' && type.subresources.status) return STATUS;
  return undefined;
}

/** Manager name from the user agent when the request names none: `kubectl/v1.33 …` → `kubectl`. */
export function managerFromUserAgent(userAgent: string | undefined): string {
  const name = (userAgent ?? '').split('/')[0]?.trim() ?? '';
  return name.slice(0, 128) || 'unknown';
}

/** Records a non-apply write of `next` (over `old`, absent on create) as `manager`'s Update. */
export function recordWrite(
  old: KubeObject | undefined,
  next: KubeObject,
  type: ResourceType,
  version: string,
  subresource: Subresource,
  manager: string,
): KubeObject {
  const ignored = ignoredFields(type, subresource, next);
  return updateManagedFields(
    old,
    next,
    manager,
    {
      apiVersion: apiVersionOf(type.group, version),
      ...(subresource ? { subresource } : {}),
      ...(ignored ? { ignoredFields: ignored } : {}),
    },
    patchSchemaOf(type, version),
  );
}
