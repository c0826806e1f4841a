import { describe, expect, it } from 'vitest';
import { fieldErrorMessage } from '../field-errors.ts';
import type { JsonValue } from '../meta.ts';
import type { JSONSchemaProps } from './types.ts';
import { hasBlockingErrors, validateValue } from './validate.ts';

const obj = (
  properties: Record<string, JSONSchemaProps>,
  extra: JSONSchemaProps = {},
): JSONSchemaProps => ({
  type: 'object',
  properties,
  ...extra,
});
const spec = (properties: Record<string, JSONSchemaProps>, extra: JSONSchemaProps = {}) =>
  obj({ spec: obj(properties, extra) });

const messages = (schema: JSONSchemaProps, value: JsonValue, path = '', old?: JsonValue) =>
  validateValue(schema, value, path, { oldValue: old }).map(fieldErrorMessage);

describe('validateValue', () => {
  const cases: { name: string; schema: JSONSchemaProps; value: JsonValue; want: string[] }[] = [
    {
      name: 'type mismatch reports the JSON type, as a FieldValueTypeInvalid',
      schema: spec({ replicas: { type: 'integer' } }),
      value: { spec: { replicas: 'three' } },
      want: [
        'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
      ],
    },
    {
      name: 'a float is not an integer',
      schema: spec({ replicas: { type: 'integer' } }),
      value: { spec: { replicas: 1.5 } },
      want: [
        'spec.replicas: Invalid value: "number": spec.replicas in body must be of type integer: "number"',
      ],
    },
    {
      name: 'integers are numbers',
      schema: spec({ ratio: { type: 'number', maximum: 2 } }),
      value: { spec: { ratio: 2 } },
      want: [],
    },
    {
      name: 'null in a non-nullable field',
      schema: spec({ name: { type: 'string' } }),
      value: { spec: { name: null } },
      want: ['spec.name: Invalid value: "null": spec.name in body must be of type string: "null"'],
    },
    {
      name: 'null in a nullable field',
      schema: spec({ name: { type: 'string', nullable: true, enum: ['a'] } }),
      value: { spec: { name: null } },
      want: [],
    },
    {
      name: 'required fields',
      schema: spec({ a: { type: 'string' }, b: { type: 'string' } }, { required: ['a', 'b'] }),
      value: { spec: { a: 'x' } },
      want: ['spec.b: Required value'],
    },
    {
      name: 'required at the root',
      schema: obj({ spec: { type: 'object' } }, { required: ['spec'] }),
      value: {},
      want: ['spec: Required value'],
    },
    {
      name: 'enum',
      schema: spec({ mode: { type: 'string', enum: ['a', 'b'] } }),
      value: { spec: { mode: 'x' } },
      want: ['spec.mode: Unsupported value: "x": supported values: "a", "b"'],
    },
    {
      name: 'numeric enum values are shown as JSON',
      schema: spec({ level: { type: 'integer', enum: [1, 2] } }),
      value: { spec: { level: 3 } },
      want: ['spec.level: Unsupported value: 3: supported values: "1", "2"'],
    },
    {
      name: 'minimum on an integer',
      schema: spec({ replicas: { type: 'integer', minimum: 1 } }),
      value: { spec: { replicas: 0 } },
      want: [
        'spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1',
      ],
    },
    {
      name: 'exclusive bounds',
      schema: spec({
        n: {
          type: 'integer',
          minimum: 1,
          exclusiveMinimum: true,
          maximum: 5,
          exclusiveMaximum: true,
        },
      }),
      value: { spec: { n: 5 } },
      want: ['spec.n: Invalid value: 5: spec.n in body should be less than 5'],
    },
    {
      name: 'integer data compares against the truncated bound, like go-openapi',
      schema: spec({ n: { type: 'integer', minimum: 1.5 } }),
      value: { spec: { n: 1 } },
      want: [],
    },
    {
      name: 'float bounds print like Go %v',
      schema: spec({ x: { type: 'number', maximum: 1000000.5 } }),
      value: { spec: { x: 2000000.25 } },
      want: [
        'spec.x: Invalid value: 2000000.25: spec.x in body should be less than or equal to 1.0000005e+06',
      ],
    },
    {
      name: 'multipleOf',
      schema: spec({
        n: { type: 'integer', multipleOf: 3 },
        f: { type: 'number', multipleOf: 0.5 },
      }),
      value: { spec: { n: 7, f: 1.25 } },
      want: [
        'spec.n: Invalid value: 7: spec.n in body should be a multiple of 3',
        'spec.f: Invalid value: 1.25: spec.f in body should be a multiple of 0.5',
      ],
    },
    {
      name: 'maxLength counts characters and reports bytes like upstream',
      schema: spec({ s: { type: 'string', maxLength: 3 }, one: { type: 'string', maxLength: 1 } }),
      value: { spec: { s: 'äöüx', one: 'ab' } },
      want: [
        'spec.s: Too long: may not be more than 3 bytes',
        'spec.one: Too long: may not be more than 1 byte',
      ],
    },
    {
      name: 'minLength',
      schema: spec({ s: { type: 'string', minLength: 3 } }),
      value: { spec: { s: 'ab' } },
      want: ['spec.s: Invalid value: "ab": spec.s in body should be at least 3 chars long'],
    },
    {
      name: 'pattern',
      schema: spec({ s: { type: 'string', pattern: '^a$' } }),
      value: { spec: { s: 'b' } },
      want: ['spec.s: Invalid value: "b": spec.s in body should match \'^a$\''],
    },
    {
      name: 'maxLength stops the other string checks',
      schema: spec({ s: { type: 'string', maxLength: 1, pattern: '^a$' } }),
      value: { spec: { s: 'bb' } },
      want: ['spec.s: Too long: may not be more than 1 byte'],
    },
    {
      name: 'minItems and maxItems',
      schema: spec({
        few: { type: 'array', items: { type: 'string' }, minItems: 2 },
        many: { type: 'array', items: { type: 'string' }, maxItems: 1 },
      }),
      value: { spec: { few: ['a'], many: ['a', 'b'] } },
      want: [
        'spec.few: Invalid value: 1: spec.few in body should have at least 2 items',
        'spec.many: Too many: 2: must have at most 1 item',
      ],
    },
    {
      name: 'array items are named with brackets',
      schema: spec({
        ports: {
          type: 'array',
          items: obj({ port: { type: 'integer', maximum: 65535 } }, { required: ['name'] }),
        },
      }),
      value: { spec: { ports: [{ name: 'a', port: 80 }, { port: 70000 }] } },
      want: [
        'spec.ports[1].port: Invalid value: 70000: spec.ports[1].port in body should be less than or equal to 65535',
        'spec.ports[1].name: Required value',
      ],
    },
    {
      name: 'uniqueItems',
      schema: spec({ l: { type: 'array', items: { type: 'string' }, uniqueItems: true } }),
      value: { spec: { l: ['a', 'a'] } },
      want: ['spec.l: Invalid value: "": spec.l in body shouldn\'t contain duplicates'],
    },
    {
      name: 'min and max properties',
      schema: spec({
        a: { type: 'object', minProperties: 2, additionalProperties: { type: 'string' } },
        b: { type: 'object', maxProperties: 1, additionalProperties: { type: 'string' } },
      }),
      value: { spec: { a: { x: 'y' }, b: { x: 'y', z: 'w' } } },
      want: [
        'spec.a: Invalid value: 1: spec.a in body should have at least 2 properties',
        'spec.b: Too many: 2: must have at most 1 item',
      ],
    },
    {
      name: 'map entries are named with dots',
      schema: spec({
        labels: { type: 'object', additionalProperties: { type: 'string', maxLength: 2 } },
      }),
      value: { spec: { labels: { app: 'long' } } },
      want: ['spec.labels.app: Too long: may not be more than 2 bytes'],
    },
    {
      name: 'int-or-string accepts both and rejects others',
      schema: spec({ port: { 'x-kubernetes-int-or-string': true } }),
      value: { spec: { port: true } },
      want: [
        'spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"',
      ],
    },
    {
      name: 'int-or-string with a string',
      schema: spec({
        port: {
          'x-kubernetes-int-or-string': true,
          anyOf: [{ type: 'integer' }, { type: 'string' }],
        },
      }),
      value: { spec: { port: 'http' } },
      want: [],
    },
    {
      name: 'string formats',
      schema: spec({
        id: { type: 'string', format: 'uuid' },
        when: { type: 'string', format: 'date-time' },
        ip: { type: 'string', format: 'ipv4' },
        data: { type: 'string', format: 'byte' },
        size: { type: 'string', format: 'quantity' },
      }),
      value: {
        spec: {
          id: 'nope',
          when: '2024-02-30T00:00:00Z',
          ip: '10.0.0.256',
          data: 'abc',
          size: '1Gi',
        },
      },
      want: [
        'spec.id: Invalid value: "nope": spec.id in body must be of type uuid: "nope"',
        'spec.when: Invalid value: "2024-02-30T00:00:00Z": spec.when in body must be of type date-time: "2024-02-30T00:00:00Z"',
        'spec.ip: Invalid value: "10.0.0.256": spec.ip in body must be of type ipv4: "10.0.0.256"',
        'spec.data: Invalid value: "abc": spec.data in body must be of type byte: "abc"',
      ],
    },
    {
      name: 'a number where a formatted string belongs names the Go number type',
      schema: spec({ day: { type: 'string', format: 'date' } }),
      value: { spec: { day: 20240101 } },
      want: ['spec.day: Invalid value: "int64": spec.day in body must be of type date: "int64"'],
    },
    {
      name: 'unknown formats are ignored',
      schema: spec({
        x: { type: 'string', format: 'my-format' },
        n: { type: 'integer', format: 'date' },
      }),
      value: { spec: { x: 'anything', n: 3 } },
      want: [],
    },
    {
      name: 'anyOf failures report the composite error at the root and the closest alternative',
      schema: spec({ v: { type: 'string', anyOf: [{ pattern: '^a' }, { pattern: '^b' }] } }),
      value: { spec: { v: 'c' } },
      want: [
        '<nil>: Invalid value: "": "spec.v" must validate at least one schema (anyOf)',
        'spec.v: Invalid value: "c": spec.v in body should match \'^a\'',
      ],
    },
    {
      name: 'oneOf with two matches',
      schema: spec({ v: { type: 'string', oneOf: [{ minLength: 1 }, { maxLength: 5 }] } }),
      value: { spec: { v: 'abc' } },
      want: [
        '<nil>: Invalid value: "": "spec.v" must validate one and only one schema (oneOf). Found 2 valid alternatives',
      ],
    },
    {
      name: 'allOf collects every failure',
      schema: spec({ v: { type: 'string', allOf: [{ minLength: 5 }, { pattern: '^x' }] } }),
      value: { spec: { v: 'abc' } },
      want: [
        'spec.v: Invalid value: "abc": spec.v in body should be at least 5 chars long',
        'spec.v: Invalid value: "abc": spec.v in body should match \'^x\'',
        '<nil>: Invalid value: "": "spec.v" must validate all the schemas (allOf). None validated',
      ],
    },
    {
      name: 'not',
      schema: spec({ v: { type: 'string', not: { enum: ['forbidden'] } } }),
      value: { spec: { v: 'forbidden' } },
      want: ['<nil>: Invalid value: "": "spec.v" must not validate the schema (not)'],
    },
    {
      name: 'list-type set rejects duplicates once per value',
      schema: spec({
        tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
      }),
      value: { spec: { tags: ['a', 'b', 'a', 'a'] } },
      want: ['spec.tags[2]: Duplicate value: "a"'],
    },
    {
      name: 'list-type map rejects duplicate keys',
      schema: spec({
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: obj(
            { name: { type: 'string' }, port: { type: 'integer' } },
            { required: ['name'] },
          ),
        },
      }),
      value: {
        spec: {
          ports: [
            { name: 'http', port: 80 },
            { name: 'http', port: 8080 },
          ],
        },
      },
      want: ['spec.ports[1]: Duplicate value: {"name":"http"}'],
    },
    {
      name: 'list-type map items must be objects',
      schema: spec({
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: obj({ name: { type: 'string' } }),
        },
      }),
      value: { spec: { ports: [{ name: 'a' }, 'b'] } },
      want: [
        'spec.ports[1]: Invalid value: "string": spec.ports[1] in body must be of type object: "string"',
        'spec.ports[1]: Invalid value: "b": must be an object for an array of list-type map',
      ],
    },
    {
      name: 'embedded resources need apiVersion and kind and a decodable metadata',
      schema: spec({
        template: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          'x-kubernetes-preserve-unknown-fields': true,
        },
      }),
      value: {
        spec: { template: { kind: 'my pod', metadata: { name: 'a/b', labels: { a: 1 } } } },
      },
      want: [
        'spec.template.apiVersion: Required value: must not be empty',
        "spec.template.kind: Invalid value: \"my pod\": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
        'spec.template.metadata: Invalid value: {"name":"a/b","labels":{"a":1}}: json: cannot unmarshal number into Go struct field ObjectMeta.labels of type string',
      ],
    },
    {
      name: 'embedded resource names follow path segment rules',
      schema: spec({
        template: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          'x-kubernetes-preserve-unknown-fields': true,
        },
      }),
      value: { spec: { template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a/b' } } } },
      want: ['spec.template.metadata.name: Invalid value: "a/b": may not contain \'/\''],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(messages(c.schema, c.value)).toEqual(c.want);
    });
  }

  it('prefixes every field with the given path', () => {
    const schema: JSONSchemaProps = { type: 'integer', minimum: 1 };
    expect(messages(schema, 0, 'spec.versions[0].schema.openAPIV3Schema.default')).toEqual([
      'spec.versions[0].schema.openAPIV3Schema.default: Invalid value: 0:  in body should be greater than or equal to 1',
    ]);
  });

  it('reports additionalProperties: false violations', () => {
    expect(messages(spec({}, { additionalProperties: false }), { spec: { x: 1 } })).toEqual([
      'spec: Invalid value: "x": spec.x in body is a forbidden property',
    ]);
  });

  it('collects every error instead of stopping at the first', () => {
    const schema = spec(
      { a: { type: 'integer' }, b: { type: 'string', enum: ['x'] }, c: { type: 'boolean' } },
      { required: ['d'] },
    );
    expect(messages(schema, { spec: { a: 'x', b: 'y', c: 1 } })).toHaveLength(4);
  });

  describe('ratcheting on update', () => {
    const schema = spec({
      name: { type: 'string', maxLength: 3 },
      size: { type: 'integer', minimum: 1 },
      ports: {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
        items: obj(
          { name: { type: 'string' }, port: { type: 'integer', maximum: 100 } },
          { required: ['name'] },
        ),
      },
      args: { type: 'array', items: { type: 'string', maxLength: 1 } },
    });
    const old: JsonValue = {
      spec: { name: 'toolong', size: 0, ports: [{ name: 'a', port: 200 }], args: ['xx'] },
    };

    it('drops errors of unchanged fields', () => {
      expect(
        messages(
          schema,
          { spec: { name: 'toolong', size: 5, ports: [{ name: 'a', port: 200 }], args: ['xx'] } },
          '',
          old,
        ),
      ).toEqual([]);
    });

    it('keeps errors of changed fields', () => {
      expect(messages(schema, { spec: { name: 'toolong!', size: 0 } }, '', old)).toEqual([
        'spec.name: Too long: may not be more than 3 bytes',
      ]);
    });

    it('correlates map-list items by key, not position', () => {
      const updated = {
        spec: {
          ports: [
            { name: 'b', port: 1 },
            { name: 'a', port: 200 },
          ],
        },
      };
      expect(messages(schema, updated, '', old)).toEqual([]);
    });

    it('does not correlate atomic list items', () => {
      expect(messages(schema, { spec: { args: ['y', 'xx'] } }, '', old)).toEqual([
        'spec.args[1]: Too long: may not be more than 1 byte',
      ]);
    });
  });

  it('classifies the errors that stop CEL evaluation', () => {
    const schema = spec({ n: { type: 'integer', minimum: 1 } });
    expect(hasBlockingErrors(validateValue(schema, { spec: { n: 0 } }))).toBe(false);
    expect(hasBlockingErrors(validateValue(schema, { spec: { n: 'x' } }))).toBe(true);
  });
});
