/**
 * DaemonSets (apps/v1): one pod per node. Upstream's defaults (RollingUpdate with
 * maxUnavailable 1 and maxSurge 0, 10 revisions, the template's) and validation, an
 * immutable selector, kubectl's DESIRED / CURRENT / READY / UP-TO-DATE / AVAILABLE / NODE
 * SELECTOR table. No controller runs them here (see workload.ts).
 */
import { type ErrorList, notSupported } from '../../../apimachinery/field-errors.ts';
import { isJsonObject, type KubeObject } from '../../../apimachinery/meta.ts';
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
import { containersAndImages, defaultPodTemplate } from '../core/pod-spec.ts';
import { formatLabelMap } from '../core/services.ts';
import { builtin } from '../define.ts';
import {
  formatSelector,
  int32,
  noControllerWarning,
  observedGeneration,
  SPEC,
  specChanged,
  statusNumber,
  validateSelectorAndTemplate,
  validateSelectorUnchanged,
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

function prepare(obj: KubeObject): void {
  const spec = obj.spec;
  if (!isJsonObject(spec)) return;
  const update = isJsonObject(spec.updateStrategy) ? spec.updateStrategy : {};
  update.type ??= 'RollingUpdate';
  if (update.type === 'RollingUpdate') {
    const rolling = isJsonObject(update.rollingUpdate) ? update.rollingUpdate : {};
    rolling.maxUnavailable ??= 1;
    rolling.maxSurge ??= 0;
    update.rollingUpdate = rolling;
  }
  spec.updateStrategy = update;
  spec.revisionHistoryLimit ??= 10;
  defaultPodTemplate(spec.template);
}

function validate(obj: KubeObject): ErrorList {
  const spec = isJsonObject(obj.spec) ? obj.spec : {};
  const errs = validateSelectorAndTemplate(spec, 'daemonset');
  const update = isJsonObject(spec.updateStrategy) ? spec.updateStrategy : {};
  if (update.type !== undefined && !['OnDelete', 'RollingUpdate'].includes(String(update.type))) {
    errs.push(
      notSupported(SPEC.child('updateStrategy', 'type'), update.type, [
        'OnDelete',
        'RollingUpdate',
      ]),
    );
  }
  const restart =
    isJsonObject(spec.template) && isJsonObject(spec.template.spec)
      ? spec.template.spec.restartPolicy
      : undefined;
  if (restart !== undefined && restart !== 'Always') {
    errs.push(notSupported(SPEC.child('template', 'spec', 'restartPolicy'), restart, ['Always']));
  }
  return errs;
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
  strategy: {
    prepareForCreate: prepare,
    prepareForUpdate: prepare,
    validate,
    validateUpdate: (obj, old) => [...validate(obj), ...validateSelectorUnchanged(obj, old)],
    warningsOnCreate: () => [noControllerWarning('DaemonSet')],
    generationChanged: specChanged,
    allowUnconditionalUpdate: true,
    columns: [
      NAME_COLUMN,
      column('Desired', 'integer', 'Nodes that should run a pod.'),
      column('Current', 'integer', 'Nodes running a pod.'),
      column('Ready', 'integer', 'Nodes with a ready pod.'),
      column('Up-to-date', 'integer', 'Nodes running the current template.'),
      column('Available', 'integer', 'Nodes with an available pod.'),
      column('Node Selector', 'string', 'The node labels the pods need.'),
      AGE_COLUMN,
      column('Containers', 'string', 'The containers of its pods.', 1),
      column('Images', 'string', 'The images of its pods.', 1),
      column('Selector', 'string', 'The labels of the pods it manages.', 1),
    ],
    cells: (obj, now) => {
      const spec = isJsonObject(obj.spec) ? obj.spec : {};
      const template = isJsonObject(spec.template) ? spec.template : {};
      const podSpec = isJsonObject(template.spec) ? template.spec : {};
      const [containers, images] = containersAndImages(podSpec);
      return [
        obj.metadata.name,
        statusNumber(obj, 'desiredNumberScheduled'),
        statusNumber(obj, 'currentNumberScheduled'),
        statusNumber(obj, 'numberReady'),
        statusNumber(obj, 'updatedNumberScheduled'),
        statusNumber(obj, 'numberAvailable'),
        formatLabelMap(podSpec.nodeSelector),
        age(obj, now),
        containers,
        images,
        formatSelector(spec.selector),
      ];
    },
  },
});
