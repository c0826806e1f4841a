import { describe, expect, it } from 'vitest';
import { fieldErrorMessage } from '../../../apimachinery/field-errors.ts';
import type { KubeObject } from '../../../apimachinery/meta.ts';
import type { StrategyContext } from '../../registry/resource-type.ts';
import {
  eventCells,
  eventFields,
  events,
  isZeroTime,
  parseKubeTime,
  validateEventStrict,
  validateEventStrictUpdate,
} from './events.ts';

const ctx: StrategyContext = { cluster: 'root', version: 'v1', subresource: '' };
const messages = (errs: readonly Parameters<typeof fieldErrorMessage>[0][]) =>
  errs.map(fieldErrorMessage);

const NOW = Date.parse('2024-05-01T12:00:00Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString().replace(/\.\d+Z$/, 'Z');
const agoMicro = (ms: number) => new Date(NOW - ms).toISOString().replace(/Z$/, '000Z');
const MIN = 60_000;

/** An event as client-go's old recorder writes it. */
function oldEvent(extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {
      name: 'web-0.17a8b2c3d4e5f6a7',
      namespace: 'shop',
      creationTimestamp: ago(10 * MIN),
    },
    involvedObject: {
      kind: 'Pod',
      namespace: 'shop',
      name: 'web-0',
      uid: 'u-1',
      apiVersion: 'v1',
      fieldPath: 'spec.containers{app}',
    },
    reason: 'Pulled',
    message: 'Container image "nginx" already present on machine ',
    source: { component: 'kubelet', host: 'node-1' },
    firstTimestamp: ago(10 * MIN),
    lastTimestamp: ago(5 * MIN),
    count: 3,
    type: 'Normal',
    ...extra,
  } as KubeObject;
}

/** An event as the events.k8s.io recorder writes it, in the core shape. */
function newEvent(extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'web-0.17a8b2c3d4e5f6a8', namespace: 'shop' },
    involvedObject: { kind: 'Pod', namespace: 'shop', name: 'web-0' },
    reason: 'Scheduled',
    message: 'Successfully assigned shop/web-0 to node-1',
    type: 'Normal',
    eventTime: agoMicro(2 * MIN),
    action: 'Binding',
    reportingComponent: 'default-scheduler',
    reportingInstance: 'default-scheduler-node-1',
    ...extra,
  } as KubeObject;
}

const withNamespace = (ev: KubeObject, namespace: string): KubeObject => ({
  ...ev,
  metadata: { ...ev.metadata, namespace },
});

