/**
 * DaemonSets (apps/v1): one pod per node. Upstream's defaults (RollingUpdate with
 * maxUnavailable 1 and maxSurge 0, 10 revisions, the template's) and validation, an
 * immutable selector, kubectl's DESIRED / CURRENT / READY / UP-TO-DATE / AVAILABLE / NODE
 * SELECTOR table. No controller runs them here (see workload.ts).
 */
import { type ErrorList, validateOneOf } from '../../../apimachinery/field-errors.ts';
import { type JsonObject, objectOrEmpty } from '../../../apimachinery/meta.ts';
import {
  type BuiltinSchema,
  intOrString,
  labelSelector,
  object,
  string,
} from '../../../apimachinery/schema/dsl.ts';
import { AGE_COLUMN, column, NAME_COLUMN } from '../../../apimachinery/table.ts';
import { age } from '../age.ts';
import { podTemplateSpecSchema } from '../core/pod-spec.schema.ts';
import { defaultPodTemplate } from '../core/pod-spec.ts';
import { formatLabelMap } from '../core/services.ts';
import { builtin } from '../define.ts';
import {
  appsStrategy,
  defaultRollingUpdate,
  int32,
  observedGeneration,
  POD_TEMPLATE_COLUMNS,
  podTemplateCells,
  SPEC,
  statusNumber,
  validateRestartAlways,
  validateSelectorAndTemplate,
  workloadConditions,
} from './workload.ts';

export const daemonSetSchema: BuiltinSchema = object('One pod on every (selected) node.', {
  spec: object('The desired pods.', {
    selector: labelSelector('The labels of the pods it manages; must match the template.'),
    template: podTemplateSpecSchema('The pod it runs on each node.'),
    updateStrategy: object('How pods are updated.', {
      type: string('RollingUpdate (the default) or OnDelete.'),
      rollingUpdate: object('Limits of a rolling update.', {
        maxUnavailable: intOrString('Nodes whose pod may be unavailable (default 1).'),
        maxSurge: intOrString('Nodes that may run an old and a new pod at once (default 0).'),
      }),
    }),
    minReadySeconds: int32('Seconds a new pod must be ready to count as available.'),
    revisionHistoryLimit: int32('Revisions kept (default 10).'),
  }),
  status: object('The observed state.', {
    currentNumberScheduled: int32('Nodes running a pod that should.'),
    numberMisscheduled: int32('Nodes running a pod that should not.'),
    desiredNumberScheduled: int32('Nodes that should run a pod.'),
    numberReady: int32('Nodes with a ready pod.'),
    observedGeneration,
    updatedNumberScheduled: int32('Nodes running the current template.'),
    numberAvailable: int32('Nodes with an available pod.'),
    numberUnavailable: int32('Nodes without an available pod.'),
    collisionCount: int32('Hash collisions of the template.'),
    conditions: workloadConditions,
  }),
});

function defaultSpec(spec: JsonObject): void {
  defaultRollingUpdate(spec, 'updateStrategy', { maxUnavailable: 1, maxSurge: 0 });
  spec.revisionHistoryLimit ??= 10;
  defaultPodTemplate(spec.template);
}

function validateSpec(spec: JsonObject): ErrorList {
  const update = objectOrEmpty(spec.updateStrategy);
  return [
    ...validateSelectorAndTemplate(spec, 'daemonset'),
    ...validateOneOf(SPEC.child('updateStrategy', 'type'), update.type, [
      'OnDelete',
      'RollingUpdate',
    ]),
    ...validateRestartAlways(spec),
  ];
}

export const daemonSets = builtin({
  group: 'apps',
  version: 'v1',
  plural: 'daemonsets',
  singular: 'daemonset',
  kind: 'DaemonSet',
  namespaced: true,
  shortNames: ['ds'],
  categories: ['all'],
  subresources: { status: true },
  schema: daemonSetSchema,
  definitionName: 'io.k8s.api.apps.v1.DaemonSet',
  strategy: appsStrategy('DaemonSet', {
    defaultSpec,
    validateSpec,
    columns: [
      NAME_COLUMN,
      column('Desired', 'integer', 'Nodes that should run a pod.'),
      column('Current', 'integer', 'Nodes running a pod.'),
      column('Ready', 'integer', 'Nodes with a ready pod.'),
      column('Up-to-date', 'integer', 'Nodes running the current template.'),
      column('Available', 'integer', 'Nodes with an available pod.'),
      column('Node Selector', 'string', 'The node labels the pods need.'),
      AGE_COLUMN,
      ...POD_TEMPLATE_COLUMNS,
    ],
    cells: (obj, now) => {
      const spec = objectOrEmpty(obj.spec);
      const template = objectOrEmpty(spec.template);
      const podSpec = objectOrEmpty(template.spec);
      return [
        obj.metadata.name,
        statusNumber(obj, 'desiredNumberScheduled'),
        statusNumber(obj, 'currentNumberScheduled'),
        statusNumber(obj, 'numberReady'),
        statusNumber(obj, 'updatedNumberScheduled'),
        statusNumber(obj, 'numberAvailable'),
        formatLabelMap(podSpec.nodeSelector),
        age(obj, now),
        ...podTemplateCells(spec),
      ];
    },
  }),
});
