/**
 * What the workload kinds share (apps/v1 Deployment, StatefulSet, ReplicaSet, DaemonSet and
 * batch/v1 Job): the selector that must match the template's labels, the pod template's
 * defaults and validation, the status schema pieces, and the honest warning that nothing
 * runs them. Canopy runs no workload controllers and no containers: the objects are
 * stored and served as upstream serves them, their status stays empty (0 ready, 0
 * available), and creating one says so.
 */
import {
  type ErrorList,
  FieldPath,
  invalid,
  required,
} from '../../../apimachinery/field-errors.ts';
import { labelSelectorFromObject } from '../../../apimachinery/labels.ts';
import {
  isJsonObject,
  type JsonValue,
  type KubeObject,
  type LabelSelector,
} from '../../../apimachinery/meta.ts';
import {
  type BuiltinSchema,
  condition,
  integer,
  keyedList,
} from '../../../apimachinery/schema/dsl.ts';
import { isStatusError } from '../../../apimachinery/status.ts';
import { templateLabels, validatePodTemplate } from '../core/pod-spec.ts';

export const SPEC = FieldPath.root('spec');

/** The warning a workload earns on create, in kube-apiserver's `Warning` header. */
export function noControllerWarning(kind: string): string {
  return `Canopy runs no workload controllers and no containers: this ${kind} is stored, but no pods will be created for it and it will report 0 ready replicas`;
}

export const int32 = (description: string) => integer(description, { format: 'int32' });
export const int64 = (description: string) => integer(description, { format: 'int64' });

export const workloadConditions = keyedList(
  'The latest observations of the workload.',
  condition('One observation.', {
    type: 'The condition type (Available, Progressing, ReplicaFailure…).',
    status: 'True, False or Unknown.',
  }),
  ['type'],
);

export const observedGeneration: BuiltinSchema = int64(
  'The generation of the spec the status was written for.',
);

/** The selector as kubectl prints it (`app=web,tier in (a,b)`), or `<none>`. */
export function formatSelector(selector: JsonValue | undefined): string {
  if (!isJsonObject(selector)) return '<none>';
  try {
    const text = labelSelectorFromObject(selector as LabelSelector).toString();
    return text === '' ? '<none>' : text;
  } catch (err) {
    if (isStatusError(err)) return '<error>';
    throw err;
  }
}

/**
 * The selector is required, must not be empty, must be valid, and must select the pods the
 * template makes (apps/v1's ValidateDeploymentSpec and friends).
 */
export function validateSelectorAndTemplate(
  spec: Record<string, JsonValue | undefined>,
  kind: string,
  selectorRequired = true,
  root = SPEC,
): ErrorList {
  const errs: ErrorList = [];
  const selector = spec.selector;
  const path = root.child('selector');
  if (selector === undefined || selector === null) {
    if (selectorRequired) errs.push(required(path, ''));
  } else if (isJsonObject(selector)) {
    const sel = selector as LabelSelector;
    if (
      Object.keys(sel.matchLabels ?? {}).length === 0 &&
      (sel.matchExpressions ?? []).length === 0
    ) {
      errs.push(invalid(path, selector, `empty selector is invalid for ${kind}`));
    }
    try {
      const matcher = labelSelectorFromObject(sel);
      const labels = templateLabels(spec.template);
      if (!matcher.matches(labels)) {
        errs.push(
          invalid(
            root.child('template', 'metadata', 'labels'),
            labels,
            '`selector` does not match template `labels`',
          ),
        );
      }
    } catch (err) {
      if (!isStatusError(err)) throw err;
      errs.push(invalid(path, selector, err.message));
    }
  }
  errs.push(...validatePodTemplate(spec.template, root.child('template')));
  return errs;
}

export function validateReplicas(
  spec: Record<string, JsonValue | undefined>,
  field = 'replicas',
  root = SPEC,
): ErrorList {
  const v = spec[field];
  return typeof v === 'number' && v < 0
    ? [invalid(root.child(field), v, 'must be greater than or equal to 0')]
    : [];
}

/** apps/v1 selectors cannot change after creation. */
export function validateSelectorUnchanged(obj: KubeObject, old: KubeObject): ErrorList {
  const sel = isJsonObject(obj.spec) ? obj.spec.selector : undefined;
  const oldSel = isJsonObject(old.spec) ? old.spec.selector : undefined;
  return JSON.stringify(sel) === JSON.stringify(oldSel)
    ? []
    : [invalid(SPEC.child('selector'), sel ?? null, 'field is immutable')];
}

/** The status counters a table cell reads, 0 when absent. */
export function statusNumber(obj: KubeObject, field: string): number {
  const status = obj.status;
  const v = isJsonObject(status) ? status[field] : undefined;
  return typeof v === 'number' ? v : 0;
}

export function specNumber(obj: KubeObject, field: string, fallback = 0): number {
  const spec = obj.spec;
  const v = isJsonObject(spec) ? spec[field] : undefined;
  return typeof v === 'number' ? v : fallback;
}

/** The spec changed (what metadata.generation counts). */
export const specChanged = (obj: KubeObject, old: KubeObject) =>
  JSON.stringify(obj.spec) !== JSON.stringify(old.spec);