const QNAME_EMPTY = [
  'reportingController: Invalid value: "": name part must be non-empty',
  `reportingController: Invalid value: "": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
];

describe('core/v1 event validation', () => {
  it.each<[string, KubeObject, string[]]>([
    ['an old-style event', oldEvent(), []],
    ['an unknown type (not checked for core/v1)', oldEvent({ type: 'Odd' }), []],
    [
      'an involved object in another namespace',
      oldEvent({ involvedObject: { kind: 'Pod', namespace: 'other', name: 'web-0' } }),
      ['involvedObject.namespace: Invalid value: "other": does not match event.namespace'],
    ],
    [
      'a cluster-scoped involved object outside default',
      oldEvent({ involvedObject: { kind: 'Node', name: 'node-1' } }),
      ['involvedObject.namespace: Invalid value: "": does not match event.namespace'],
    ],
    [
      'a cluster-scoped involved object in default',
      withNamespace(oldEvent({ involvedObject: { kind: 'Node', name: 'node-1' } }), 'default'),
      [],
    ],
    ['a new-style event', newEvent(), []],
    [
      'a new-style event in its own namespace about a cluster-scoped object',
      newEvent({ involvedObject: { kind: 'Node', name: 'node-1' } }),
      ['involvedObject.namespace: Invalid value: "": does not match event.namespace'],
    ],
    [
      'a new-style event in kube-system about a cluster-scoped object',
      withNamespace(newEvent({ involvedObject: { kind: 'Node', name: 'node-1' } }), 'kube-system'),
      [],
    ],
    [
      // Once eventTime is set the namespaces may differ.
      'a new-style event about an object in another namespace',
      newEvent({ involvedObject: { kind: 'Pod', namespace: 'other', name: 'web-0' } }),
      [],
    ],
    [
      'a new-style event without its reporting fields',
      newEvent({
        reportingComponent: undefined,
        reportingInstance: '',
        action: undefined,
        reason: '',
      }),
      [
        'reportingController: Required value',
        ...QNAME_EMPTY,
        'reportingInstance: Required value',
        'action: Required value',
        'reason: Required value',
      ],
    ],
    [
      'a reporting controller that is not a qualified name',
      newEvent({ reportingComponent: 'my controller' }),
      [
        `reportingController: Invalid value: "my controller": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      ],
    ],
    [
      'over-long new-style fields',
      newEvent({
        reportingInstance: 'i'.repeat(129),
        action: 'a'.repeat(129),
        reason: 'r'.repeat(129),
        message: 'm'.repeat(1025),
      }),
      [
        'reportingInstance: Invalid value: "": can have at most 128 characters',
        'action: Invalid value: "": can have at most 128 characters',
        'reason: Invalid value: "": can have at most 128 characters',
        'message: Invalid value: "": can have at most 1024 characters',
      ],
    ],
    [
      'limits at their bounds',
      newEvent({ reason: 'r'.repeat(128), message: 'm'.repeat(1024) }),
      [],
    ],
    [
      // Upstream counts bytes: 600 two-byte characters exceed 1024.
      'a message over the limit in bytes',
      newEvent({ message: 'é'.repeat(600) }),
      ['message: Invalid value: "": can have at most 1024 characters'],
    ],
    ['an old-style long message (not limited)', oldEvent({ message: 'm'.repeat(5000) }), []],
  ])('%s', (_name, ev, want) => {
    expect(messages(events.strategy.validate(ev, ctx))).toEqual(want);
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ['a string count', { count: 'abc' }, ['count: Invalid value: "abc": must be an integer']],
    ['a fractional count', { count: 1.5 }, ['count: Invalid value: 1.5: must be an integer']],
    [
      'a count beyond int32',
      { count: 2 ** 31 },
      ['count: Invalid value: 2147483648: must be a 32-bit integer'],
    ],
    [
      'a malformed firstTimestamp',
      { firstTimestamp: 'yesterday' },
      [
        'firstTimestamp: Invalid value: "yesterday": must be a timestamp in RFC 3339 format (e.g. 2006-01-02T15:04:05Z)',
      ],
    ],
    [
      'an eventTime without microseconds',
      { eventTime: '2024-05-01T12:00:00Z' },
      [
        'eventTime: Invalid value: "2024-05-01T12:00:00Z": must be a timestamp in RFC 3339 format with microseconds (e.g. 2006-01-02T15:04:05.000000Z)',
      ],
    ],
    ['a numeric reason', { reason: 7 }, ['reason: Invalid value: 7: must be a string']],
    [
      'a string involvedObject',
      { involvedObject: 'pod/web-0' },
      ['involvedObject: Invalid value: "pod/web-0": must be an object'],
    ],
    [
      'a numeric involvedObject.name',
      { involvedObject: { name: 1 } },
      ['involvedObject.name: Invalid value: 1: must be a string'],
    ],
    [
      'a numeric source.host',
      { source: { host: 1 } },
      ['source.host: Invalid value: 1: must be a string'],
    ],
    ['a string series', { series: 'x' }, ['series: Invalid value: "x": must be an object']],
    ['null times', { firstTimestamp: null, lastTimestamp: null, eventTime: null }, []],
  ])('refuses malformed fields: %s', (_name, extra, want) => {
    expect(messages(events.strategy.validate(oldEvent(extra), ctx))).toEqual(want);
  });

  it('validates updates like creates', () => {
    const bad = oldEvent({ involvedObject: { kind: 'Pod', namespace: 'other', name: 'web-0' } });
    expect(messages(events.strategy.validateUpdate?.(bad, oldEvent(), ctx) ?? [])).toEqual([
      'involvedObject.namespace: Invalid value: "other": does not match event.namespace',
    ]);
    // core/v1 events are freely mutable: the recorder bumps count and lastTimestamp.
    expect(
      events.strategy.validateUpdate?.(oldEvent({ count: 4, message: 'x' }), oldEvent(), ctx),
    ).toEqual([]);
  });
});

