/**
 * CronJobs (batch/v1): Jobs on a schedule. Upstream's defaults (Allow, not suspended, 3
 * successful and 1 failed job kept, the job template's) and validation (a standard cron
 * schedule or a descriptor, no TZ in it, the concurrency policy, the job template's rules),
 * kubectl's SCHEDULE / TIMEZONE / SUSPEND / ACTIVE / LAST SCHEDULE table. No controller
 * starts the jobs here (see apps/workload.ts).
 */
import {
  type ErrorList,
  invalid,
  required,
  validateOneOf,
} from '../../../apimachinery/field-errors.ts';
import { isJsonObject, type KubeObject, objectOrEmpty } from '../../../apimachinery/meta.ts';
import {
  atomicList,
  type BuiltinSchema,
  boolean,
  object,
  objectReference,
  openObject,
  string,
  time,
} from '../../../apimachinery/schema/dsl.ts';
import { AGE_COLUMN, column, NAME_COLUMN } from '../../../apimachinery/table.ts';
import { age } from '../age.ts';
import { int32, int64, podTemplateCells, SPEC, workloadStrategy } from '../apps/workload.ts';
import { builtin } from '../define.ts';
import { defaultJobSpec, JOB_POD_COLUMNS, jobSpecSchema, validateJobSpec } from './jobs.ts';

const POLICIES = ['Allow', 'Forbid', 'Replace'] as const;
const JOB_SPEC = SPEC.child('jobTemplate', 'spec');

export const cronJobSchema: BuiltinSchema = object('A Job made on a schedule.', {
  spec: object('The schedule and the job.', {
    schedule: string('A cron schedule (`0 3 * * *`) or descriptor (`@hourly`, `@every 5m`).'),
    timeZone: string("The time zone of the schedule (default: the controller's)."),
    startingDeadlineSeconds: int64('Seconds a missed start may still happen.'),
    concurrencyPolicy: string('Allow (the default), Forbid or Replace overlapping runs.'),
    suspend: boolean('Holds further runs.'),
    jobTemplate: object('The Job each run makes.', {
      metadata: openObject('Labels and annotations of the jobs.'),
      spec: jobSpecSchema,
    }),
    successfulJobsHistoryLimit: int32('Finished jobs kept (default 3).'),
    failedJobsHistoryLimit: int32('Failed jobs kept (default 1).'),
  }),
  status: object('The observed state.', {
    active: atomicList('Jobs running.', objectReference('A job.')),
    lastScheduleTime: time('When a job was last started.'),
    lastSuccessfulTime: time('When a job last succeeded.'),
  }),
});

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const DESCRIPTORS = [
  '@yearly',
  '@annually',
  '@monthly',
  '@weekly',
  '@daily',
  '@midnight',
  '@hourly',
];
/** Minute, hour, day of month, month, day of week: ranges and names. */
const FIELDS: readonly { min: number; max: number; names?: string[]; offset?: number }[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS, offset: 1 },
  { min: 0, max: 7, names: DAYS, offset: 0 },
];

