import { describe, expect, it } from 'vitest';
import { fieldErrorMessage } from '../../../apimachinery/field-errors.ts';
import type { KubeObject } from '../../../apimachinery/meta.ts';
import type { StrategyContext } from '../../registry/resource-type.ts';
import { events } from '../core/events.ts';
import { eventFromCore, eventsV1, eventToCore } from './events.ts';

const ctx: StrategyContext = { cluster: 'root', version: 'v1', subresource: '' };
const messages = (errs: readonly Parameters<typeof fieldErrorMessage>[0][]) =>
  errs.map(fieldErrorMessage);

const NOW = Date.parse('2024-05-01T12:00:00Z');
const META = {
  name: 'web-0.17a8b2c3d4e5f6a8',
  namespace: 'shop',
  uid: 'e-1',
  resourceVersion: '42',
};

/** Every events.k8s.io/v1 field set, deprecated ones included. */
const FULL_V1: KubeObject = {
  apiVersion: 'events.k8s.io/v1',
  kind: 'Event',
  metadata: META,
  eventTime: '2024-05-01T11:58:00.000000Z',
  series: { count: 4, lastObservedTime: '2024-05-01T11:59:30.000000Z' },
  reportingController: 'example.com/operator',
  reportingInstance: 'operator-7d9f-abcde',
  action: 'Reconcile',
  reason: 'Synced',
  regarding: {
    kind: 'Widget',
    namespace: 'shop',
    name: 'w',
    uid: 'w-1',
    apiVersion: 'example.com/v1',
    resourceVersion: '7',
    fieldPath: 'spec',
  },
  related: { kind: 'Secret', namespace: 'shop', name: 'creds' },
  note: 'synced the widget',
  type: 'Normal',
  deprecatedSource: { component: 'operator', host: 'node-1' },
  deprecatedFirstTimestamp: '2024-05-01T11:58:00Z',
  deprecatedLastTimestamp: '2024-05-01T11:59:30Z',
  deprecatedCount: 4,
};

/** The same event as core/v1 stores it. */
const FULL_CORE: KubeObject = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata: META,
  involvedObject: FULL_V1.regarding,
  reason: 'Synced',
  message: 'synced the widget',
  source: { component: 'operator', host: 'node-1' },
  firstTimestamp: '2024-05-01T11:58:00Z',
  lastTimestamp: '2024-05-01T11:59:30Z',
  count: 4,
  type: 'Normal',
  eventTime: '2024-05-01T11:58:00.000000Z',
  series: { count: 4, lastObservedTime: '2024-05-01T11:59:30.000000Z' },
  action: 'Reconcile',
  related: { kind: 'Secret', namespace: 'shop', name: 'creds' },
  reportingComponent: 'example.com/operator',
  reportingInstance: 'operator-7d9f-abcde',
};

/** A valid events.k8s.io/v1 event as a new-style recorder creates it. */
function v1Event(extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: 'web-0.17a8b2c3d4e5f6a8', namespace: 'shop' },
    eventTime: '2024-05-01T11:58:00.000000Z',
    reportingController: 'default-scheduler',
    reportingInstance: 'default-scheduler-node-1',
    action: 'Binding',
    reason: 'Scheduled',
    regarding: { kind: 'Pod', namespace: 'shop', name: 'web-0' },
    note: 'Successfully assigned shop/web-0 to node-1',
    type: 'Normal',
    ...extra,
  } as KubeObject;
}

describe('events.k8s.io/v1 ↔ core/v1 conversion', () => {
  it('maps each field to its core counterpart', () => {
    const core = eventToCore(FULL_V1);
    expect(core).toEqual(FULL_CORE);
    // Core field order, as a core client would see the stored object.
    expect(Object.keys(core)).toEqual(Object.keys(FULL_CORE));
  });

  it('maps each core field back', () => {
    const v1 = eventFromCore(FULL_CORE);
    expect(v1).toEqual(FULL_V1);
    expect(Object.keys(v1)).toEqual(Object.keys(FULL_V1));
  });

  it.each<[string, KubeObject]>([
    ['a full event', FULL_V1],
    ['a minimal new-style event', v1Event()],
    [
      'explicit nulls',
      v1Event({ series: null, related: null, deprecatedFirstTimestamp: null, deprecatedCount: 0 }),
    ],
    [
      'a deprecated-only event',
      {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: META,
        regarding: { kind: 'Node', name: 'n' },
        deprecatedSource: { component: 'kubelet' },
        deprecatedCount: 2,
      },
    ],
  ])('round-trips v1 → core → v1: %s', (_name, v1) => {
    expect(eventFromCore(eventToCore(v1))).toEqual(v1);
  });

  it.each<[string, KubeObject]>([
    ['a full event', FULL_CORE],
    [
      'an old-style event',
      {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: META,
        involvedObject: { kind: 'Pod', namespace: 'shop', name: 'web-0' },
        reason: 'Pulled',
        message: 'pulled',
        source: { component: 'kubelet', host: 'node-1' },
        firstTimestamp: '2024-05-01T11:00:00Z',
        lastTimestamp: '2024-05-01T11:05:00Z',
        count: 3,
        type: 'Normal',
        eventTime: null,
        reportingComponent: '',
        reportingInstance: '',
      },
    ],
  ])('round-trips core → v1 → core: %s', (_name, core) => {
    expect(eventToCore(eventFromCore(core))).toEqual(core);
  });

  it('sets the target type and drops fields the target does not have', () => {
    const v1 = eventFromCore({
      ...FULL_CORE,
      apiVersion: 'v1',
      kind: 'Event',
      bogus: 1,
    } as KubeObject);
    expect([v1.apiVersion, v1.kind, 'bogus' in v1, 'message' in v1]).toEqual([
      'events.k8s.io/v1',
      'Event',
      false,
      false,
    ]);
    const core = eventToCore({ ...v1Event(), message: 'not a v1 field' } as KubeObject);
    expect([core.apiVersion, core.message]).toEqual([
      'v1',
      'Successfully assigned shop/web-0 to node-1',
    ]);
  });

  it('copies rather than shares nested values', () => {
    const v1 = structuredClone(FULL_V1);
    const core = eventToCore(v1);
    (core.involvedObject as { name: string }).name = 'changed';
    core.metadata.name = 'changed';
    expect(v1).toEqual(FULL_V1);
  });
});