describe('events.k8s.io/v1 rules (on the core shape)', () => {
  it.each<[string, KubeObject, string[]]>([
    ['a new-style event', newEvent(), []],
    ['a warning', newEvent({ type: 'Warning' }), []],
    ['a series', newEvent({ series: { count: 2, lastObservedTime: agoMicro(0) } }), []],
    [
      'an unknown type',
      newEvent({ type: 'Odd' }),
      ['type: Invalid value: "": has invalid value: Odd'],
    ],
    ['no type', newEvent({ type: undefined }), ['type: Invalid value: "": has invalid value: ']],
    ['no eventTime', newEvent({ eventTime: undefined }), ['eventTime: Required value']],
    [
      'deprecated fields set',
      newEvent({
        firstTimestamp: ago(0),
        lastTimestamp: ago(0),
        count: 1,
        source: { component: 'kubelet' },
      }),
      [
        'firstTimestamp: Invalid value: "": needs to be unset',
        'lastTimestamp: Invalid value: "": needs to be unset',
        'count: Invalid value: "": needs to be unset',
        'source: Invalid value: "": needs to be unset',
      ],
    ],
    [
      'Go zero times count as unset',
      newEvent({ firstTimestamp: '0001-01-01T00:00:00Z', count: 0, source: {} }),
      [],
    ],
    [
      'a short series without a time',
      newEvent({ series: { count: 1 } }),
      [
        'series.count: Invalid value: "": should be at least 2',
        'series.lastObservedTime: Required value',
      ],
    ],
  ])('%s', (_name, ev, want) => {
    expect(messages(validateEventStrict(ev))).toEqual(want);
  });

  it('freezes everything but the series on update', () => {
    const old = newEvent();
    expect(validateEventStrictUpdate(newEvent(), old)).toEqual([]);
    // Absent and empty are the same value, as for Go's zero values.
    expect(validateEventStrictUpdate(newEvent({ related: undefined, source: {} }), old)).toEqual(
      [],
    );
    expect(
      validateEventStrictUpdate(
        newEvent({ series: { count: 2, lastObservedTime: agoMicro(0) } }),
        old,
      ),
    ).toEqual([]);
    expect(messages(validateEventStrictUpdate(newEvent({ series: { count: 1 } }), old))).toEqual([
      'series.count: Invalid value: "": should be at least 2',
      'series.lastObservedTime: Required value',
    ]);
    expect(
      messages(
        validateEventStrictUpdate(
          newEvent({
            message: 'changed',
            reason: 'Other',
            involvedObject: { kind: 'Pod', namespace: 'shop', name: 'web-1' },
            reportingComponent: 'other-scheduler',
            related: { kind: 'Node', name: 'node-1' },
            eventTime: agoMicro(0),
          }),
          old,
        ),
      ),
    ).toEqual([
      'involvedObject: Invalid value: {"kind":"Pod","namespace":"shop","name":"web-1"}: field is immutable',
      'reason: Invalid value: "Other": field is immutable',
      'message: Invalid value: "changed": field is immutable',
      `eventTime: Invalid value: "${agoMicro(0)}": field is immutable`,
      'related: Invalid value: {"kind":"Node","name":"node-1"}: field is immutable',
      'reportingController: Invalid value: "other-scheduler": field is immutable',
    ]);
  });
});

describe('event table', () => {
  it('has the upstream columns, wide ones at priority 1', () => {
    expect(events.strategy.columns.map((c) => [c.name, c.type, c.priority])).toEqual([
      ['Last Seen', 'string', 0],
      ['Type', 'string', 0],
      ['Reason', 'string', 0],
      ['Object', 'string', 0],
      ['Subobject', 'string', 1],
      ['Source', 'string', 1],
      ['Message', 'string', 0],
      ['First Seen', 'string', 1],
      ['Count', 'integer', 1],
      ['Name', 'string', 1],
    ]);
  });

  it.each<[string, KubeObject, unknown[]]>([
    [
      'an old-style event',
      oldEvent(),
      [
        '5m',
        'Normal',
        'Pulled',
        'pod/web-0',
        'spec.containers{app}',
        'kubelet, node-1',
        'Container image "nginx" already present on machine',
        '10m',
        3,
        'web-0.17a8b2c3d4e5f6a7',
      ],
    ],
    [
      'a new-style singleton: eventTime stands in, counted once, reporting fields as source',
      newEvent(),
      [
        '2m',
        'Normal',
        'Scheduled',
        'pod/web-0',
        '',
        'default-scheduler, default-scheduler-node-1',
        'Successfully assigned shop/web-0 to node-1',
        '2m',
        1,
        'web-0.17a8b2c3d4e5f6a8',
      ],
    ],
    [
      'a series: its time and count',
      newEvent({ series: { count: 7, lastObservedTime: agoMicro(30_000) } }),
      [
        '30s',
        'Normal',
        'Scheduled',
        'pod/web-0',
        '',
        'default-scheduler, default-scheduler-node-1',
        'Successfully assigned shop/web-0 to node-1',
        '2m',
        7,
        'web-0.17a8b2c3d4e5f6a8',
      ],
    ],
    [
      'no times at all, a nameless object, a source without host',
      oldEvent({
        firstTimestamp: null,
        lastTimestamp: undefined,
        count: undefined,
        involvedObject: { kind: 'Node' },
        source: { component: 'node-controller' },
      }),
      [
        '<unknown>',
        'Normal',
        'Pulled',
        'node',
        '',
        'node-controller',
        'Container image "nginx" already present on machine',
        '<unknown>',
        1,
        'web-0.17a8b2c3d4e5f6a7',
      ],
    ],
    [
      'only a last timestamp',
      oldEvent({ firstTimestamp: undefined }),
      [
        '5m',
        'Normal',
        'Pulled',
        'pod/web-0',
        'spec.containers{app}',
        'kubelet, node-1',
        'Container image "nginx" already present on machine',
        '<unknown>',
        3,
        'web-0.17a8b2c3d4e5f6a7',
      ],
    ],
  ])('%s', (_name, ev, want) => {
    expect(eventCells(ev, NOW)).toEqual(want);
  });
});