function cronValue(text: string, f: (typeof FIELDS)[number]): number | undefined {
  const i = f.names?.indexOf(text.toUpperCase()) ?? -1;
  if (i >= 0) return i + (f.offset ?? 0);
  if (!/^[0-9]+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= f.min && n <= f.max ? n : undefined;
}

/** Whether a schedule parses as robfig/cron's standard parser accepts it. */
export function cronScheduleError(schedule: string): string | undefined {
  const s = schedule.trim();
  if (/^(CRON_)?TZ=/.test(s))
    return 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead';
  if (s.startsWith('@')) {
    if (DESCRIPTORS.includes(s)) return undefined;
    const every = /^@every (.+)$/.exec(s);
    if (every && /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/.test(every[1] as string))
      return undefined;
    return `unrecognized descriptor: ${s}`;
  }
  const parts = s.split(/\s+/);
  if (parts.length !== 5)
    return `expected exactly 5 fields, found ${parts.length}: [${parts.join(' ')}]`;
  for (const [i, part] of parts.entries()) {
    const f = FIELDS[i] as (typeof FIELDS)[number];
    for (const item of part.split(',')) {
      const [range, step] = item.split('/');
      if (step !== undefined && !/^[1-9][0-9]*$/.test(step))
        return `failed to parse int from ${step}`;
      if (range === '*' || range === '?') continue;
      const [lo, hi] = (range ?? '').split('-');
      const a = cronValue(lo ?? '', f);
      const b = hi === undefined ? a : cronValue(hi, f);
      if (a === undefined || b === undefined) return `failed to parse int from ${range}`;
      if (a > b) return `beginning of range (${a}) beyond end of range (${b}): ${range}`;
    }
  }
  return undefined;
}

function validate(obj: KubeObject): ErrorList {
  const spec = objectOrEmpty(obj.spec);
  const errs: ErrorList = [];
  const path = SPEC.child('schedule');
  if (typeof spec.schedule !== 'string' || spec.schedule === '') errs.push(required(path, ''));
  else {
    const problem = cronScheduleError(spec.schedule);
    if (problem) errs.push(invalid(path, spec.schedule, problem));
  }
  errs.push(...validateOneOf(SPEC.child('concurrencyPolicy'), spec.concurrencyPolicy, POLICIES));
  if (typeof spec.timeZone === 'string') {
    try {
      new Intl.DateTimeFormat('en', { timeZone: spec.timeZone });
    } catch {
      errs.push(invalid(SPEC.child('timeZone'), spec.timeZone, 'unknown time zone'));
    }
  }
  const job =
    isJsonObject(spec.jobTemplate) && isJsonObject(spec.jobTemplate.spec)
      ? spec.jobTemplate.spec
      : undefined;
  if (job === undefined) errs.push(required(SPEC.child('jobTemplate', 'spec'), ''));
  else errs.push(...validateJobSpec(job, JOB_SPEC));
  return errs;
}

export const cronJobs = builtin({
  group: 'batch',
  version: 'v1',
  plural: 'cronjobs',
  singular: 'cronjob',
  kind: 'CronJob',
  namespaced: true,
  shortNames: ['cj'],
  categories: ['all'],
  subresources: { status: true },
  schema: cronJobSchema,
  definitionName: 'io.k8s.api.batch.v1.CronJob',
  strategy: workloadStrategy('CronJob', {
    prepareForCreate: (obj) => {
      const spec = obj.spec;
      if (!isJsonObject(spec)) return;
      spec.concurrencyPolicy ??= 'Allow';
      spec.suspend ??= false;
      spec.successfulJobsHistoryLimit ??= 3;
      spec.failedJobsHistoryLimit ??= 1;
      if (isJsonObject(spec.jobTemplate) && isJsonObject(spec.jobTemplate.spec)) {
        defaultJobSpec(spec.jobTemplate.spec);
      }
    },
    validate,
    columns: [
      NAME_COLUMN,
      column('Schedule', 'string', 'When jobs are started.'),
      column('Timezone', 'string', 'The time zone of the schedule.'),
      column('Suspend', 'boolean', 'Whether further runs are held.'),
      column('Active', 'integer', 'Jobs running.'),
      column('Last Schedule', 'string', 'How long ago a job was last started.'),
      AGE_COLUMN,
      ...JOB_POD_COLUMNS,
    ],
    cells: (obj, now) => {
      const spec = objectOrEmpty(obj.spec);
      const status = objectOrEmpty(obj.status);
      const job =
        isJsonObject(spec.jobTemplate) && isJsonObject(spec.jobTemplate.spec)
          ? spec.jobTemplate.spec
          : {};
      const last =
        typeof status.lastScheduleTime === 'string' ? status.lastScheduleTime : undefined;
      return [
        obj.metadata.name,
        spec.schedule ?? '',
        spec.timeZone ?? '<none>',
        spec.suspend === true ? 'True' : 'False',
        Array.isArray(status.active) ? status.active.length : 0,
        last ? age({ ...obj, metadata: { creationTimestamp: last } }, now) : '<none>',
        age(obj, now),
        ...podTemplateCells(job),
      ];
    },
  }),
});
