/**
 * What the workload kinds share (apps/v1 Deployment, StatefulSet, ReplicaSet, DaemonSet and
 * batch/v1 Job and CronJob): the selector that must match the template's labels, the pod
 * template's defaults and validation, the rolling-update defaults, the status schema
 * pieces, the `-o wide` columns, the strategy hooks they all have alike (`workloadStrategy`,
 * `appsStrategy`) and the honest warning that nothing runs them. Canopy runs no workload controllers and no containers: the objects are
 * stored and served as upstream serves them, their status stays empty (0 ready, 0
 * available), and creating one says so.
 */
import {
  type ErrorList,
  FieldPath,
  invalid,
  required,
  validateOneOf,
} from '../../../apimachinery/field-errors.ts';
import { labelSelectorFromObject } from '../../../apimachinery/labels.ts';
import {
  isJsonObject,
  type JsonObject,
  type JsonValue,
  type KubeObject,
  type LabelSelector,
  objectOrEmpty,
} from '../../../apimachinery/meta.ts';
import {
  type BuiltinSchema,
  condition,
  integer,
  keyedList,
} from '../../../apimachinery/schema/dsl.ts';
import { isStatusError } from '../../../apimachinery/status.ts';
import { column, type TableColumnDefinition } from '../../../apimachinery/table.ts';
import type { Strategy, Subresources } from '../../registry/resource-type.ts';
import { containersAndImages, templateLabels, validatePodTemplate } from '../core/pod-spec.ts';
import { specChanged } from '../define.ts';

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

/** The status subresource and the scale subresource on spec.replicas / status.replicas. */
export const REPLICAS_SUBRESOURCES: Subresources = {
  status: true,
  scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' },
};

/**
 * What every workload kind's strategy shares: the warning that nothing runs it, generation
 * counting spec changes, last-write-wins updates. `strategy` adds (or overrides) the rest.
 */
export function workloadStrategy(kind: string, strategy: Strategy): Strategy {
  return {
    warningsOnCreate: () => [noControllerWarning(kind)],
    generationChanged: specChanged,
    allowUnconditionalUpdate: true,
    ...strategy,
  };
}

/**
 * The strategy of an apps/v1 kind from what is its own: the defaults of its spec (the same
 * on create and update) and the rules of its spec, to which an update adds the immutable
 * selector.
 */
export function appsStrategy(
  kind: string,
  strategy: Pick<Strategy, 'columns' | 'cells'> & {
    defaultSpec(spec: JsonObject): void;
    validateSpec(spec: JsonObject): ErrorList;
  },
): Strategy {
  const { defaultSpec, validateSpec, columns, cells } = strategy;
  const prepare = (obj: KubeObject) => {
    if (isJsonObject(obj.spec)) defaultSpec(obj.spec);
  };
  const validate = (obj: KubeObject) => validateSpec(objectOrEmpty(obj.spec));
  return workloadStrategy(kind, {
    prepareForCreate: prepare,
    prepareForUpdate: prepare,
    validate,
    validateUpdate: (obj, old) => [...validate(obj), ...validateSelectorUnchanged(obj, old)],
    columns,
    cells,
  });
}

/** kubectl's `-o wide` columns of the pods a workload makes. */
export const CONTAINERS_COLUMN = column('Containers', 'string', 'The containers of its pods.', 1);
export const IMAGES_COLUMN = column('Images', 'string', 'The images of its pods.', 1);
export const SELECTOR_COLUMN = column(
  'Selector',
  'string',
  'The labels of the pods it manages.',
  1,
);
export const POD_TEMPLATE_COLUMNS: readonly TableColumnDefinition[] = [
  CONTAINERS_COLUMN,
  IMAGES_COLUMN,
  SELECTOR_COLUMN,
];

/** The cells of CONTAINERS_COLUMN and IMAGES_COLUMN for a spec with a pod `template`. */
export function templateContainersAndImages(spec: JsonObject): [string, string] {
  return containersAndImages(isJsonObject(spec.template) ? spec.template.spec : undefined);
}

/** The cells of POD_TEMPLATE_COLUMNS. */
export function podTemplateCells(spec: JsonObject): [string, string, string] {
  return [...templateContainersAndImages(spec), formatSelector(spec.selector)];
}

/** The kinds that keep their pods running take only restartPolicy Always. */
export function validateRestartAlways(spec: JsonObject): ErrorList {
  const restart =
    isJsonObject(spec.template) && isJsonObject(spec.template.spec)
      ? spec.template.spec.restartPolicy
      : undefined;
  return validateOneOf(SPEC.child('template', 'spec', 'restartPolicy'), restart, ['Always']);
}

/**
 * Defaults `spec[field]` (a Deployment's `strategy`, a StatefulSet's or DaemonSet's
 * `updateStrategy`) to type RollingUpdate, and a RollingUpdate's limits to `rolling`.
 */
export function defaultRollingUpdate(
  spec: JsonObject,
  field: 'strategy' | 'updateStrategy',
  rolling: JsonObject,
): void {
  const update = objectOrEmpty(spec[field]);
  update.type ??= 'RollingUpdate';
  if (update.type === 'RollingUpdate') {
    const limits = objectOrEmpty(update.rollingUpdate);
    for (const [key, value] of Object.entries(rolling)) limits[key] ??= value;
    update.rollingUpdate = limits;
  }
  spec[field] = update;
}