describe('events.k8s.io/v1 validation', () => {
  const { validate, validateUpdate } = eventsV1.strategy;

  it.each<[string, KubeObject, string[]]>([
    ['a new-style event', v1Event(), []],
    [
      'no eventTime, reporting fields or type',
      v1Event({
        eventTime: undefined,
        reportingController: undefined,
        reportingInstance: undefined,
        action: undefined,
        type: undefined,
      }),
      ['eventTime: Required value', 'type: Invalid value: "": has invalid value: '],
    ],
    [
      // With eventTime set the reporting fields are required; upstream names them by
      // their internal names (reportingController, message) on this API too.
      'no reporting fields',
      v1Event({
        reportingController: '',
        reportingInstance: '',
        action: '',
        note: 'n'.repeat(1025),
      }),
      [
        'reportingController: Required value',
        'reportingController: Invalid value: "": name part must be non-empty',
        `reportingController: Invalid value: "": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
        'reportingInstance: Required value',
        'action: Required value',
        'message: Invalid value: "": can have at most 1024 characters',
      ],
    ],
    [
      'deprecated fields set',
      v1Event({
        deprecatedCount: 2,
        deprecatedSource: { host: 'node-1' },
        deprecatedLastTimestamp: '2024-05-01T11:00:00Z',
      }),
      [
        'lastTimestamp: Invalid value: "": needs to be unset',
        'count: Invalid value: "": needs to be unset',
        'source: Invalid value: "": needs to be unset',
      ],
    ],
    [
      'an unknown type',
      v1Event({ type: 'Info' }),
      ['type: Invalid value: "": has invalid value: Info'],
    ],
    [
      // Type errors stand for decode failures and name the field the client sent.
      'malformed fields',
      v1Event({ note: 5, regarding: { name: 1 }, deprecatedCount: 'x', eventTime: 'now' }),
      [
        'regarding.name: Invalid value: 1: must be a string',
        'note: Invalid value: 5: must be a string',
        'deprecatedCount: Invalid value: "x": must be an integer',
        'eventTime: Invalid value: "now": must be a timestamp in RFC 3339 format with microseconds (e.g. 2006-01-02T15:04:05.000000Z)',
      ],
    ],
  ])('%s', (_name, ev, want) => {
    expect(messages(validate(ev, ctx))).toEqual(want);
  });

  it('only lets the series change on update', () => {
    const old = v1Event();
    const series = { count: 2, lastObservedTime: '2024-05-01T11:59:00.000000Z' };
    expect(validateUpdate?.(v1Event({ series }), old, ctx)).toEqual([]);
    expect(
      messages(validateUpdate?.(v1Event({ note: 'changed', type: 'Warning' }), old, ctx) ?? []),
    ).toEqual([
      'message: Invalid value: "changed": field is immutable',
      'type: Invalid value: "Warning": field is immutable',
    ]);
  });
});

describe('events.k8s.io/v1 resource', () => {
  it('is stored as core events', () => {
    expect(eventsV1.group).toBe('events.k8s.io');
    expect(eventsV1.versions).toEqual(['v1']);
    expect(eventsV1.names).toMatchObject({
      plural: 'events',
      kind: 'Event',
      listKind: 'EventList',
      shortNames: ['ev'],
    });
    expect(eventsV1.storedAs?.type).toBe(events);
    expect(eventsV1.storedAs?.toStorage(FULL_V1)).toEqual(FULL_CORE);
    expect(eventsV1.storedAs?.fromStorage(FULL_CORE)).toEqual(FULL_V1);
    expect(eventsV1.strategy).toMatchObject({
      nameValidation: 'DNS1123Subdomain',
      allowCreateOnUpdate: true,
      allowUnconditionalUpdate: true,
    });
  });

  it('prints the core event table', () => {
    expect(eventsV1.strategy.columns).toBe(events.strategy.columns);
    expect(eventsV1.strategy.cells(FULL_V1, NOW)).toEqual([
      '30s',
      'Normal',
      'Synced',
      'widget/w',
      'spec',
      'operator, node-1',
      'synced the widget',
      '2m',
      4,
      'web-0.17a8b2c3d4e5f6a8',
    ]);
  });

  it('selects on the core field names', () => {
    expect(eventsV1.strategy.fieldNames).toEqual(events.strategy.fieldNames);
    expect(eventsV1.strategy.fields?.(v1Event())).toMatchObject({
      'involvedObject.name': 'web-0',
      reportingComponent: 'default-scheduler',
      source: 'default-scheduler',
      reason: 'Scheduled',
    });
  });
});
