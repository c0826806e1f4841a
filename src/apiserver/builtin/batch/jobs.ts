/**
 * Jobs (batch/v1): pods run to completion. Upstream's defaults (1 completion, parallelism
 * 1, 6 retries, NonIndexed, the generated selector on `batch.kubernetes.io/controller-uid`
 * and the job's labels on its pods) and validation (restart policy OnFailure or Never, a
 * selector matching the template, an immutable template), kubectl's STATUS / COMPLETIONS /
 * DURATION table. No controller runs them here (see apps/workload.ts).
 */

import { humanDuration } from '../../../apimachinery/duration.ts';
import {
  type ErrorList,
  invalid,
  notSupported,
  validateOneOf,
} from '../../../apimachinery/field-errors.ts';
import {
  isJsonObject,
  type JsonObject,
  type KubeObject,
  objectOrEmpty,
} from '../../../apimachinery/meta.ts';
import {
  atomicStrings,
  type BuiltinSchema,
  boolean,
  labelSelector,
  object,
  openObject,
  string,
  time,
} from '../../../apimachinery/schema/dsl.ts';
import { AGE_COLUMN, column, NAME_COLUMN } from '../../../apimachinery/table.ts';
import { age } from '../age.ts';
import {
  CONTAINERS_COLUMN,
  IMAGES_COLUMN,
  int32,
  int64,
  podTemplateCells,
  SPEC,
  statusNumber,
  validateReplicas,
  validateSelectorAndTemplate,
  workloadConditions,
  workloadStrategy,
} from '../apps/workload.ts';
import { podTemplateSpecSchema } from '../core/pod-spec.schema.ts';
import { defaultPodTemplate } from '../core/pod-spec.ts';
import { builtin } from '../define.ts';

const CONTROLLER_UID = 'batch.kubernetes.io/controller-uid';
const JOB_NAME = 'batch.kubernetes.io/job-name';

export const jobSpecSchema: BuiltinSchema = object('What the job runs and how often.', {
  parallelism: int32('Pods running at once (default 1).'),
  completions: int32('Successful pods needed (default 1).'),
  activeDeadlineSeconds: int64('Seconds the job may run before it fails.'),
  podFailurePolicy: openObject('How pod failures count against backoffLimit.'),
  successPolicy: openObject('When an indexed job counts as succeeded.'),
  backoffLimit: int32('Retries before the job fails (default 6).'),
  backoffLimitPerIndex: int32('Retries per index of an indexed job.'),
  maxFailedIndexes: int32('Failed indexes before the job fails.'),
  selector: labelSelector('The labels of its pods; generated unless manualSelector.'),
  manualSelector: boolean('Uses the given selector instead of a generated one.'),
  template: podTemplateSpecSchema('The pods it runs.'),
  ttlSecondsAfterFinished: int32('Seconds after finishing before the job is deleted.'),
  completionMode: string('NonIndexed (the default) or Indexed.'),
  suspend: boolean('Holds the job: no pods are started.'),
  podReplacementPolicy: string('When failed pods are replaced: TerminatingOrFailed or Failed.'),
  managedBy: string('The controller that manages the job.'),
});

export const jobStatusSchema: BuiltinSchema = object('The observed state.', {
  conditions: workloadConditions,
  startTime: time('When the job started.'),
  completionTime: time('When it completed.'),
  active: int32('Pods running.'),
  succeeded: int32('Pods that succeeded.'),
  failed: int32('Pods that failed.'),
  terminating: int32('Pods terminating.'),
  completedIndexes: string('The indexes that succeeded.'),
  failedIndexes: string('The indexes that failed.'),
  uncountedTerminatedPods: object('Pods not yet counted.', {
    succeeded: atomicStrings('UIDs of succeeded pods.'),
    failed: atomicStrings('UIDs of failed pods.'),
  }),
  ready: int32('Pods ready.'),
});

export const jobSchema: BuiltinSchema = object('Pods run until a number of them succeed.', {
  spec: jobSpecSchema,
  status: jobStatusSchema,
});

/** Job defaults, shared with the jobs a CronJob template describes. */
export function defaultJobSpec(spec: JsonObject): void {
  if (spec.completions === undefined && spec.parallelism === undefined) spec.completions = 1;
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex === undefined ? 6 : 2147483647;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  if (spec.podFailurePolicy === undefined) spec.podReplacementPolicy ??= 'TerminatingOrFailed';
  defaultPodTemplate(spec.template);
}

function prepareForCreate(obj: KubeObject): void {
  const spec = obj.spec;
  if (!isJsonObject(spec)) return;
  defaultJobSpec(spec);
  // The generated selector: the job's own UID, which no other job's pods carry.
  if (spec.manualSelector !== true && obj.metadata.uid) {
    const uid = obj.metadata.uid;
    const name = obj.metadata.name ?? '';
    spec.selector = { matchLabels: { [CONTROLLER_UID]: uid } };
    const template = objectOrEmpty(spec.template);
    const meta = objectOrEmpty(template.metadata);
    const labels = objectOrEmpty(meta.labels);
    Object.assign(labels, {
      [CONTROLLER_UID]: uid,
      [JOB_NAME]: name,
      'controller-uid': uid,
      'job-name': name,
    });
    meta.labels = labels;
    template.metadata = meta;
    spec.template = template;
  }
}

