/**
 * Events (core/v1): the legacy event validation every event passes whatever API it is
 * written through, the stricter rules of events.k8s.io/v1 (exported for that API, whose
 * objects are stored as core events), the `kubectl get events` table and the event field
 * selectors. Also the metav1.Time / metav1.MicroTime format checks other built-ins share.
 */

import { humanDuration } from '../../../apimachinery/duration.ts';
import {
  type ErrorList,
  type FieldError,
  FieldPath,
  invalid,
  required,
  typeInvalid,
} from '../../../apimachinery/field-errors.ts';
import { isQualifiedName } from '../../../apimachinery/labels.ts';
import {
  isJsonObject,
  type JsonObject,
  type KubeObject,
  objectOrEmpty,
} from '../../../apimachinery/meta.ts';
import { column, NAME_COLUMN } from '../../../apimachinery/table.ts';
import { isDNS1123Subdomain } from '../../../apimachinery/validation/names.ts';
import { builtin } from '../define.ts';
import { eventSchema } from './events.schema.ts';

export const EVENT_TYPE_NORMAL = 'Normal';
export const EVENT_TYPE_WARNING = 'Warning';

/** Length limits of the events.k8s.io-style fields (checked once eventTime is set). */
export const REPORTING_INSTANCE_LENGTH_LIMIT = 128;
export const ACTION_LENGTH_LIMIT = 128;
export const REASON_LENGTH_LIMIT = 128;
export const NOTE_LENGTH_LIMIT = 1024;

/** The string fields of a core/v1 ObjectReference. */
export const OBJECT_REFERENCE_FIELDS = [
  'kind',
  'namespace',
  'name',
  'uid',
  'apiVersion',
  'resourceVersion',
  'fieldPath',
] as const;

// ---------------------------------------------------------------------------------------
// metav1.Time and metav1.MicroTime

// Go decodes metav1.Time with time.RFC3339 (any fractional seconds, or none) and
// metav1.MicroTime with exactly six fractional digits; anything else fails to decode.
const TIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|([+-])(\d{2}):(\d{2}))$/;
const MICRO_TIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{6})(Z|([+-])(\d{2}):(\d{2}))$/;
/** time.Time{} (0001-01-01T00:00:00Z), what a Go client that never set a time may send. */
const GO_ZERO_TIME = -62_135_596_800_000;

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Milliseconds since the epoch of a Time / MicroTime string; undefined when malformed. */
export function parseKubeTime(value: string, micro = false): number | undefined {
  const m = (micro ? MICRO_TIME_RE : TIME_RE).exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : (MONTH_DAYS[month - 1] ?? 0);
  if (month < 1 || day < 1 || day > days || hour > 23 || minute > 59 || second > 59)
    return undefined;
  let offset = 0;
  if (m[8] !== 'Z') {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    offset = (m[9] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  // setUTCFullYear, unlike Date.UTC, leaves years 0-99 alone (Go's zero time is year 1).
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, Math.trunc(Number(`0${m[7] ?? ''}`) * 1000));
  return date.getTime() - offset;
}

/** Whether a Time / MicroTime field is unset as Go sees it: absent, null or time.Time{}. */
export function isZeroTime(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value !== 'string') return false;
  const ms = parseKubeTime(value) ?? parseKubeTime(value, true);
  return ms === GO_ZERO_TIME;
}

/** Format check of an optional metav1.Time field (null and absent are fine). */
export function validateTime(value: unknown, path: FieldPath): ErrorList {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string' && parseKubeTime(value) !== undefined) return [];
  return [
    typeInvalid(path, value, 'must be a timestamp in RFC 3339 format (e.g. 2006-01-02T15:04:05Z)'),
  ];
}

/** Format check of an optional metav1.MicroTime field: RFC 3339 with microseconds. */
export function validateMicroTime(value: unknown, path: FieldPath): ErrorList {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string' && parseKubeTime(value, true) !== undefined) return [];
  return [
    typeInvalid(
      path,
      value,
      'must be a timestamp in RFC 3339 format with microseconds (e.g. 2006-01-02T15:04:05.000000Z)',
    ),
  ];
}

/** The age of a Time / MicroTime for a table cell, `<unknown>` when unset. */
export function timestampSince(value: unknown, now: number): string {
  if (isZeroTime(value) || typeof value !== 'string') return '<unknown>';
  const ms = parseKubeTime(value) ?? parseKubeTime(value, true);
  return ms === undefined ? '<unknown>' : humanDuration(now - ms);
}

// ---------------------------------------------------------------------------------------
// Shape checks: what a typed decode would refuse, reported as field errors

