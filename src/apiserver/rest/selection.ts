/**
 * Which objects a list or watch selects: label and field selectors, with the field names
 * each resource supports (metadata.name and metadata.namespace everywhere, plus the ones
 * its strategy declares).
 */
import type { FieldSelectorMatcher } from '../../apimachinery/fields.ts';
import type { LabelSelectorMatcher } from '../../apimachinery/labels.ts';
import type { KubeObject } from '../../apimachinery/meta.ts';
import { badRequest } from '../../apimachinery/status.ts';
import type { ResourceType } from '../registry/resource-type.ts';

export interface Selection {
  readonly labels?: LabelSelectorMatcher | undefined;
  readonly fields?: FieldSelectorMatcher | undefined;
}

const META_FIELDS = ['metadata.name', 'metadata.namespace'];

/**
 * Refuses field selectors on fields the resource does not support, with upstream's words:
 * built-in types (the ones with strategic merge patch) as their field label conversion
 * says, custom resources as the custom resource handler does. kubectl adds its own
 * "Unable to find … that match label selector" in front.
 */
export function checkFieldSelector(type: ResourceType, selection: Selection): void {
  if (!selection.fields || selection.fields.empty) return;
  const known = [...META_FIELDS, ...(type.strategy.fieldNames ?? [])];
  for (const r of selection.fields.requirements) {
    if (known.includes(r.field)) continue;
    throw badRequest(
      type.strategicMergePatch
        ? `"${r.field}" is not a known field selector: only ${known.map((k) => `"${k}"`).join(', ')}`
        : `field label not supported: ${r.field}`,
    );
  }
}

export function fieldSet(type: ResourceType, obj: KubeObject): Record<string, string> {
  return {
    'metadata.name': obj.metadata.name ?? '',
    'metadata.namespace': obj.metadata.namespace ?? '',
    ...type.strategy.fields?.(obj),
  };
}

export function selects(type: ResourceType, selection: Selection, obj: KubeObject): boolean {
  if (
    selection.labels &&
    !selection.labels.empty &&
    !selection.labels.matches(obj.metadata.labels)
  ) {
    return false;
  }
  if (
    selection.fields &&
    !selection.fields.empty &&
    !selection.fields.matches(fieldSet(type, obj))
  ) {
    return false;
  }
  return true;
}

/** True when the selection only asks for one object by name: a single-key read suffices. */
export function selectedName(selection: Selection): string | undefined {
  const reqs = selection.fields?.requirements ?? [];
  const byName = reqs.find((r) => r.field === 'metadata.name' && r.operator === '=');
  return byName?.value;
}
