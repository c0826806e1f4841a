import { describe, expect, it } from 'vitest';
import { fieldErrorMessage } from '../field-errors.ts';
import type { JsonObject, JsonValue } from '../meta.ts';
import { checkStructural, compileSchema } from './index.ts';
import type { JSONSchemaProps } from './types.ts';

/** A trimmed-down CloudNativePG `Cluster` schema with the constructs real CRDs use. */
const cluster: JSONSchemaProps = {
  type: 'object',
  description: 'Cluster is the Schema for the PostgreSQL API',
  'x-kubernetes-validations': [
    {
      rule: 'self.metadata.name.size() <= 50',
      message: 'the cluster name must be at most 50 characters',
    },
  ],
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      required: ['storage'],
      properties: {
        instances: { type: 'integer', minimum: 1, default: 1 },
        imageName: { type: 'string' },
        primaryUpdateStrategy: {
          type: 'string',
          enum: ['unsupervised', 'supervised'],
          default: 'unsupervised',
        },
        storage: {
          type: 'object',
          required: ['size'],
          properties: {
            size: { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?(Mi|Gi|Ti)$' },
            storageClass: {
              type: 'string',
              'x-kubernetes-validations': [
                { rule: 'self == oldSelf', message: 'storageClass is immutable' },
              ],
            },
          },
        },
        postgresql: {
          type: 'object',
          properties: {
            parameters: { type: 'object', additionalProperties: { type: 'string' } },
            pg_hba: { type: 'array', items: { type: 'string' } },
          },
        },
        bootstrap: {
          type: 'object',
          'x-kubernetes-validations': [
            {
              rule: '!(has(self.initdb) && has(self.recovery))',
              message: 'only one bootstrap method can be specified at a time',
            },
          ],
          properties: {
            initdb: {
              type: 'object',
              properties: {
                database: { type: 'string', default: 'app' },
                owner: { type: 'string' },
              },
            },
            recovery: { type: 'object', properties: { source: { type: 'string' } } },
          },
        },
        managed: {
          type: 'object',
          properties: {
            roles: {
              type: 'array',
              'x-kubernetes-list-type': 'map',
              'x-kubernetes-list-map-keys': ['name'],
              items: {
                type: 'object',
                required: ['name'],
                'x-kubernetes-validations': [
                  { rule: "self.name != 'postgres'", message: 'the postgres role is reserved' },
                ],
                properties: {
                  name: { type: 'string' },
                  ensure: { type: 'string', enum: ['present', 'absent'], default: 'present' },
                  login: { type: 'boolean' },
                  connectionLimit: { type: 'integer', format: 'int64', default: -1 },
                  inRoles: {
                    type: 'array',
                    items: { type: 'string' },
                    'x-kubernetes-list-type': 'set',
                  },
                },
              },
            },
          },
        },
        resources: {
          type: 'object',
          properties: {
            limits: {
              type: 'object',
              additionalProperties: {
                'x-kubernetes-int-or-string': true,
                anyOf: [{ type: 'integer' }, { type: 'string' }],
                pattern:
                  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$',
              },
            },
          },
        },
        backup: {
          type: 'object',
          properties: { retentionPolicy: { type: 'string', pattern: '^[1-9][0-9]*[dwm]$' } },
        },
      },
    },
    status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  },
};

const object = (spec: JsonObject, name = 'pg-main'): JsonObject => ({
  apiVersion: 'postgresql.cnpg.io/v1',
  kind: 'Cluster',
  metadata: { name, namespace: 'db' },
  spec,
});

const messages = (value: JsonValue, old?: JsonValue) =>
  compileSchema(cluster).validate(value, old).map(fieldErrorMessage);

