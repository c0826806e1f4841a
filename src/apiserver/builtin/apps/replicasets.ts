/**
 * ReplicaSets (apps/v1): a number of identical pods. Upstream's defaults (1 replica, the
 * template's) and validation, an immutable selector, the scale subresource, kubectl's
 * DESIRED / CURRENT / READY table. No controller runs them here (see workload.ts).
 */
import type { ErrorList } from '../../../apimachinery/field-errors.ts';
import { type JsonObject, objectOrEmpty } from '../../../apimachinery/meta.ts';
import { type BuiltinSchema, labelSelector, object } from '../../../apimachinery/schema/dsl.ts';
import { AGE_COLUMN, column, NAME_COLUMN } from '../../../apimachinery/table.ts';
import { age } from '../age.ts';
import { podTemplateSpecSchema } from '../core/pod-spec.schema.ts';
import { defaultPodTemplate } from '../core/pod-spec.ts';
import { builtin } from '../define.ts';
import {
  appsStrategy,
  int32,
  observedGeneration,
  POD_TEMPLATE_COLUMNS,
  podTemplateCells,
  REPLICAS_SUBRESOURCES,
  specNumber,
  statusNumber,
  validateReplicas,
  validateRestartAlways,
  validateSelectorAndTemplate,
  workloadConditions,
} from './workload.ts';

export const replicaSetSchema: BuiltinSchema = object('A number of identical pods kept running.', {
  spec: object('The desired pods.', {
    replicas: int32('How many pods (default 1).'),
    minReadySeconds: int32('Seconds a new pod must be ready to count as available.'),
    selector: labelSelector('The labels of the pods it manages; must match the template.'),
    template: podTemplateSpecSchema('The pods it makes.'),
  }),
  status: object('The observed state.', {
    replicas: int32('Pods made.'),
    fullyLabeledReplicas: int32('Pods with all the template labels.'),
    readyReplicas: int32('Ready pods.'),
    availableReplicas: int32('Pods available for minReadySeconds.'),
    terminatingReplicas: int32('Pods terminating.'),
    observedGeneration,
    conditions: workloadConditions,
  }),
});

function defaultSpec(spec: JsonObject): void {
  spec.replicas ??= 1;
  defaultPodTemplate(spec.template);
}

function validateSpec(spec: JsonObject): ErrorList {
  return [
    ...validateSelectorAndTemplate(spec, 'replicaset'),
    ...validateReplicas(spec),
    ...validateRestartAlways(spec),
  ];
}

export const replicaSets = builtin({
  group: 'apps',
  version: 'v1',
  plural: 'replicasets',
  singular: 'replicaset',
  kind: 'ReplicaSet',
  namespaced: true,
  shortNames: ['rs'],
  categories: ['all'],
  subresources: REPLICAS_SUBRESOURCES,
  schema: replicaSetSchema,
  definitionName: 'io.k8s.api.apps.v1.ReplicaSet',
  strategy: appsStrategy('ReplicaSet', {
    defaultSpec,
    validateSpec,
    columns: [
      NAME_COLUMN,
      column('Desired', 'integer', 'Pods wanted.'),
      column('Current', 'integer', 'Pods made.'),
      column('Ready', 'integer', 'Ready pods.'),
      AGE_COLUMN,
      ...POD_TEMPLATE_COLUMNS,
    ],
    cells: (obj, now) => [
      obj.metadata.name,
      specNumber(obj, 'replicas'),
      statusNumber(obj, 'replicas'),
      statusNumber(obj, 'readyReplicas'),
      age(obj, now),
      ...podTemplateCells(objectOrEmpty(obj.spec)),
    ],
  }),
});
