/**
 * Events (events.k8s.io/v1): the same objects as core/v1 events, stored as core events and
 * converted field by field on the way in and out. Validation, the table and the field
 * selectors run on the core shape, so error paths and selectable fields use the core
 * names (`involvedObject`, `message`), exactly as upstream reports them for this API.
 */
import type { FieldError } from '../../../apimachinery/field-errors.ts';
import type { JsonValue, KubeObject } from '../../../apimachinery/meta.ts';
import type { ResourceType } from '../../registry/resource-type.ts';
import {
  EVENT_COLUMNS,
  EVENT_FIELD_NAMES,
  eventCells,
  eventFields,
  events,
  validateEventStrict,
  validateEventStrictUpdate,
} from '../core/events.ts';
import { builtin } from '../define.ts';
import { eventV1Schema } from './events.schema.ts';

export const EVENTS_GROUP = 'events.k8s.io';
export const EVENTS_API_VERSION = `${EVENTS_GROUP}/v1`;

/**
 * events.k8s.io/v1 field → core/v1 field, in events.k8s.io/v1 field order. Every field has
 * exactly one counterpart, so converting either way loses nothing.
 */
const FIELD_MAP: readonly (readonly [string, string])[] = [
  ['eventTime', 'eventTime'],
  ['series', 'series'],
  ['reportingController', 'reportingComponent'],
  ['reportingInstance', 'reportingInstance'],
  ['action', 'action'],
  ['reason', 'reason'],
  ['regarding', 'involvedObject'],
  ['related', 'related'],
  ['note', 'message'],
  ['type', 'type'],
  ['deprecatedSource', 'source'],
  ['deprecatedFirstTimestamp', 'firstTimestamp'],
  ['deprecatedLastTimestamp', 'lastTimestamp'],
  ['deprecatedCount', 'count'],
];

/** The same map in core/v1 field order, for output that reads like a core event. */
const CORE_ORDER = [
  'involvedObject',
  'reason',
  'message',
  'source',
  'firstTimestamp',
  'lastTimestamp',
  'count',
  'type',
  'eventTime',
  'series',
  'action',
  'related',
  'reportingComponent',
  'reportingInstance',
];
const CORE_TO_V1 = new Map(FIELD_MAP.map(([v1, core]) => [core, v1] as const));

/**
 * Copies the mapped fields; fields the target type does not have are dropped, as a typed
 * conversion would. Absent stays absent and null stays null.
 */
function convert(
  obj: KubeObject,
  apiVersion: string,
  pairs: readonly (readonly [string, string])[],
): KubeObject {
  const out: KubeObject = { apiVersion, kind: 'Event', metadata: structuredClone(obj.metadata) };
  for (const [from, to] of pairs) {
    const value = obj[from];
    if (value !== undefined) out[to] = structuredClone(value as JsonValue);
  }
  return out;
}

/** An events.k8s.io/v1 Event as the core/v1 Event it is stored as. */
export function eventToCore(obj: KubeObject): KubeObject {
  return convert(
    obj,
    'v1',
    CORE_ORDER.map((core) => [CORE_TO_V1.get(core) ?? core, core] as const),
  );
}

/** A stored core/v1 Event as events.k8s.io/v1 serves it. */
export function eventFromCore(obj: KubeObject): KubeObject {
  return convert(
    obj,
    EVENTS_API_VERSION,
    FIELD_MAP.map(([v1, core]) => [core, v1] as const),
  );
}

/**
 * Type errors stand for what would fail to decode, and a decode error names the field the
 * client sent; semantic errors keep the core names, as upstream reports them.
 */
function withClientNames(errs: FieldError[]): FieldError[] {
  return errs.map((e) => {
    if (e.type !== 'FieldValueTypeInvalid') return e;
    const top = /^[^.[]+/.exec(e.field)?.[0] ?? '';
    const v1 = CORE_TO_V1.get(top);
    return v1 && v1 !== top ? { ...e, field: v1 + e.field.slice(top.length) } : e;
  });
}

export const eventsV1: ResourceType = {
  ...builtin({
    group: EVENTS_GROUP,
    version: 'v1',
    plural: 'events',
    singular: 'event',
    kind: 'Event',
    namespaced: true,
    shortNames: ['ev'],
    schema: eventV1Schema,
    definitionName: 'io.k8s.api.events.v1.Event',
    strategy: {
      // This API validates names strictly (DNS subdomain), unlike core/v1 events.
      nameValidation: 'DNS1123Subdomain',
      validate: (obj) => withClientNames(validateEventStrict(eventToCore(obj))),
      validateUpdate: (obj, old) =>
        withClientNames(validateEventStrictUpdate(eventToCore(obj), eventToCore(old))),
      allowCreateOnUpdate: true,
      allowUnconditionalUpdate: true,
      columns: EVENT_COLUMNS,
      cells: (obj, now) => eventCells(eventToCore(obj), now),
      fields: (obj) => eventFields(eventToCore(obj)),
      fieldNames: EVENT_FIELD_NAMES,
    },
  }),
  storedAs: { type: events, toStorage: eventToCore, fromStorage: eventFromCore },
};
