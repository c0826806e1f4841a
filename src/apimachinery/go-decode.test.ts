import { describe, expect, it } from 'vitest';
import { type GoStruct, goDecodeError } from './go-decode.ts';
import type { JsonValue } from './meta.ts';
import { objectMetaDecodeError } from './validation/object-meta.ts';

const OPTIONS: GoStruct = {
  name: 'v1.DeleteOptions',
  fields: {
    gracePeriodSeconds: 'int64',
    dryRun: { slice: 'string' },
    preconditions: { name: 'v1.Preconditions', fields: { uid: 'string' } },
    orphanDependents: 'bool',
  },
};

describe('goDecodeError', () => {
  it.each<[JsonValue, string | undefined]>([
    [{}, undefined],
    [{ gracePeriodSeconds: null, dryRun: null, preconditions: null }, undefined],
    [{ gracePeriodSeconds: 30, dryRun: ['All'], preconditions: { uid: 'u' } }, undefined],
    [{ unknown: 'fields are not its business' }, undefined],
    [
      { dryRun: 'All' },
      'json: cannot unmarshal string into Go struct field DeleteOptions.dryRun of type []string',
    ],
    [
      { dryRun: [1] },
      'json: cannot unmarshal number into Go struct field DeleteOptions.dryRun[0] of type string',
    ],
    [
      { preconditions: { uid: 5 } },
      'json: cannot unmarshal number into Go struct field Preconditions.preconditions.uid of type string',
    ],
    [
      { gracePeriodSeconds: 1.5 },
      'json: cannot unmarshal number 1.5 into Go struct field DeleteOptions.gracePeriodSeconds of type int64',
    ],
    [
      { gracePeriodSeconds: 2 ** 63 },
      `json: cannot unmarshal number ${2 ** 63} into Go struct field DeleteOptions.gracePeriodSeconds of type int64`,
    ],
    [
      { orphanDependents: 'true' },
      'json: cannot unmarshal string into Go struct field DeleteOptions.orphanDependents of type bool',
    ],
    ['x', 'json: cannot unmarshal string into Go value of type v1.DeleteOptions'],
  ])('%j → %s', (value, message) => {
    expect(goDecodeError(OPTIONS, value)?.message).toBe(message);
  });

  it('names the field path of the bad value, map keys in brackets', () => {
    expect(objectMetaDecodeError({ labels: { a: 'b', c: 1 } })).toMatchObject({
      field: 'metadata.labels[c]',
      value: 1,
      message:
        'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string',
    });
    expect(
      objectMetaDecodeError({ ownerReferences: [{ uid: 'a' }, { controller: 'yes' }] }),
    ).toMatchObject({
      field: 'metadata.ownerReferences[1].controller',
    });
  });

  it('parses timestamps as RFC 3339, as metav1.Time does', () => {
    expect(objectMetaDecodeError({ creationTimestamp: '2024-05-01T10:00:00Z' })).toBeUndefined();
    expect(objectMetaDecodeError({ deletionTimestamp: '2024-02-30T00:00:00Z' })?.message).toBe(
      'parsing time "2024-02-30T00:00:00Z" as "2006-01-02T15:04:05Z07:00": not an RFC 3339 timestamp',
    );
  });

  it('lets managed fields carry any JSON in fieldsV1', () => {
    expect(objectMetaDecodeError({ managedFields: [{ fieldsV1: 'anything' }] })).toBeUndefined();
  });
});
