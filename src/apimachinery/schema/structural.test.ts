import { describe, expect, it } from 'vitest';
import { FieldPath, fieldErrorMessage } from '../field-errors.ts';
import { checkStructural } from './structural.ts';
import type { JSONSchemaProps } from './types.ts';

const P = 'spec.versions[0].schema.openAPIV3Schema';
const check = (schema: JSONSchemaProps, statusSubresource = false) =>
  checkStructural(schema, P, { statusSubresource }).map((e) =>
    fieldErrorMessage(e).replaceAll(P, () => '$'),
  );
const root = (
  properties: Record<string, JSONSchemaProps>,
  extra: JSONSchemaProps = {},
): JSONSchemaProps => ({
  type: 'object',
  properties,
  ...extra,
});

describe('checkStructural', () => {
  const cases: { name: string; schema: JSONSchemaProps; want: string[]; status?: boolean }[] = [
    {
      name: 'accepts a typical structural schema',
      schema: root({
        metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 20 } } },
        spec: {
          type: 'object',
          required: ['size'],
          properties: {
            size: { type: 'string', pattern: '^[0-9]+Gi$', default: '1Gi' },
            port: {
              'x-kubernetes-int-or-string': true,
              anyOf: [{ type: 'integer' }, { type: 'string' }],
            },
            extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            labels: { type: 'object', additionalProperties: { type: 'string' } },
          },
        },
      }),
      want: [],
    },
    {
      name: 'specified object fields need a type',
      schema: root({ spec: { properties: { a: { type: 'string' } } } }),
      want: [
        '$.properties[spec].type: Required value: must not be empty for specified object fields',
      ],
    },
    {
      name: 'array items need a schema and a type',
      schema: root({ a: { type: 'array' }, b: { type: 'array', items: { maxLength: 2 } } }),
      want: [
        '$.properties[a].items: Required value: must be specified',
        '$.properties[b].items.type: Required value: must not be empty for specified array items',
      ],
    },
    {
      name: 'the root must be an object',
      schema: { type: 'array', items: { type: 'string' } },
      want: ['$.type: Invalid value: "array": must be object at the root'],
    },
    {
      name: 'the root needs a type',
      schema: { properties: { a: { type: 'string' } } },
      want: ['$.type: Required value: must not be empty at the root'],
    },
    {
      name: 'additionalProperties are forbidden at the root and exclusive with properties',
      schema: root(
        {
          m: {
            type: 'object',
            properties: { a: { type: 'string' } },
            additionalProperties: { type: 'string' },
          },
        },
        { additionalProperties: true },
      ),
      want: [
        '$.additionalProperties: Forbidden: must not be used at the root',
        '$.properties[m].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive',
      ],
    },
    {
      name: 'root metadata may only restrict name and generateName',
      schema: root({
        metadata: {
          type: 'object',
          properties: { name: { type: 'string' }, labels: { type: 'object' } },
        },
      }),
      want: [
        '$.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified',
      ],
    },
    {
      name: 'junctors may not declare structure',
      schema: root({
        x: {
          type: 'string',
          anyOf: [
            { type: 'string', default: 'a', description: 'd', nullable: true },
            { pattern: '(' },
          ],
        },
      }),
      want: [
        '$.properties[x].anyOf[0].default: Forbidden: must be undefined to be structural',
        '$.properties[x].anyOf[0].description: Forbidden: must be empty to be structural',
        '$.properties[x].anyOf[0].nullable: Forbidden: must be false to be structural',
        '$.properties[x].anyOf[0].type: Forbidden: must be empty to be structural',
        '$.properties[x].anyOf[1].pattern: Invalid value: "(": must be a valid regular expression, but isn\'t: error parsing regexp: missing closing ): `(`',
      ],
    },
    {
      name: 'junctors may not reason about metadata or use extensions',
      schema: root(
        { a: { type: 'string' } },
        { oneOf: [{ properties: { metadata: {} } }, { 'x-kubernetes-list-type': 'set' }] },
      ),
      want: [
        '$.oneOf[0].properties[metadata]: Forbidden: must not be specified in a nested context',
        '$.oneOf[1].x-kubernetes-list-type: Forbidden: must be undefined to be structural',
        '$.properties[metadata]: Required value: because it is defined in $.oneOf[0].properties[metadata]',
        '$.oneOf[1].type: Required value: must be array if x-kubernetes-list-type is specified',
      ],
    },
    {
      name: 'fields named in root junctors must exist in the structure',
      schema: root(
        { a: { type: 'string' } },
        { allOf: [{ properties: { foo: { pattern: 'x' } } }] },
      ),
      want: [
        '$.properties[foo]: Required value: because it is defined in $.allOf[0].properties[foo]',
      ],
    },
    {
      name: 'embedded resources are objects with properties or preserving unknown fields',
      schema: root({
        t: { 'x-kubernetes-embedded-resource': true },
        u: { type: 'object', 'x-kubernetes-embedded-resource': true },
      }),
      want: [
        '$.properties[t].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields',
        '$.properties[t].type: Required value: must be object if x-kubernetes-embedded-resource is true',
        '$.properties[u].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields',
      ],
    },
    {
      name: 'int-or-string excludes preserve-unknown-fields',
      schema: root({
        p: { 'x-kubernetes-int-or-string': true, 'x-kubernetes-preserve-unknown-fields': true },
      }),
      want: [
        '$.properties[p].x-kubernetes-preserve-unknown-fields: Invalid value: true: must be false if x-kubernetes-int-or-string is true',
      ],
    },
    {
      name: 'unsupported JSON-Schema keywords',
      schema: root(
        {
          l: { type: 'array', uniqueItems: true, items: { type: 'string' } },
          n: { type: 'null' as never },
        },
        {
          $ref: '#/x',
          definitions: { a: {} },
          dependencies: { a: ['b'] },
          patternProperties: { x: {} },
          additionalItems: false,
        },
      ),
      want: [
        '$.additionalItems: Forbidden: additionalItems is not supported',
        '$.patternProperties: Forbidden: patternProperties is not supported',
        '$.definitions: Forbidden: definitions is not supported',
        '$.dependencies: Forbidden: dependencies is not supported',
        '$.$ref: Forbidden: $ref is not supported',
        '$.properties[l].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic',
        '$.properties[n].type: Unsupported value: "null": supported values: "array", "boolean", "integer", "number", "object", "string"',
        '$.properties[n].type: Forbidden: type cannot be set to null, use nullable as an alternative',
      ],
    },
    {
      name: 'list-map keys must be scalar, required or defaulted item properties',
      schema: root({
        l: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name', 'obj', 'missing'],
          items: {
            type: 'object',
            properties: { name: { type: 'string' }, obj: { type: 'object' } },
          },
        },
      }),
      want: [
        '$.properties[l].items.properties[obj].type: Invalid value: "object": must be a scalar type if parent array\'s x-kubernetes-list-type is map',
        '$.properties[l].x-kubernetes-list-map-keys: Invalid value: ["name","obj","missing"]: entries must all be names of item properties',
        '$.properties[l].items.properties[name].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property',
        '$.properties[l].items.properties[obj].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property',
      ],
    },
    {
      name: 'list and map type extensions',
      schema: root({
        a: { type: 'string', 'x-kubernetes-list-type': 'set' },
        b: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'bag' as never },
        c: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-map-keys': ['k'] },
        d: { type: 'object', 'x-kubernetes-map-type': 'weird' as never },
        e: {
          type: 'array',
          'x-kubernetes-list-type': 'set',
          items: { type: 'object', properties: { x: { type: 'string' } } },
        },
        f: { type: 'string', 'x-kubernetes-preserve-unknown-fields': false },
      }),
      want: [
        '$.properties[a].type: Invalid value: "string": must be array if x-kubernetes-list-type is specified',
        '$.properties[b].x-kubernetes-list-type: Unsupported value: "bag": supported values: "atomic", "set", "map"',
        '$.properties[c].x-kubernetes-list-type: Required value: must be map if x-kubernetes-list-map-keys is non-empty',
        '$.properties[d].x-kubernetes-map-type: Unsupported value: "weird": supported values: "atomic", "granular"',
        '$.properties[e].items.x-kubernetes-map-type: Invalid value: null: must be atomic as item of a list with x-kubernetes-list-type=set',
        '$.properties[f].x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined',
      ],
    },
    {
      name: 'defaults must validate, be pruned and stay out of top-level metadata',
      schema: root({
        metadata: { type: 'object', default: {} },
        spec: {
          type: 'object',
          properties: {
            replicas: { type: 'integer', default: 'x' },
            o: { type: 'object', properties: { a: { type: 'string' } }, default: { a: 'x', b: 1 } },
          },
        },
      }),
      want: [
        '$.properties[spec].properties[replicas].default: Invalid value: "string":  in body must be of type integer: "string"',
        '$.properties[spec].properties[o].default: Invalid value: {"a":"x","b":1}: must not have unknown fields',
        '$.properties[metadata].default: Forbidden: must not be set in top-level metadata',
      ],
    },
    {
      name: 'defaults of embedded resources must be complete and their metadata decodable',
      schema: root({
        t: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          'x-kubernetes-preserve-unknown-fields': true,
          default: { kind: 'Pod' },
          properties: { metadata: { type: 'object', default: { labels: { a: 1 } } } },
        },
      }),
      want: [
        '$.properties[t].default.apiVersion: Required value: must not be empty',
        '$.properties[t].properties[metadata].default: Invalid value: {"labels":{"a":1}}: must result in valid metadata: metadata: Invalid value: {"labels":{"a":1}}: json: cannot unmarshal number into Go struct field ObjectMeta.labels of type string',
      ],
    },
    {
      name: 'defaults are checked against validation rules',
      schema: root({
        spec: {
          type: 'object',
          default: {},
          properties: { min: { type: 'integer' }, max: { type: 'integer' } },
          'x-kubernetes-validations': [{ rule: 'self.min <= self.max' }],
        },
      }),
      want: [
        '$.properties[spec].default: Invalid value: "object": no such key: min evaluating rule: self.min <= self.max',
      ],
    },
    {
      name: 'status subresource restricts the root',
      schema: root({}, { nullable: true, additionalProperties: { type: 'string' } }),
      status: true,
      want: [
        '$: Invalid value: {"type":"object","properties":{},"nullable":true,"additionalProperties":{"type":"string"}}: only [Description Type Format Title Maximum ExclusiveMaximum Minimum ExclusiveMinimum MaxLength MinLength Pattern MaxItems MinItems UniqueItems MultipleOf Required Items Properties ExternalDocs Example XPreserveUnknownFields XValidations] fields are allowed at the root of the schema if the status subresource is enabled',
        '$.nullable: Forbidden: nullable cannot be true at the root',
        '$.additionalProperties: Forbidden: must not be used at the root',
      ],
    },
    {
      name: 'validation rule entries are checked before compiling',
      schema: root({
        spec: {
          type: 'object',
          properties: { n: { type: 'integer' } },
          'x-kubernetes-validations': [
            { rule: '' },
            { rule: 'self.n > 0', message: ' ' },
            { rule: 'self.n >\n0' },
            { rule: 'self.n > 0', reason: 'Nope' as never, fieldPath: '.x' },
          ],
        },
      }),
      want: [
        '$.properties[spec].x-kubernetes-validations[0].rule: Required value: rule is not specified',
        '$.properties[spec].x-kubernetes-validations[1].message: Invalid value: " ": must be non-empty if specified',
        '$.properties[spec].x-kubernetes-validations[2].message: Required value: message must be specified if rule contains line breaks',
        '$.properties[spec].x-kubernetes-validations[3].reason: Unsupported value: "Nope": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"',
        '$.properties[spec].x-kubernetes-validations[3].fieldPath: Invalid value: ".x": must be a valid path',
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(check(c.schema, c.status)).toEqual(c.want);
    });
  }

  it('reports CEL compile errors like cel-go', () => {
    const schema = root({
      spec: {
        type: 'object',
        properties: { n: { type: 'integer' } },
        'x-kubernetes-validations': [
          { rule: 'self.foo > 1' },
          { rule: 'self.n' },
          { rule: 'self.n > 0', optionalOldSelf: true },
          { rule: 'self.n > 0', messageExpression: '1' },
          { rule: 'self.n >' },
        ],
      },
    });
    const rule = (r: string, extra = {}) =>
      JSON.stringify({
        Rule: r,
        Message: '',
        MessageExpression: '',
        Reason: null,
        FieldPath: '',
        OptionalOldSelf: null,
        ...extra,
      });
    expect(check(schema)).toEqual([
      `$.properties[spec].x-kubernetes-validations[0].rule: Invalid value: ${rule('self.foo > 1')}: compilation failed: ERROR: <input>:1:6: undefined field 'foo'\n | self.foo > 1\n | .....^`,
      `$.properties[spec].x-kubernetes-validations[1].rule: Invalid value: ${rule('self.n')}: cel expression must evaluate to a bool`,
      '$.properties[spec].x-kubernetes-validations[2].optionalOldSelf: Invalid value: true: may not be set if oldSelf is not used in rule',
      `$.properties[spec].x-kubernetes-validations[3].messageExpression: Invalid value: ${rule('self.n > 0', { MessageExpression: '1' })}: must evaluate to a string`,
      `$.properties[spec].x-kubernetes-validations[4].rule: Invalid value: ${rule('self.n >')}: compilation failed: ERROR: <input>:1:9: Syntax error: Unexpected token: EOF\n | self.n >\n | ........^`,
    ]);
  });

  it('forbids oldSelf where old values cannot be correlated', () => {
    const schema = root({
      list: {
        type: 'array',
        items: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf' }] },
      },
    });
    expect(check(schema)).toEqual([
      '$.properties[list].items.x-kubernetes-validations[0].rule: Invalid value: "self == oldSelf": oldSelf cannot be used on the uncorrelatable portion of the schema within $.properties[list]',
    ]);
  });

  it('accepts a FieldPath for the location', () => {
    const errs = checkStructural(
      { type: 'array' },
      FieldPath.root('spec').child('versions').index(1).child('schema', 'openAPIV3Schema'),
    );
    expect(errs[0]?.field).toBe('spec.versions[1].schema.openAPIV3Schema.items');
  });
});