const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const int = (value: unknown): number => (typeof value === 'number' ? value : 0);
const obj = (value: unknown): JsonObject => objectOrEmpty(value);
const bytes = (value: string): number => Buffer.byteLength(value);

export function checkString(value: unknown, path: FieldPath): FieldError[] {
  if (value === undefined || value === null || typeof value === 'string') return [];
  return [typeInvalid(path, value, 'must be a string')];
}

const INT32_MAX = 2 ** 31 - 1;

export function checkInt32(value: unknown, path: FieldPath): FieldError[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    return [typeInvalid(path, value, 'must be an integer')];
  }
  if (value > INT32_MAX || value < -INT32_MAX - 1) {
    return [typeInvalid(path, value, 'must be a 32-bit integer')];
  }
  return [];
}

export function checkObjectReference(value: unknown, path: FieldPath): FieldError[] {
  if (value === undefined || value === null) return [];
  if (!isJsonObject(value)) return [typeInvalid(path, value, 'must be an object')];
  return OBJECT_REFERENCE_FIELDS.flatMap((f) => checkString(value[f], path.child(f)));
}

/** Fields of a core event and the type each must have. */
function checkEventShape(ev: KubeObject): ErrorList {
  const errs: ErrorList = [];
  const at = (name: string) => FieldPath.root(name);
  errs.push(...checkObjectReference(ev.involvedObject, at('involvedObject')));
  errs.push(...checkObjectReference(ev.related, at('related')));
  for (const f of [
    'reason',
    'message',
    'type',
    'action',
    'reportingComponent',
    'reportingInstance',
  ]) {
    errs.push(...checkString(ev[f], at(f)));
  }
  const source = ev.source;
  if (source !== undefined && source !== null) {
    if (!isJsonObject(source)) errs.push(typeInvalid(at('source'), source, 'must be an object'));
    else {
      errs.push(...checkString(source.component, at('source').child('component')));
      errs.push(...checkString(source.host, at('source').child('host')));
    }
  }
  errs.push(...checkInt32(ev.count, at('count')));
  errs.push(...validateTime(ev.firstTimestamp, at('firstTimestamp')));
  errs.push(...validateTime(ev.lastTimestamp, at('lastTimestamp')));
  errs.push(...validateMicroTime(ev.eventTime, at('eventTime')));
  const series = ev.series;
  if (series !== undefined && series !== null) {
    if (!isJsonObject(series)) errs.push(typeInvalid(at('series'), series, 'must be an object'));
    else {
      errs.push(...checkInt32(series.count, at('series').child('count')));
      errs.push(
        ...validateMicroTime(series.lastObservedTime, at('series').child('lastObservedTime')),
      );
    }
  }
  return errs;
}

// ---------------------------------------------------------------------------------------
// Validation (upstream ValidateEventCreate / ValidateEventUpdate)

const INVOLVED_NAMESPACE = FieldPath.root('involvedObject', 'namespace');
const NAMESPACE_MISMATCH = 'does not match event.namespace';

/**
 * The rules every event must satisfy, whichever API wrote it. Old-style events (no
 * eventTime) only need their namespace to agree with the involved object's; new-style
 * ones need the reporting fields. Field names are the internal ones (reportingController,
 * message), as upstream reports them for both APIs.
 */
function legacyValidate(ev: KubeObject): ErrorList {
  const errs: ErrorList = [];
  const namespace = ev.metadata.namespace ?? '';
  const involvedNamespace = str(obj(ev.involvedObject).namespace);
  if (isZeroTime(ev.eventTime)) {
    // Events about cluster-scoped objects live in "default" (or nowhere) for old clients.
    const ok =
      involvedNamespace === ''
        ? namespace === '' || namespace === 'default'
        : namespace === involvedNamespace;
    if (!ok) errs.push(invalid(INVOLVED_NAMESPACE, involvedNamespace, NAMESPACE_MISMATCH));
  } else {
    if (involvedNamespace === '' && namespace !== 'default' && namespace !== 'kube-system') {
      errs.push(invalid(INVOLVED_NAMESPACE, involvedNamespace, NAMESPACE_MISMATCH));
    }
    const controller = str(ev.reportingComponent);
    if (controller === '') errs.push(required('reportingController', ''));
    for (const msg of isQualifiedName(controller)) {
      errs.push(invalid('reportingController', controller, msg));
    }
    const limited = (field: string, value: string, limit: number, need: boolean) => {
      if (need && value === '') errs.push(required(field, ''));
      if (bytes(value) > limit)
        errs.push(invalid(field, '', `can have at most ${limit} characters`));
    };
    limited('reportingInstance', str(ev.reportingInstance), REPORTING_INSTANCE_LENGTH_LIMIT, true);
    limited('action', str(ev.action), ACTION_LENGTH_LIMIT, true);
    limited('reason', str(ev.reason), REASON_LENGTH_LIMIT, true);
    limited('message', str(ev.message), NOTE_LENGTH_LIMIT, false);
  }
  for (const msg of isDNS1123Subdomain(namespace)) errs.push(invalid('namespace', namespace, msg));
  return errs;
}

