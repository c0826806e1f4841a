import { describe, expect, it } from 'vitest';
import { fieldErrorMessage } from '../../field-errors.ts';
import type { JsonValue } from '../../meta.ts';
import type { JSONSchemaProps, ValidationRule } from '../types.ts';
import type { EvaluateOptions } from './evaluate.ts';
import { evaluateRules } from './evaluate.ts';

const rules = (...r: (string | ValidationRule)[]) =>
  r.map((x) => (typeof x === 'string' ? { rule: x } : x));
const root = (
  properties: Record<string, JSONSchemaProps>,
  extra: JSONSchemaProps = {},
): JSONSchemaProps => ({
  type: 'object',
  properties,
  ...extra,
});
const spec = (properties: Record<string, JSONSchemaProps>, ...r: (string | ValidationRule)[]) =>
  root({ spec: { type: 'object', properties, 'x-kubernetes-validations': rules(...r) } });

const run = (schema: JSONSchemaProps, value: JsonValue, old?: JsonValue, opts?: EvaluateOptions) =>
  evaluateRules(schema, value, old, '', opts).map(fieldErrorMessage);

describe('evaluateRules', () => {
  const replicas = { replicas: { type: 'integer' } } as const;

  it('binds self to the node and reports the rule or its message', () => {
    const schema = spec(replicas, 'self.replicas <= 5', {
      rule: 'self.replicas > 0',
      message: 'must be positive',
    });
    expect(run(schema, { spec: { replicas: 3 } })).toEqual([]);
    expect(run(schema, { spec: { replicas: 7 } })).toEqual([
      'spec: Invalid value: "object": failed rule: self.replicas <= 5',
    ]);
    expect(run(schema, { spec: { replicas: 0 } })).toEqual([
      'spec: Invalid value: "object": must be positive',
    ]);
  });

  it('reports rules at the root on the nil path', () => {
    const schema = root(
      { spec: { type: 'object' } },
      { 'x-kubernetes-validations': rules('has(self.spec)') },
    );
    expect(run(schema, { metadata: { name: 'x' } })).toEqual([
      '<nil>: Invalid value: "object": failed rule: has(self.spec)',
    ]);
  });

  it('lets root rules see apiVersion, kind and metadata.name', () => {
    const schema = root(
      { spec: { type: 'object' } },
      {
        'x-kubernetes-validations': rules(
          "self.metadata.name.startsWith('db-') && self.kind == 'Cluster'",
        ),
      },
    );
    expect(
      run(schema, {
        apiVersion: 'x/v1',
        kind: 'Cluster',
        metadata: { name: 'db-1', labels: { a: 'b' } },
      }),
    ).toEqual([]);
    expect(
      run(schema, { apiVersion: 'x/v1', kind: 'Cluster', metadata: { name: 'web' } }),
    ).toHaveLength(1);
  });

  it('evaluates messageExpression and falls back to the message when it fails', () => {
    const schema = spec(
      replicas,
      {
        rule: 'self.replicas <= 5',
        messageExpression: "'replicas ' + string(self.replicas) + ' exceeds 5'",
      },
      { rule: 'self.replicas <= 6', message: 'static', messageExpression: 'self.missing' },
      { rule: 'self.replicas <= 4', messageExpression: "''" },
    );
    expect(run(schema, { spec: { replicas: 7 } })).toEqual([
      'spec: Invalid value: "object": replicas 7 exceeds 5',
      'spec: Invalid value: "object": static',
      'spec: Invalid value: "object": failed rule: self.replicas <= 4',
    ]);
  });

  it('picks the cause from reason and the location from fieldPath', () => {
    const schema = spec(
      {
        replicas: { type: 'integer' },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
      },
      { rule: 'false', reason: 'FieldValueForbidden', message: 'no' },
      { rule: 'false', reason: 'FieldValueRequired', message: 'need it' },
      { rule: 'false', reason: 'FieldValueDuplicate' },
      { rule: 'self.replicas < 3', fieldPath: '.replicas', message: 'too many' },
      { rule: 'false', fieldPath: ".labels['app.kubernetes.io/name']", message: 'bad label' },
    );
    expect(run(schema, { spec: { replicas: 5, labels: {} } })).toEqual([
      'spec: Forbidden: no',
      'spec: Required value: need it',
      'spec: Duplicate value: "object"',
      'spec.replicas: Invalid value: "object": too many',
      'spec.labels[app.kubernetes.io/name]: Invalid value: "object": bad label',
    ]);
  });

  it('turns runtime errors into field errors', () => {
    const schema = spec(
      { optional: { type: 'integer' }, list: { type: 'array', items: { type: 'string' } } },
      'self.optional > 1',
      'self.list[3] == "x"',
      '1 / (size(self.list) - 1) > 0',
    );
    expect(run(schema, { spec: { list: ['a'] } })).toEqual([
      'spec: Invalid value: "object": no such key: optional evaluating rule: self.optional > 1',
      'spec: Invalid value: "object": index out of bounds: 3 evaluating rule: self.list[3] == "x"',
      'spec: Invalid value: "object": division by zero evaluating rule: 1 / (size(self.list) - 1) > 0',
    ]);
  });

  it('types scalars per schema: int, double, int-or-string, duration, timestamp, bytes', () => {
    const schema = spec(
      {
        count: { type: 'integer' },
        ratio: { type: 'number' },
        port: { 'x-kubernetes-int-or-string': true },
        timeout: { type: 'string', format: 'duration' },
        since: { type: 'string', format: 'date-time' },
        day: { type: 'string', format: 'date' },
        blob: { type: 'string', format: 'byte' },
      },
      'self.count + 1 == 3',
      'self.ratio * 2.0 == 3.0',
      "type(self.port) == int ? self.port < 65536 : self.port.endsWith('%')",
      "self.timeout < duration('1h')",
      "self.since < timestamp('2030-01-01T00:00:00Z') && self.day > timestamp('2000-01-01T00:00:00Z')",
      'size(self.blob) == 3',
    );
    const value = {
      count: 2,
      ratio: 1.5,
      port: '50%',
      timeout: '30m',
      since: '2024-05-01T10:00:00Z',
      day: '2024-05-01',
      blob: 'YWJj',
    };
    expect(run(schema, { spec: value })).toEqual([]);
    expect(run(schema, { spec: { ...value, port: 70000 } })).toEqual([
      'spec: Invalid value: "object": failed rule: type(self.port) == int ? self.port < 65536 : self.port.endsWith(\'%\')',
    ]);
  });

  it('reaches escaped property names', () => {
    const schema = spec(
      { namespace: { type: 'string' }, 'foo-bar': { type: 'string' }, 'a.b': { type: 'string' } },
      "self.__namespace__ == 'ns' && self.foo__dash__bar == 'x' && self.a__dot__b == 'y'",
    );
    expect(run(schema, { spec: { namespace: 'ns', 'foo-bar': 'x', 'a.b': 'y' } })).toEqual([]);
  });

  it('compares objects, lists and maps structurally', () => {
    const pair = { type: 'object', properties: { a: { type: 'string' } } } as const;
    const schema = spec(
      {
        x: pair,
        y: pair,
        l: { type: 'array', items: pair },
        m: { type: 'object', additionalProperties: pair },
      },
      'self.x == self.y',
      'self.x in self.l',
      "self.m['k'] == self.x",
      'self.l.exists_one(i, i.a == "1")',
    );
    expect(
      run(schema, {
        spec: { x: { a: '1' }, y: { a: '1' }, l: [{ a: '0' }, { a: '1' }], m: { k: { a: '1' } } },
      }),
    ).toEqual([]);
    expect(
      run(schema, {
        spec: { x: { a: '1' }, y: { a: '2' }, l: [{ a: '1' }], m: { k: { a: '1' } } },
      }),
    ).toEqual(['spec: Invalid value: "object": failed rule: self.x == self.y']);
  });

  it('does not evaluate rules on null values', () => {
    const schema = spec({
      name: {
        type: 'string',
        nullable: true,
        'x-kubernetes-validations': rules('self.size() > 100'),
      },
    });
    expect(run(schema, { spec: { name: null } })).toEqual([]);
  });

  describe('transition rules', () => {
    const immutable = spec({
      name: {
        type: 'string',
        'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'is immutable' }],
      },
    });

    it('do not run on create', () => {
      expect(run(immutable, { spec: { name: 'a' } })).toEqual([]);
    });

    it('run on update with the old value', () => {
      expect(run(immutable, { spec: { name: 'a' } }, { spec: { name: 'a' } })).toEqual([]);
      expect(run(immutable, { spec: { name: 'b' } }, { spec: { name: 'a' } })).toEqual([
        'spec.name: Invalid value: "string": is immutable',
      ]);
    });

    it('do not run when the field is new in this update', () => {
      expect(run(immutable, { spec: { name: 'b' } }, { spec: {} })).toEqual([]);
    });

    it('with optionalOldSelf also run on create, seeing an empty optional', () => {
      const schema = spec({
        name: {
          type: 'string',
          'x-kubernetes-validations': [
            {
              rule: "oldSelf.hasValue() ? self == oldSelf.value() : self.startsWith('a')",
              optionalOldSelf: true,
              message: 'bad',
            },
          ],
        },
      });
      expect(run(schema, { spec: { name: 'abc' } })).toEqual([]);
      expect(run(schema, { spec: { name: 'xyz' } })).toEqual([
        'spec.name: Invalid value: "string": bad',
      ]);
      expect(run(schema, { spec: { name: 'xyz' } }, { spec: { name: 'xyz' } })).toEqual([]);
      expect(run(schema, { spec: { name: 'abd' } }, { spec: { name: 'abc' } })).toEqual([
        'spec.name: Invalid value: "string": bad',
      ]);
    });

    it('correlate map-list items by key and map entries by key', () => {
      const schema = spec({
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: {
            type: 'object',
            required: ['name'],
            properties: { name: { type: 'string' }, port: { type: 'integer' } },
            'x-kubernetes-validations': [
              { rule: 'self.port == oldSelf.port', message: 'port is immutable' },
            ],
          },
        },
        limits: {
          type: 'object',
          additionalProperties: {
            type: 'integer',
            'x-kubernetes-validations': [{ rule: 'self >= oldSelf', message: 'may only grow' }],
          },
        },
      });
      const old = { spec: { ports: [{ name: 'a', port: 1 }], limits: { cpu: 4 } } };
      expect(
        run(
          schema,
          {
            spec: {
              ports: [
                { name: 'b', port: 2 },
                { name: 'a', port: 1 },
              ],
              limits: { cpu: 5, mem: 1 },
            },
          },
          old,
        ),
      ).toEqual([]);
      expect(
        run(
          schema,
          {
            spec: {
              ports: [
                { name: 'b', port: 2 },
                { name: 'a', port: 3 },
              ],
              limits: { cpu: 3 },
            },
          },
          old,
        ),
      ).toEqual([
        'spec.ports[1]: Invalid value: "object": port is immutable',
        'spec.limits[cpu]: Invalid value: "integer": may only grow',
      ]);
    });
  });

  describe('ratcheting', () => {
    const schema = spec(
      { replicas: { type: 'integer' } },
      { rule: 'self.replicas <= 5', message: 'too many' },
    );

    it('skips non-transition rules where nothing changed', () => {
      expect(run(schema, { spec: { replicas: 9 } }, { spec: { replicas: 9 } })).toEqual([]);
    });

    it('still reports changed values', () => {
      expect(run(schema, { spec: { replicas: 8 } }, { spec: { replicas: 9 } })).toEqual([
        'spec: Invalid value: "object": too many',
      ]);
    });

    it('can be turned off', () => {
      expect(
        run(schema, { spec: { replicas: 9 } }, { spec: { replicas: 9 } }, { ratcheting: false }),
      ).toHaveLength(1);
    });
  });

  describe('cost guard', () => {
    const list = { type: 'array', items: { type: 'integer' } } as const;
    const schema = spec(
      { l: list },
      'self.l.all(a, self.l.all(b, self.l.all(c, a + b + c >= 0)))',
      'false',
    );

    it('stops a runaway rule with an error instead of hanging', () => {
      const l = Array.from({ length: 300 }, (_, i) => i);
      // Without the limit the first rule walks all 300^3 combinations and the second
      // ('false') then fails; only cancelling the first gives this error, which also skips
      // the second. How fast it is cancelled is measured by `npm run bench -- parsers`.
      const errs = run(schema, { spec: { l } }, undefined, { costLimits: { perCall: 100_000 } });
      expect(errs).toEqual([
        'spec: Invalid value: "object": \'operation cancelled: actual cost limit exceeded\': no further validation rules will be run due to call cost exceeds limit for rule: self.l.all(a, self.l.all(b, self.l.all(c, a + b + c >= 0)))',
      ]);
    });

    it('stops when the object budget runs out', () => {
      const many = root({
        a: {
          type: 'array',
          items: { type: 'integer', 'x-kubernetes-validations': rules('self >= 0') },
        },
      });
      const errs = run(many, { a: Array.from({ length: 50 }, () => 1) }, undefined, {
        costLimits: { perObject: 40 },
      });
      expect(errs.at(-1)).toMatch(/(cost budget|call cost exceeds limit)/);
      expect(errs.length).toBeLessThan(50);
    });
  });
});
