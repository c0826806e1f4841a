/**
 * StatefulSets (apps/v1): pods with stable names and storage. Upstream's defaults (1
 * replica, OrderedReady, RollingUpdate with partition 0, 10 revisions, claims retained) and
 * validation (selector matching the template, policies, claim templates), an immutable
 * selector and the scale subresource. No controller runs them here (see workload.ts).
 */
import { type ErrorList, notSupported } from '../../../apimachinery/field-errors.ts';
import { isJsonObject, type KubeObject } from '../../../apimachinery/meta.ts';
import {
  atomicList,
  type BuiltinSchema,
  intOrString,
  labelSelector,
  object,
  openObject,
  string,
} from '../../../apimachinery/schema/dsl.ts';
import { AGE_COLUMN, column, NAME_COLUMN } from '../../../apimachinery/table.ts';
import { age } from '../age.ts';
import { persistentVolumeClaimSchema } from '../core/persistentvolumeclaims.ts';
import { podTemplateSpecSchema } from '../core/pod-spec.schema.ts';
import { containersAndImages, defaultPodTemplate } from '../core/pod-spec.ts';
import { builtin } from '../define.ts';
import {
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

export const statefulSetSchema: BuiltinSchema = object(
  'Pods with stable names, network identities and storage, made and updated in order.',
  {
    spec: object('The desired pods.', {
      replicas: int32('How many pods (default 1).'),
      selector: labelSelector('The labels of the pods it manages; must match the template.'),
      template: podTemplateSpecSchema('The pods it makes, named <set>-<ordinal>.'),
      volumeClaimTemplates: atomicList(
        'Claims made for each pod, named <claim>-<pod>.',
        openObject('A claim template.', {
          metadata: openObject('Its name, labels and annotations.'),
          spec: persistentVolumeClaimSchema.properties?.spec as BuiltinSchema,
        }),
      ),
      serviceName: string('The headless Service that gives the pods DNS names.'),
      podManagementPolicy: string('OrderedReady (the default) or Parallel.'),
      updateStrategy: object('How pods are updated.', {
        type: string('RollingUpdate (the default) or OnDelete.'),
        rollingUpdate: object('Limits of a rolling update.', {
          partition: int32('Ordinals below this keep the old template.'),
          maxUnavailable: intOrString('Pods that may be unavailable during the update.'),
        }),
      }),
      revisionHistoryLimit: int32('Revisions kept (default 10).'),
      minReadySeconds: int32('Seconds a new pod must be ready to count as available.'),
      persistentVolumeClaimRetentionPolicy: object('What happens to claims.', {
        whenDeleted: string('Retain (the default) or Delete, when the set is deleted.'),
        whenScaled: string('Retain (the default) or Delete, when the set scales down.'),
      }),
      ordinals: object('The numbering of the pods.', { start: int32('The first ordinal.') }),
    }),
    status: object('The observed state.', {
      observedGeneration,
      replicas: int32('Pods made.'),
      readyReplicas: int32('Ready pods.'),
      currentReplicas: int32('Pods of currentRevision.'),
      updatedReplicas: int32('Pods of updateRevision.'),
      currentRevision: string('The revision of the pods before the update.'),
      updateRevision: string('The revision being rolled out.'),
      collisionCount: int32('Hash collisions of the template.'),
      conditions: workloadConditions,
      availableReplicas: int32('Pods available for minReadySeconds.'),
    }),
  },
);

function prepare(obj: KubeObject): void {
  const spec = obj.spec;
  if (!isJsonObject(spec)) return;
  spec.replicas ??= 1;
  spec.podManagementPolicy ??= 'OrderedReady';
  const update = isJsonObject(spec.updateStrategy) ? spec.updateStrategy : {};
  update.type ??= 'RollingUpdate';
  if (update.type === 'RollingUpdate') {
    const rolling = isJsonObject(update.rollingUpdate) ? update.rollingUpdate : {};
    rolling.partition ??= 0;
    update.rollingUpdate = rolling;
  }
  spec.updateStrategy = update;
  spec.revisionHistoryLimit ??= 10;
  const retention = isJsonObject(spec.persistentVolumeClaimRetentionPolicy)
    ? spec.persistentVolumeClaimRetentionPolicy
    : {};
  retention.whenDeleted ??= 'Retain';
  retention.whenScaled ??= 'Retain';
  spec.persistentVolumeClaimRetentionPolicy = retention;
  for (const claim of Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates : []) {
    if (!isJsonObject(claim)) continue;
    if (isJsonObject(claim.spec)) claim.spec.volumeMode ??= 'Filesystem';
    claim.status ??= { phase: 'Pending' };
  }
  defaultPodTemplate(spec.template);
}

function validate(obj: KubeObject): ErrorList {
  const spec = isJsonObject(obj.spec) ? obj.spec : {};
  const errs = [...validateSelectorAndTemplate(spec, 'statefulset'), ...validateReplicas(spec)];
  const policy = spec.podManagementPolicy;
  if (policy !== undefined && !['OrderedReady', 'Parallel'].includes(String(policy))) {
    errs.push(
      notSupported(SPEC.child('podManagementPolicy'), policy, ['OrderedReady', 'Parallel']),
    );
  }
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

export const statefulSets = builtin({
  group: 'apps',
  version: 'v1',
  plural: 'statefulsets',
  singular: 'statefulset',
  kind: 'StatefulSet',
  namespaced: true,
  shortNames: ['sts'],
  categories: ['all'],
  subresources: {
    status: true,
    scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' },
  },
  schema: statefulSetSchema,
  definitionName: 'io.k8s.api.apps.v1.StatefulSet',
  strategy: {
    prepareForCreate: prepare,
    prepareForUpdate: prepare,
    validate,
    validateUpdate: (obj, old) => [...validate(obj), ...validateSelectorUnchanged(obj, old)],
    warningsOnCreate: () => [noControllerWarning('StatefulSet')],
    generationChanged: specChanged,
    allowUnconditionalUpdate: true,
    columns: [
      NAME_COLUMN,
      column('Ready', 'string', 'Ready pods of the desired number.'),
      AGE_COLUMN,
      column('Containers', 'string', 'The containers of its pods.', 1),
      column('Images', 'string', 'The images of its pods.', 1),
    ],
    cells: (obj, now) => {
      const spec = isJsonObject(obj.spec) ? obj.spec : {};
      const template = isJsonObject(spec.template) ? spec.template : {};
      const [containers, images] = containersAndImages(template.spec);
      return [
        obj.metadata.name,
        `${statusNumber(obj, 'readyReplicas')}/${specNumber(obj, 'replicas')}`,
        age(obj, now),
        containers,
        images,
      ];
    },
  },
});