describe('event field selectors', () => {
  it('selects on the involved object, reason, type and source', () => {
    expect(eventFields(oldEvent())).toEqual({
      'involvedObject.kind': 'Pod',
      'involvedObject.namespace': 'shop',
      'involvedObject.name': 'web-0',
      'involvedObject.uid': 'u-1',
      'involvedObject.apiVersion': 'v1',
      'involvedObject.resourceVersion': '',
      'involvedObject.fieldPath': 'spec.containers{app}',
      reason: 'Pulled',
      reportingComponent: '',
      source: 'kubelet',
      type: 'Normal',
    });
    expect(Object.keys(eventFields(oldEvent())).sort()).toEqual(
      [...(events.strategy.fieldNames ?? [])].sort(),
    );
  });

  it('falls back to the reporting controller for source', () => {
    const fields = eventFields(newEvent());
    expect([fields.source, fields.reportingComponent]).toEqual([
      'default-scheduler',
      'default-scheduler',
    ]);
  });
});

describe('Time and MicroTime', () => {
  it.each<[string, boolean, number | undefined]>([
    ['2024-05-01T12:00:00Z', false, Date.parse('2024-05-01T12:00:00Z')],
    ['2024-05-01T12:00:00.5Z', false, Date.parse('2024-05-01T12:00:00.500Z')],
    ['2024-05-01T14:00:00+02:00', false, Date.parse('2024-05-01T12:00:00Z')],
    ['2024-02-29T00:00:00Z', false, Date.parse('2024-02-29T00:00:00Z')],
    ['2023-02-29T00:00:00Z', false, undefined],
    ['2024-13-01T00:00:00Z', false, undefined],
    ['2024-05-01T24:00:00Z', false, undefined],
    ['2024-05-01 12:00:00Z', false, undefined],
    ['2024-05-01T12:00:00', false, undefined],
    ['', false, undefined],
    ['2024-05-01T12:00:00.123456Z', true, Date.parse('2024-05-01T12:00:00.123Z')],
    ['2024-05-01T12:00:00.123456-01:30', true, Date.parse('2024-05-01T13:30:00.123Z')],
    ['2024-05-01T12:00:00Z', true, undefined],
    ['2024-05-01T12:00:00.123Z', true, undefined],
    ['2024-05-01T12:00:00.1234567Z', true, undefined],
  ])('%s (micro %s)', (value, micro, want) => {
    expect(parseKubeTime(value, micro)).toBe(want);
  });

  it.each<[unknown, boolean]>([
    [undefined, true],
    [null, true],
    ['0001-01-01T00:00:00Z', true],
    ['0001-01-01T00:00:00.000000Z', true],
    ['1970-01-01T00:00:00Z', false],
    ['2024-05-01T12:00:00Z', false],
  ])('isZeroTime(%s) is %s', (value, want) => {
    expect(isZeroTime(value)).toBe(want);
  });
});

describe('events resource', () => {
  it('is the core/v1 Event type as upstream declares it', () => {
    expect(events.group).toBe('');
    expect(events.versions).toEqual(['v1']);
    expect(events.names).toMatchObject({ plural: 'events', kind: 'Event', shortNames: ['ev'] });
    expect(events.namespaced).toBe(true);
    expect(events.strategy).toMatchObject({
      nameValidation: 'PathSegmentName',
      allowCreateOnUpdate: true,
      allowUnconditionalUpdate: true,
    });
  });
});