describe('compileSchema on a CloudNativePG-like Cluster', () => {
  it('is a valid CRD schema', () => {
    expect(
      checkStructural(cluster, 'spec.versions[0].schema.openAPIV3Schema', {
        statusSubresource: true,
      }),
    ).toEqual([]);
  });

  it('returns the same compiled instance for equal schemas', () => {
    expect(compileSchema(structuredClone(cluster))).toBe(compileSchema(cluster));
  });

  it('prunes, defaults and validates a create like the API server', () => {
    const compiled = compileSchema(cluster);
    const obj = object({
      storage: { size: '10Gi', bogus: true },
      bootstrap: { initdb: {} },
      managed: { roles: [{ name: 'app', login: true, extra: 1 }] },
      unknownField: 'x',
    });
    expect(compiled.prune(obj)).toEqual([
      'spec.managed.roles[0].extra',
      'spec.storage.bogus',
      'spec.unknownField',
    ]);
    compiled.default(obj);
    expect(obj.spec).toEqual({
      instances: 1,
      primaryUpdateStrategy: 'unsupervised',
      storage: { size: '10Gi' },
      bootstrap: { initdb: { database: 'app' } },
      managed: { roles: [{ name: 'app', login: true, ensure: 'present', connectionLimit: -1 }] },
    });
    expect(compiled.validate(obj)).toEqual([]);
  });

  it('reports schema errors and skips rules when the object is too broken', () => {
    expect(
      messages(
        object({
          instances: 0,
          storage: { size: '10GB' },
          managed: { roles: [{ name: 'a', ensure: 'maybe' }, { name: 'a' }] },
          backup: { retentionPolicy: '30 days' },
          resources: { limits: { memory: '1Gi', cpu: true } },
        }),
      ),
    ).toEqual([
      'spec.instances: Invalid value: 0: spec.instances in body should be greater than or equal to 1',
      'spec.storage.size: Invalid value: "10GB": spec.storage.size in body should match \'^[0-9]+(\\.[0-9]+)?(Mi|Gi|Ti)$\'',
      'spec.managed.roles[0].ensure: Unsupported value: "maybe": supported values: "present", "absent"',
      'spec.backup.retentionPolicy: Invalid value: "30 days": spec.backup.retentionPolicy in body should match \'^[1-9][0-9]*[dwm]$\'',
      'spec.resources.limits.cpu: Invalid value: "boolean": spec.resources.limits.cpu in body must be of type integer,string: "boolean"',
      '<nil>: Invalid value: "": "spec.resources.limits.cpu" must validate at least one schema (anyOf)',
      'spec.resources.limits.cpu: Invalid value: "boolean": spec.resources.limits.cpu in body must be of type integer: "boolean"',
      'spec.managed.roles[1]: Duplicate value: {"name":"a"}',
      '<nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    ]);
  });

  it('requires nested required fields', () => {
    expect(messages(object({ storage: {} }))).toEqual([
      'spec.storage.size: Required value',
      '<nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    ]);
  });

  it('runs validation rules at every level', () => {
    const name = 'x'.repeat(51);
    expect(
      messages(
        object(
          {
            storage: { size: '1Gi' },
            bootstrap: { initdb: {}, recovery: { source: 'old' } },
            managed: { roles: [{ name: 'postgres' }] },
          },
          name,
        ),
      ),
    ).toEqual([
      '<nil>: Invalid value: "object": the cluster name must be at most 50 characters',
      'spec.bootstrap: Invalid value: "object": only one bootstrap method can be specified at a time',
      'spec.managed.roles[0]: Invalid value: "object": the postgres role is reserved',
    ]);
  });

  it('enforces transition rules on update only', () => {
    const before = object({ storage: { size: '1Gi', storageClass: 'fast' } });
    const after = object({ storage: { size: '2Gi', storageClass: 'slow' } });
    expect(messages(after)).toEqual([]);
    expect(messages(after, before)).toEqual([
      'spec.storage.storageClass: Invalid value: "string": storageClass is immutable',
    ]);
    expect(messages(object({ storage: { size: '2Gi', storageClass: 'fast' } }), before)).toEqual(
      [],
    );
  });

  it('ratchets errors in parts of the object an update does not touch', () => {
    const legacy = object({ storage: { size: '10GB' }, instances: 1 });
    expect(messages(object({ storage: { size: '10GB' }, instances: 3 }), legacy)).toEqual([]);
    expect(messages(object({ storage: { size: '20GB' }, instances: 3 }), legacy)).toHaveLength(1);
  });
});
