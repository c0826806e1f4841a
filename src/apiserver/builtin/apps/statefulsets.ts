/**
 * StatefulSets (apps/v1): pods with stable names and storage. Upstream's defaults (1
 * replica, OrderedReady, RollingUpdate with partition 0, 10 revisions, claims retained) and
 * validation (selector matching the template, policies, claim templates), an immutable
 * selector and the scale subresource. No controller runs them here (see workload.ts).
 */
import { type ErrorList, validateOneOf } from '../../../apimachinery/field-errors.ts';
import { isJsonObject, type JsonObject, objectOrEmpty } from '../../../apimachinery/meta.ts';
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
import { defaultPodTemplate } from '../core/pod-spec.ts';
import { builtin } from '../define.ts';
import {
  appsStrategy,
  CONTAINERS_COLUMN,
  defaultRollingUpdate,
  IMAGES_COLUMN,
  int32,
  observedGeneration,
  REPLICAS_SUBRESOURCES,
  SPEC,
  specNumber,
  statusNumber,
  templateContainersAndImages,
  validateReplicas,
  validateRestartAlways,
  validateSelectorAndTemplate,
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

function defaultSpec(spec: JsonObject): void {
  spec.replicas ??= 1;
  spec.podManagementPolicy ??= 'OrderedReady';
  defaultRollingUpdate(spec, 'updateStrategy', { partition: 0 });
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

function validateSpec(spec: JsonObject): ErrorList {
  const update = objectOrEmpty(spec.updateStrategy);
  return [
    ...validateSelectorAndTemplate(spec, 'statefulset'),
    ...validateReplicas(spec),
    ...validateOneOf(SPEC.child('podManagementPolicy'), spec.podManagementPolicy, [
      'OrderedReady',
      'Parallel',
    ]),
    ...validateOneOf(SPEC.child('updateStrategy', 'type'), update.type, [
      'OnDelete',
      'RollingUpdate',
    ]),
    ...validateRestartAlways(spec),
  ];
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
  subresources: REPLICAS_SUBRESOURCES,
  schema: statefulSetSchema,
  definitionName: 'io.k8s.api.apps.v1.StatefulSet',
  strategy: appsStrategy('StatefulSet', {
    defaultSpec,
    validateSpec,
    columns: [
      NAME_COLUMN,
      column('Ready', 'string', 'Ready pods of the desired number.'),
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
    ],
    cells: (obj, now) => [
      obj.metadata.name,
      `${statusNumber(obj, 'readyReplicas')}/${specNumber(obj, 'replicas')}`,
      age(obj, now),
      ...templateContainersAndImages(objectOrEmpty(obj.spec)),
    ],
  }),
});