function validateSeries(ev: KubeObject): ErrorList {
  if (!isJsonObject(ev.series)) return [];
  const errs: ErrorList = [];
  if (int(ev.series.count) < 2) errs.push(invalid('series.count', '', 'should be at least 2'));
  if (isZeroTime(ev.series.lastObservedTime)) errs.push(required('series.lastObservedTime', ''));
  return errs;
}

/** core/v1 writes: the legacy rules only, for compatibility with old clients. */
export function validateEvent(ev: KubeObject): ErrorList {
  const shape = checkEventShape(ev);
  return shape.length > 0 ? shape : legacyValidate(ev);
}

/**
 * events.k8s.io/v1 creates, on the event converted to the core shape: the legacy rules,
 * then eventTime and a known type required and the deprecated fields left unset.
 */
export function validateEventStrict(ev: KubeObject): ErrorList {
  const shape = checkEventShape(ev);
  if (shape.length > 0) return shape;
  const errs = legacyValidate(ev);
  errs.push(...validateSeries(ev));
  if (isZeroTime(ev.eventTime)) errs.push(required('eventTime', ''));
  const type = str(ev.type);
  if (type !== EVENT_TYPE_NORMAL && type !== EVENT_TYPE_WARNING) {
    errs.push(invalid('type', '', `has invalid value: ${type}`));
  }
  if (!isZeroTime(ev.firstTimestamp)) errs.push(invalid('firstTimestamp', '', 'needs to be unset'));
  if (!isZeroTime(ev.lastTimestamp)) errs.push(invalid('lastTimestamp', '', 'needs to be unset'));
  if (int(ev.count) !== 0) errs.push(invalid('count', '', 'needs to be unset'));
  const source = obj(ev.source);
  if (str(source.component) !== '' || str(source.host) !== '') {
    errs.push(invalid('source', '', 'needs to be unset'));
  }
  return errs;
}

// Each field as the typed internal object holds it, so that absent, null and "" compare
// equal the way Go's zero values do.
const normalRef = (value: unknown) =>
  isJsonObject(value) ? OBJECT_REFERENCE_FIELDS.map((f) => str(value[f])) : null;
const normalTime = (value: unknown) =>
  isZeroTime(value) || typeof value !== 'string'
    ? 0
    : (parseKubeTime(value) ?? parseKubeTime(value, true));
const normalSeries = (value: unknown) =>
  isJsonObject(value) ? [int(value.count), normalTime(value.lastObservedTime)] : null;

// Upstream checks reason twice, but its message lists each distinct error once; one check
// gives the same message.
const IMMUTABLE: readonly [string, string, (ev: KubeObject) => unknown][] = [
  ['involvedObject', 'involvedObject', (ev) => normalRef(ev.involvedObject) ?? normalRef({})],
  ['reason', 'reason', (ev) => str(ev.reason)],
  ['message', 'message', (ev) => str(ev.message)],
  ['source', 'source', (ev) => [str(obj(ev.source).component), str(obj(ev.source).host)]],
  ['firstTimestamp', 'firstTimestamp', (ev) => normalTime(ev.firstTimestamp)],
  ['lastTimestamp', 'lastTimestamp', (ev) => normalTime(ev.lastTimestamp)],
  ['count', 'count', (ev) => int(ev.count)],
  ['type', 'type', (ev) => str(ev.type)],
  ['eventTime', 'eventTime', (ev) => normalTime(ev.eventTime)],
  ['action', 'action', (ev) => str(ev.action)],
  ['related', 'related', (ev) => normalRef(ev.related)],
  ['reportingController', 'reportingComponent', (ev) => str(ev.reportingComponent)],
  ['reportingInstance', 'reportingInstance', (ev) => str(ev.reportingInstance)],
];

/** events.k8s.io/v1 updates: only the series may change (and metadata). */
export function validateEventStrictUpdate(ev: KubeObject, old: KubeObject): ErrorList {
  const shape = checkEventShape(ev);
  if (shape.length > 0) return shape;
  const errs = legacyValidate(ev);
  if (JSON.stringify(normalSeries(ev.series)) !== JSON.stringify(normalSeries(old.series))) {
    errs.push(...validateSeries(ev));
  }
  for (const [path, field, read] of IMMUTABLE) {
    if (JSON.stringify(read(ev)) !== JSON.stringify(read(old))) {
      errs.push(invalid(path, ev[field] ?? null, 'field is immutable'));
    }
  }
  return errs;
}