/** The rules of a job spec, also those of a CronJob's job template. */
export function validateJobSpec(spec: JsonObject, root = SPEC): ErrorList {
  const errs = [
    ...validateSelectorAndTemplate(spec, 'job', false, root),
    ...validateReplicas(spec, 'parallelism', root),
    ...validateReplicas(spec, 'completions', root),
    ...validateReplicas(spec, 'backoffLimit', root),
  ];
  const podSpec = objectOrEmpty(objectOrEmpty(spec.template).spec);
  const restart = podSpec.restartPolicy;
  if (restart !== 'OnFailure' && restart !== 'Never') {
    errs.push(
      notSupported(root.child('template', 'spec', 'restartPolicy'), restart ?? '', [
        'OnFailure',
        'Never',
      ]),
    );
  }
  errs.push(
    ...validateOneOf(root.child('completionMode'), spec.completionMode, ['NonIndexed', 'Indexed']),
  );
  return errs;
}

function validateUpdate(obj: KubeObject, old: KubeObject): ErrorList {
  const spec = objectOrEmpty(obj.spec);
  const oldSpec = objectOrEmpty(old.spec);
  const errs = validateJobSpec(spec);
  for (const field of ['selector', 'completionMode', 'podFailurePolicy', 'backoffLimitPerIndex']) {
    if (JSON.stringify(spec[field]) !== JSON.stringify(oldSpec[field])) {
      errs.push(invalid(SPEC.child(field), spec[field] ?? null, 'field is immutable'));
    }
  }
  // The template may change only while the job is suspended and has not started.
  const mayChangeTemplate = oldSpec.suspend === true && statusNumber(old, 'active') === 0;
  if (!mayChangeTemplate && JSON.stringify(spec.template) !== JSON.stringify(oldSpec.template)) {
    errs.push(invalid(SPEC.child('template'), '', 'field is immutable'));
  }
  return errs;
}

function jobStatus(obj: KubeObject): string {
  const conditions =
    isJsonObject(obj.status) && Array.isArray(obj.status.conditions) ? obj.status.conditions : [];
  const has = (type: string) =>
    conditions.some((c) => isJsonObject(c) && c.type === type && c.status === 'True');
  if (has('Complete')) return 'Complete';
  if (has('Failed')) return 'Failed';
  if (obj.metadata.deletionTimestamp) return 'Terminating';
  if (has('Suspended')) return 'Suspended';
  if (has('FailureTarget')) return 'FailureTarget';
  if (has('SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

function completions(obj: KubeObject): string {
  const spec = objectOrEmpty(obj.spec);
  const succeeded = statusNumber(obj, 'succeeded');
  if (typeof spec.completions === 'number') return `${succeeded}/${spec.completions}`;
  const parallelism = typeof spec.parallelism === 'number' ? spec.parallelism : 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function duration(obj: KubeObject, now: number): string {
  const status = objectOrEmpty(obj.status);
  if (typeof status.startTime !== 'string') return '';
  const end = typeof status.completionTime === 'string' ? Date.parse(status.completionTime) : now;
  return humanDuration(end - Date.parse(status.startTime));
}

/** kubectl's `-o wide` columns of a job's pods, also those of a CronJob's. */
export const JOB_POD_COLUMNS = [
  CONTAINERS_COLUMN,
  IMAGES_COLUMN,
  column('Selector', 'string', 'The labels of its pods.', 1),
];

export const jobs = builtin({
  group: 'batch',
  version: 'v1',
  plural: 'jobs',
  singular: 'job',
  kind: 'Job',
  namespaced: true,
  categories: ['all'],
  subresources: { status: true },
  schema: jobSchema,
  definitionName: 'io.k8s.api.batch.v1.Job',
  strategy: workloadStrategy('Job', {
    prepareForCreate,
    prepareForUpdate: (obj) => {
      if (isJsonObject(obj.spec)) defaultJobSpec(obj.spec);
    },
    validate: (obj) => validateJobSpec(objectOrEmpty(obj.spec)),
    validateUpdate,
    columns: [
      NAME_COLUMN,
      column('Status', 'string', 'Complete, Failed, Suspended or Running.'),
      column('Completions', 'string', 'Pods that succeeded of those needed.'),
      column('Duration', 'string', 'How long the job ran.'),
      AGE_COLUMN,
      ...JOB_POD_COLUMNS,
    ],
    cells: (obj, now) => [
      obj.metadata.name,
      jobStatus(obj),
      completions(obj),
      duration(obj, now),
      age(obj, now),
      ...podTemplateCells(objectOrEmpty(obj.spec)),
    ],
  }),
});
