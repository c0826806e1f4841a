import { describe, expect, it } from 'vitest';
import type { JsonObject, JsonValue } from '../meta.ts';
import { prune, pruneNulls, pruneObjectMeta } from './prune.ts';
import type { JSONSchemaProps } from './types.ts';

const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        items: { type: 'array', items: { type: 'object', properties: { a: { type: 'string' } } } },
        labels: {
          type: 'object',
          additionalProperties: { type: 'object', properties: { v: { type: 'string' } } },
        },
        free: {
          type: 'object',
          'x-kubernetes-preserve-unknown-fields': true,
          properties: { known: { type: 'object', properties: { k: { type: 'string' } } } },
        },
        raw: { type: 'object', additionalProperties: true },
        template: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          properties: { spec: { type: 'object', properties: { image: { type: 'string' } } } },
        },
      },
    },
    status: { type: 'object', properties: { ready: { type: 'boolean' } } },
  },
};

describe('prune', () => {
  it('removes unknown fields and reports them in strict-validation form', () => {
    const value: JsonValue = {
      apiVersion: 'x/v1',
      kind: 'X',
      metadata: { name: 'n', whatever: 1 },
      extra: true,
      spec: {
        name: 'a',
        bogus: 1,
        items: [{ a: 'x', b: 'y' }, { c: 1 }],
        labels: { one: { v: 'x', w: 'y' } },
        free: { anything: { goes: 1 }, known: { k: 'v', drop: 1 } },
        raw: { scalar: 1, nested: { gone: true } },
        template: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'p', bogus: 1 },
          spec: { image: 'i', other: 1 },
          top: 1,
        },
      },
    };
    expect(prune(schema, value, { isResourceRoot: true })).toEqual([
      'extra',
      'spec.bogus',
      'spec.free.known.drop',
      'spec.items[0].b',
      'spec.items[1].c',
      'spec.labels.one.w',
      'spec.raw.nested.gone',
      'spec.template.metadata.bogus',
      'spec.template.spec.other',
      'spec.template.top',
    ]);
    expect(value).toEqual({
      apiVersion: 'x/v1',
      kind: 'X',
      metadata: { name: 'n', whatever: 1 },
      spec: {
        name: 'a',
        items: [{ a: 'x' }, {}],
        labels: { one: { v: 'x' } },
        free: { anything: { goes: 1 }, known: { k: 'v' } },
        raw: { scalar: 1, nested: {} },
        template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { image: 'i' } },
      },
    });
  });

  it('drops but does not report top-level apiVersion/kind/metadata of a non-resource value', () => {
    const value: JsonValue = { kind: 'X', spec: {} };
    expect(prune(schema, value)).toEqual([]);
    expect(value).toEqual({ spec: {} });
  });

  it('returns nothing for values that match the schema', () => {
    expect(
      prune(schema, { spec: { name: 'a' }, status: { ready: true } }, { isResourceRoot: true }),
    ).toEqual([]);
  });
});

describe('pruneObjectMeta', () => {
  it('drops and reports what ObjectMeta does not have, keeping the rest', () => {
    const value: JsonObject = {
      kind: 'ConfigMap',
      metadata: { name: 'n', lables: { app: 'x' }, labels: { app: 'y' }, bogus: 1 },
      data: { k: 'v' },
    };
    expect(pruneObjectMeta(value)).toEqual(['metadata.bogus', 'metadata.lables']);
    expect(value).toEqual({
      kind: 'ConfigMap',
      metadata: { name: 'n', labels: { app: 'y' } },
      data: { k: 'v' },
    });
  });

  it('leaves an object without metadata alone', () => {
    expect(pruneObjectMeta({ kind: 'X' })).toEqual([]);
  });
});

describe('pruneNulls', () => {
  it('drops nulls of non-nullable fields without a default', () => {
    const s: JSONSchemaProps = {
      type: 'object',
      properties: {
        a: { type: 'string' },
        b: { type: 'string', nullable: true },
        c: { type: 'string', default: 'x' },
        l: { type: 'array', items: { type: 'string' } },
        m: { type: 'object', additionalProperties: { type: 'string' } },
      },
    };
    const value: JsonValue = {
      a: null,
      b: null,
      c: null,
      l: [null],
      m: { k: null },
      unknown: null,
    };
    pruneNulls(s, value);
    expect(value).toEqual({ b: null, c: null, l: [null], m: {}, unknown: null });
  });
});
