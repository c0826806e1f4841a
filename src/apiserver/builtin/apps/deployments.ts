/**
 * Deployments (apps/v1): upstream's defaults (1 replica, RollingUpdate 25%/25%, 10 revisions,
 * a 600 s progress deadline, the pod template's defaults) and validation (selector matching
 * the template, strategy, replicas), an immutable selector, generation, the scale
 * subresource. No controller runs them here: their status stays empty, so kubectl prints
 * `0/N` ready and 0 available, and creating one earns a warning that says why.
 */
import {
  type ErrorList,
  forbidden,
  invalid,
  validateOneOf,
} from '../../../apimachinery/field-errors.ts';
import { type JsonObject, objectOrEmpty } from '../../../apimachinery/meta.ts';
import {
  type BuiltinSchema,
  boolean,
  intOrString,
  labelSelector,
  object,
  string,
} from '../../../apimachinery/schema/dsl.ts';
import { AGE_COLUMN, column, NAME_COLUMN } from '../../../apimachinery/table.ts';
import { age } from '../age.ts';
import { podTemplateSpecSchema } from '../core/pod-spec.schema.ts';
import { defaultPodTemplate } from '../core/pod-spec.ts';
import { builtin } from '../define.ts';
import {
  appsStrategy,
  defaultRollingUpdate,
  int32,
  observedGeneration,
  POD_TEMPLATE_COLUMNS,
  podTemplateCells,
  REPLICAS_SUBRESOURCES,
  SPEC,
  specNumber,
  statusNumber,
  validateReplicas,
  validateRestartAlways,
  validateSelectorAndTemplate,
  workloadConditions,
} from './workload.ts';

export const deploymentSchema: BuiltinSchema = object(
  'Declarative updates of a set of identical pods through ReplicaSets.',
  {
    spec: object('The desired pods and how to roll out changes.', {
      replicas: int32('How many pods (default 1).'),
      selector: labelSelector('The labels of the pods it manages; must match the template.'),
      template: podTemplateSpecSchema('The pods it makes.'),
      strategy: object('How new pods replace old ones.', {
        type: string('RollingUpdate (the default) or Recreate.'),
        rollingUpdate: object('Limits of a rolling update.', {
          maxUnavailable: intOrString(
            'Pods that may be unavailable, a number or a percentage (default 25%).',
          ),
          maxSurge: intOrString(
            'Pods above the desired count, a number or a percentage (default 25%).',
          ),
        }),
      }),
      minReadySeconds: int32('Seconds a new pod must be ready to count as available.'),
      revisionHistoryLimit: int32('Old ReplicaSets kept for rollback (default 10).'),
      paused: boolean('Stops rolling out changes.'),
      progressDeadlineSeconds: int32('Seconds before a stalled rollout is reported (default 600).'),
    }),
    status: object('The observed state of the rollout.', {
      observedGeneration,
      replicas: int32('Pods targeted.'),
      updatedReplicas: int32('Pods of the current template.'),
      readyReplicas: int32('Ready pods.'),
      availableReplicas: int32('Pods available for minReadySeconds.'),
      unavailableReplicas: int32('Pods still needed.'),
      terminatingReplicas: int32('Pods terminating.'),
      conditions: workloadConditions,
      collisionCount: int32('Hash collisions of the template.'),
    }),
  },
);

function defaultSpec(spec: JsonObject): void {
  spec.replicas ??= 1;
  defaultRollingUpdate(spec, 'strategy', { maxUnavailable: '25%', maxSurge: '25%' });
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  defaultPodTemplate(spec.template);
}

function validateSpec(spec: JsonObject): ErrorList {
  const errs = [...validateSelectorAndTemplate(spec, 'deployment'), ...validateReplicas(spec)];
  const strategy = objectOrEmpty(spec.strategy);
  errs.push(
    ...validateOneOf(SPEC.child('strategy', 'type'), strategy.type, ['Recreate', 'RollingUpdate']),
  );
  if (strategy.type === 'Recreate' && strategy.rollingUpdate !== undefined) {
    errs.push(
      forbidden(
        SPEC.child('strategy', 'rollingUpdate'),
        "may not be specified when strategy `type` is 'Recreate'",
      ),
    );
  }
  const rolling = objectOrEmpty(strategy.rollingUpdate);
  const zero = (v: unknown) => v === 0 || v === '0%' || v === '0';
  if (zero(rolling.maxUnavailable) && zero(rolling.maxSurge)) {
    errs.push(
      invalid(
        SPEC.child('strategy', 'rollingUpdate', 'maxUnavailable'),
        rolling.maxUnavailable,
        'may not be 0 when `maxSurge` is 0',
      ),
    );
  }
  errs.push(...validateRestartAlways(spec));
  return errs;
}

export const deployments = builtin({
  group: 'apps',
  version: 'v1',
  plural: 'deployments',
  singular: 'deployment',
  kind: 'Deployment',
  namespaced: true,
  shortNames: ['deploy'],
  categories: ['all'],
  subresources: REPLICAS_SUBRESOURCES,
  schema: deploymentSchema,
  definitionName: 'io.k8s.api.apps.v1.Deployment',
  strategy: appsStrategy('Deployment', {
    defaultSpec,
    validateSpec,
    columns: [
      NAME_COLUMN,
      column('Ready', 'string', 'Ready pods of the desired number.'),
      column('Up-to-date', 'integer', 'Pods of the current template.'),
      column('Available', 'integer', 'Pods available to serve.'),
      AGE_COLUMN,
      ...POD_TEMPLATE_COLUMNS,
    ],
    cells: (obj, now) => [
      obj.metadata.name,
      `${statusNumber(obj, 'readyReplicas')}/${specNumber(obj, 'replicas')}`,
      statusNumber(obj, 'updatedReplicas'),
      statusNumber(obj, 'availableReplicas'),
      age(obj, now),
      ...podTemplateCells(objectOrEmpty(obj.spec)),
    ],
  }),
});
