import { describe, expect, it } from 'vitest';
import type { KubeObject, ManagedFieldsEntry } from '../meta.ts';
import type { JSONSchemaProps } from '../schema/types.ts';
import { FieldSet, fieldElement as f } from './fieldpath.ts';
import {
  decodeManagedFields,
  encodeManagedFields,
  managerIdentifier,
  printManager,
  updateManagedFields,
} from './managed-fields.ts';

const configMapSchema: JSONSchemaProps = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    data: { type: 'object', additionalProperties: { type: 'string' } },
    status: { type: 'object', properties: { phase: { type: 'string' } } },
  },
};

const t = (s: number) => `2024-01-01T00:00:${String(s).padStart(2, '0')}Z`;

function configMap(data: Record<string, string>, extra: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', namespace: 'ns', uid: 'u1', resourceVersion: '1', labels: { a: '1' } },
    data,
    ...extra,
  };
}

function write(
  old: KubeObject | undefined,
  next: KubeObject,
  manager: string,
  second: number,
  subresource?: string,
): KubeObject {
  return updateManagedFields(
    old,
    next,
    manager,
    { apiVersion: 'v1', time: t(second), ...(subresource ? { subresource } : {}) },
    configMapSchema,
  );
}

function withFields(old: KubeObject, next: KubeObject): KubeObject {
  return { ...next, metadata: { ...next.metadata, managedFields: old.metadata.managedFields } };
}

describe('updateManagedFields', () => {
  const created = write(undefined, configMap({ k: 'v' }), 'kubectl-client-side-apply', 1);

  it('records a create as an Update owning everything but identity metadata', () => {
    expect(created.metadata.managedFields).toEqual([
      {
        manager: 'kubectl-client-side-apply',
        operation: 'Update',
        apiVersion: 'v1',
        time: t(1),
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:data': { '.': {}, 'f:k': {} },
          'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } },
        },
      },
    ]);
  });

  it('moves changed fields to the writer and keeps the others', () => {
    const next = write(created, withFields(created, configMap({ k: 'v2', j: 'x' })), 'editor', 2);
    expect(next.metadata.managedFields).toEqual([
      {
        manager: 'kubectl-client-side-apply',
        operation: 'Update',
        apiVersion: 'v1',
        time: t(1),
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:data': {}, 'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } } },
      },
      {
        manager: 'editor',
        operation: 'Update',
        apiVersion: 'v1',
        time: t(2),
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:data': { 'f:j': {}, 'f:k': {} } },
      },
    ]);
  });

  it('leaves the record alone for a write that changes nothing', () => {
    const next = write(created, withFields(created, configMap({ k: 'v' })), 'other', 5);
    expect(next.metadata.managedFields).toEqual(created.metadata.managedFields);
  });

  it('takes removed fields away from their owners without recording the remover', () => {
    const next = write(created, withFields(created, configMap({})), 'remover', 3);
    expect(next.metadata.managedFields).toEqual([
      {
        manager: 'kubectl-client-side-apply',
        operation: 'Update',
        apiVersion: 'v1',
        time: t(1),
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:data': {}, 'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } } },
      },
    ]);
  });

  it('keeps the managedFields of the stored object when the write omits them', () => {
    const next = write(created, configMap({ k: 'v' }), 'other', 4);
    expect(next.metadata.managedFields).toEqual(created.metadata.managedFields);
  });

  it('clears the record on managedFields: [] and then stops tracking', () => {
    const reset = configMap({ k: 'v' });
    reset.metadata.managedFields = [];
    expect(write(created, reset, 'x', 4).metadata.managedFields).toBeUndefined();
    const untracked = configMap({ k: 'changed' });
    expect(write(configMap({ k: 'v' }), untracked, 'x', 4).metadata.managedFields).toBeUndefined();
  });

  it('uses the managedFields a write sets', () => {
    const given: ManagedFieldsEntry[] = [
      {
        manager: 'someone',
        operation: 'Apply',
        apiVersion: 'v1',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:data': { 'f:k': {} } },
      },
    ];
    const next = configMap({ k: 'v' });
    next.metadata.managedFields = given;
    expect(write(created, next, 'x', 4).metadata.managedFields).toEqual(given);
  });

  it('records subresource writes separately and ignores managedFields they send', () => {
    const next = configMap({ k: 'v' }, { status: { phase: 'Ready' } });
    next.metadata.managedFields = [];
    const out = write(created, next, 'controller', 6, 'status');
    expect(out.metadata.managedFields?.[1]).toEqual({
      manager: 'controller',
      operation: 'Update',
      apiVersion: 'v1',
      time: t(6),
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:status': { '.': {}, 'f:phase': {} } },
      subresource: 'status',
    });
  });

  it('ignores fields the endpoint resets', () => {
    const out = updateManagedFields(
      undefined,
      configMap({ k: 'v' }, { status: { phase: 'Ready' } }),
      'creator',
      { apiVersion: 'v1', time: t(1), ignoredFields: FieldSet.of([f('status')]) },
      configMapSchema,
    );
    expect(out.metadata.managedFields?.[0]?.fieldsV1).not.toHaveProperty('f:status');
  });

  it('folds the oldest of more than ten Update entries into ancient-changes', () => {
    let obj = write(undefined, configMap({ k0: 'v' }), 'm0', 0);
    for (let i = 1; i <= 11; i++) {
      const data = { ...(obj.data as Record<string, string>), [`k${i}`]: 'v' };
      obj = write(obj, withFields(obj, configMap(data)), `m${i}`, i);
    }
    const entries = obj.metadata.managedFields ?? [];
    expect(entries.map((e) => e.manager)).toEqual([
      'ancient-changes',
      'm3',
      'm4',
      'm5',
      'm6',
      'm7',
      'm8',
      'm9',
      'm10',
      'm11',
    ]);
    expect(entries[0]?.time).toBe(t(2));
    expect(entries[0]?.fieldsV1).toEqual({
      'f:data': { '.': {}, 'f:k0': {}, 'f:k1': {}, 'f:k2': {} },
      'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } },
    });
  });
});

