import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../meta.ts';
import { applyDefaults } from './defaults.ts';
import type { JSONSchemaProps } from './types.ts';

const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        replicas: { type: 'integer', default: 1 },
        mode: { type: 'string', default: 'fast' },
        optional: { type: 'string', nullable: true, default: 'x' },
        storage: {
          type: 'object',
          default: {},
          properties: { size: { type: 'string', default: '1Gi' }, class: { type: 'string' } },
        },
        ports: {
          type: 'array',
          items: {
            type: 'object',
            properties: { protocol: { type: 'string', default: 'TCP' }, port: { type: 'integer' } },
          },
        },
        labels: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            properties: { weight: { type: 'integer', default: 10 } },
          },
        },
        tags: { type: 'array', items: { type: 'string', default: 'none' } },
      },
    },
  },
};

describe('applyDefaults', () => {
  const cases: { name: string; value: JsonValue; want: JsonValue }[] = [
    {
      name: 'fills missing fields of existing objects, nested defaults included',
      value: { spec: {} },
      want: { spec: { replicas: 1, mode: 'fast', optional: 'x', storage: { size: '1Gi' } } },
    },
    {
      name: 'keeps values that are set',
      value: { spec: { replicas: 3, mode: 'slow', optional: 'y', storage: { size: '5Gi' } } },
      want: { spec: { replicas: 3, mode: 'slow', optional: 'y', storage: { size: '5Gi' } } },
    },
    {
      name: 'replaces null in non-nullable fields but keeps null where nullable',
      value: { spec: { replicas: null, optional: null, storage: null } },
      want: { spec: { replicas: 1, optional: null, mode: 'fast', storage: { size: '1Gi' } } },
    },
    {
      name: 'defaults inside list items and map values',
      value: {
        spec: {
          ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }],
          labels: { a: {}, b: { weight: 1 } },
        },
      },
      want: {
        spec: {
          replicas: 1,
          mode: 'fast',
          optional: 'x',
          storage: { size: '1Gi' },
          ports: [
            { port: 80, protocol: 'TCP' },
            { port: 53, protocol: 'UDP' },
          ],
          labels: { a: { weight: 10 }, b: { weight: 1 } },
        },
      },
    },
    {
      name: 'replaces null list items that have an item default',
      value: { spec: { tags: ['a', null] } },
      want: {
        spec: {
          replicas: 1,
          mode: 'fast',
          optional: 'x',
          storage: { size: '1Gi' },
          tags: ['a', 'none'],
        },
      },
    },
    { name: 'does not create missing parents', value: {}, want: {} },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(applyDefaults(schema, c.value)).toEqual(c.want);
    });
  }

  it('mutates in place, returns the same value and never shares the schema default', () => {
    const a: JsonValue = { spec: {} };
    const b: JsonValue = { spec: {} };
    expect(applyDefaults(schema, a)).toBe(a);
    applyDefaults(schema, b);
    ((a.spec as { storage: { size: string } }).storage as { size: string }).size = 'changed';
    expect((b.spec as { storage: { size: string } }).storage.size).toBe('1Gi');
    expect(schema.properties?.spec?.properties?.storage?.default).toEqual({});
  });

  it('writes keys like __proto__ as plain data', () => {
    const s: JSONSchemaProps = {
      type: 'object',
      properties: { ['__proto__']: { type: 'string', default: 'x' } },
    };
    const v = applyDefaults(s, {} as JsonValue) as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.hasOwn(v, '__proto__')).toBe(true);
  });
});
