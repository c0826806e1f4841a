/**
 * ReplicaSets (apps/v1): a number of identical pods. Upstream's defaults (1 replica, the
 * template's) and validation, an immutable selector, the scale subresource, kubectl's
 * DESIRED / CURRENT / READY table. No controller runs them here (see workload.ts).
 */
import { type ErrorList, notSupported } from '../../../apimachinery/field-errors.ts';
import { isJsonObject, type KubeObject } from '../../../apimachinery/meta.ts';
import { type BuiltinSchema, labelSelector, object } from '../../../apimachinery/schema/dsl.ts';
import { AGE_COLUMN, column, NAME_COLUMN } from '../../../apimachinery/table.ts';
import { age } from '../age.ts';
import { podTemplateSpecSchema } from '../core/pod-spec.schema.ts';
import { containersAndImages, defaultPodTemplate } from '../core/pod-spec.ts';
import { builtin } from '../define.ts';
import {
  formatSelector,
  int32,
  noControllerWarning,
  observedGeneration,
  SPEC,
  specChanged,
  specNumber,
  statusNumber,
  validateReplicas,
  validateSelectorAndTemplate,
  validateSelectorUnchanged,
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

function prepare(obj: KubeObject): void {
  const spec = obj.spec;
  if (!isJsonObject(spec)) return;
  spec.replicas ??= 1;
  defaultPodTemplate(spec.template);
}

function validate(obj: KubeObject): ErrorList {
  const spec = isJsonObject(obj.spec) ? obj.spec : {};
  const errs = [...validateSelectorAndTemplate(spec, 'replicaset'), ...validateReplicas(spec)];
  const restart =
    isJsonObject(spec.template) && isJsonObject(spec.template.spec)
      ? spec.template.spec.restartPolicy
      : undefined;
  if (restart !== undefined && restart !== 'Always') {
    errs.push(notSupported(SPEC.child('template', 'spec', 'restartPolicy'), restart, ['Always']));
  }
  return errs;
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
  subresources: {
    status: true,
    scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' },
  },
  schema: replicaSetSchema,
  definitionName: 'io.k8s.api.apps.v1.ReplicaSet',
  strategy: {
    prepareForCreate: prepare,
    prepareForUpdate: prepare,
    validate,
    validateUpdate: (obj, old) => [...validate(obj), ...validateSelectorUnchanged(obj, old)],
    warningsOnCreate: () => [noControllerWarning('ReplicaSet')],
    generationChanged: specChanged,
    allowUnconditionalUpdate: true,
    columns: [
      NAME_COLUMN,
      column('Desired', 'integer', 'Pods wanted.'),
      column('Current', 'integer', 'Pods made.'),
      column('Ready', 'integer', 'Ready pods.'),
      AGE_COLUMN,
      column('Containers', 'string', 'The containers of its pods.', 1),
      column('Images', 'string', 'The images of its pods.', 1),
      column('Selector', 'string', 'The labels of the pods it manages.', 1),
    ],
    cells: (obj, now) => {
      const spec = isJsonObject(obj.spec) ? obj.spec : {};
      const template = isJsonObject(spec.template) ? spec.template : {};
      const [containers, images] = containersAndImages(template.spec);
      return [
        obj.metadata.name,
        specNumber(obj, 'replicas'),
        statusNumber(obj, 'replicas'),
        statusNumber(obj, 'readyReplicas'),
        age(obj, now),
        containers,
        images,
        formatSelector(spec.selector),
      ];
    },
  },
});