// ---------------------------------------------------------------------------------------
// Table and field selectors

/** The event printer's columns; the wide ones carry priority 1. */
export const EVENT_COLUMNS = [
  column(
    'Last Seen',
    'string',
    'The time at which the most recent occurrence of this event was recorded.',
  ),
  column(
    'Type',
    'string',
    'Type of this event (Normal, Warning), new types could be added in the future',
  ),
  column(
    'Reason',
    'string',
    "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
  ),
  column('Object', 'string', 'The object that this event is about.'),
  column(
    'Subobject',
    'string',
    'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: "spec.containers{name}" (where "name" refers to the name of the container that triggered the event) or if no container name is specified "spec.containers[2]" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.',
    1,
  ),
  column(
    'Source',
    'string',
    'The component reporting this event. Should be a short machine understandable string.',
    1,
  ),
  column('Message', 'string', 'A human-readable description of the status of this operation.'),
  column(
    'First Seen',
    'string',
    'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)',
    1,
  ),
  column('Count', 'integer', 'The number of times this event has occurred.', 1),
  { ...NAME_COLUMN, priority: 1 },
];

/**
 * One row of the event table for an event in the core shape. New-style events have no
 * first/last timestamps: eventTime stands in, and a series carries the latest time and
 * the count; a singleton new-style event counts once.
 */
export function eventCells(ev: KubeObject, now: number): unknown[] {
  const first = isZeroTime(ev.firstTimestamp)
    ? timestampSince(ev.eventTime, now)
    : timestampSince(ev.firstTimestamp, now);
  let last = isZeroTime(ev.lastTimestamp) ? first : timestampSince(ev.lastTimestamp, now);
  let count = int(ev.count);
  if (isJsonObject(ev.series)) {
    last = timestampSince(ev.series.lastObservedTime, now);
    count = int(ev.series.count);
  } else if (count === 0) {
    count = 1;
  }
  const involved = obj(ev.involvedObject);
  const kind = str(involved.kind).toLowerCase();
  const name = str(involved.name);
  const source = obj(ev.source);
  // The source falls back to the new-style reporting fields, part by part.
  const component = str(source.component) || str(ev.reportingComponent);
  const host = str(source.host) || str(ev.reportingInstance);
  return [
    last,
    str(ev.type),
    str(ev.reason),
    name ? `${kind}/${name}` : kind,
    str(involved.fieldPath),
    host ? `${component}, ${host}` : component,
    str(ev.message).trim(),
    first,
    count,
    ev.metadata.name,
  ];
}

export const EVENT_FIELD_NAMES = [
  'involvedObject.kind',
  'involvedObject.namespace',
  'involvedObject.name',
  'involvedObject.uid',
  'involvedObject.apiVersion',
  'involvedObject.resourceVersion',
  'involvedObject.fieldPath',
  'reason',
  'reportingComponent',
  'source',
  'type',
] as const;

/** Selectable fields of an event in the core shape (both APIs select on these names). */
export function eventFields(ev: KubeObject): Record<string, string> {
  const involved = obj(ev.involvedObject);
  const reporting = str(ev.reportingComponent);
  const fields: Record<string, string> = {};
  for (const f of OBJECT_REFERENCE_FIELDS) fields[`involvedObject.${f}`] = str(involved[f]);
  fields.reason = str(ev.reason);
  fields.reportingComponent = reporting;
  // New-style events have no source; selecting on it finds them by reporting controller.
  fields.source = str(obj(ev.source).component) || reporting;
  fields.type = str(ev.type);
  return fields;
}

export const events = builtin({
  group: '',
  version: 'v1',
  plural: 'events',
  singular: 'event',
  kind: 'Event',
  namespaced: true,
  shortNames: ['ev'],
  schema: eventSchema,
  definitionName: 'io.k8s.api.core.v1.Event',
  strategy: {
    // Core events only ever had the generic path-segment check on their names.
    nameValidation: 'PathSegmentName',
    validate: (ev) => validateEvent(ev),
    validateUpdate: (ev) => validateEvent(ev),
    allowCreateOnUpdate: true,
    allowUnconditionalUpdate: true,
    columns: EVENT_COLUMNS,
    cells: eventCells,
    fields: eventFields,
    fieldNames: EVENT_FIELD_NAMES,
  },
});