describe('managedFields encoding', () => {
  const entry = (
    manager: string,
    operation: 'Apply' | 'Update',
    time?: string,
  ): ManagedFieldsEntry => ({
    manager,
    operation,
    apiVersion: 'v1',
    ...(time ? { time } : {}),
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:data': { [`f:${manager}`]: {} } },
  });

  it('round-trips and sorts Apply before Update, then by time and name', () => {
    const entries = [
      entry('b', 'Update', t(1)),
      entry('z', 'Apply', t(9)),
      entry('a', 'Update', t(1)),
      entry('c', 'Update'),
    ];
    expect(encodeManagedFields(decodeManagedFields(entries)).map((e) => e.manager)).toEqual([
      'z',
      'c',
      'a',
      'b',
    ]);
  });

  it.each<[ManagedFieldsEntry, string]>([
    [
      { manager: 'x', apiVersion: 'v1', fieldsType: 'FieldsV1' },
      'operation must be `Apply` or `Update`',
    ],
    [{ manager: 'x', operation: 'Update', fieldsType: 'FieldsV1' }, 'apiVersion must not be empty'],
    [
      { manager: 'x', operation: 'Update', apiVersion: 'v1' },
      'missing fieldsType in managed fields entry 0',
    ],
    [
      { manager: 'x', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV2' as 'FieldsV1' },
      'invalid fieldsType "FieldsV2" in managed fields entry 0',
    ],
  ])('rejects %j', (e, message) => {
    expect(() => decodeManagedFields([e])).toThrow(message);
  });

  it('identifies Apply managers without their apiVersion', () => {
    expect(managerIdentifier({ manager: 'm', operation: 'Apply', apiVersion: 'v1' })).toBe(
      '{"manager":"m","operation":"Apply"}',
    );
    expect(
      managerIdentifier({
        manager: 'm',
        operation: 'Update',
        apiVersion: 'v1',
        subresource: 'status',
      }),
    ).toBe('{"manager":"m","operation":"Update","apiVersion":"v1","subresource":"status"}');
  });

  it('prints managers as conflict messages name them', () => {
    expect(
      printManager({ manager: 'm', operation: 'Apply', apiVersion: 'v1', subresource: '' }),
    ).toBe('"m"');
    expect(
      printManager({ manager: 'm', operation: 'Update', apiVersion: 'v1', subresource: '' }),
    ).toBe('"m" using v1');
    expect(
      printManager({ manager: 'm', operation: 'Update', apiVersion: 'v1', subresource: 'status' }),
    ).toBe('"m" with subresource "status" using v1');
  });
});
