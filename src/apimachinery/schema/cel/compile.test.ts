import { describe, expect, it } from 'vitest';
import type { JSONSchemaProps } from '../types.ts';
import { celMessage, compileRules } from './compile.ts';
import { nodeEnvironment } from './env.ts';
import { resolveFieldPath } from './field-path.ts';
import { routeMatches, usesOldSelf } from './source.ts';
import { celTypeOf, escapeFieldName } from './types.ts';

describe('compileRules', () => {
  const schema: JSONSchemaProps = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: { a: { type: 'string' }, b: { type: 'integer' } },
        'x-kubernetes-validations': [
          { rule: 'self.a == oldSelf.a' },
          { rule: 'size(self.a) > self.b' },
        ],
      },
      status: { type: 'object' },
    },
  };

  it('keeps only the nodes with rules below them', () => {
    const { root, problems } = compileRules(schema);
    expect(problems).toEqual([]);
    expect([...(root?.properties.keys() ?? [])]).toEqual(['spec']);
    const spec = root?.properties.get('spec');
    expect(spec?.rules.map((r) => r.usesOldSelf)).toEqual([true, false]);
    expect(spec?.type).toBe('object');
  });

  it('caches per schema object and shares environments between equal node types', () => {
    expect(compileRules(schema)).toBe(compileRules(schema));
    const copy = structuredClone(schema);
    const a = compileRules(schema).root?.properties.get('spec')?.env;
    const b = compileRules(copy).root?.properties.get('spec')?.env;
    expect(a).toBeDefined();
    expect(a).toBe(b);
  });

  it('reports a node whose self has no CEL type', () => {
    const s: JSONSchemaProps = {
      type: 'object',
      properties: {
        x: {
          'x-kubernetes-preserve-unknown-fields': true,
          'x-kubernetes-validations': [{ rule: 'true' }],
        },
      },
    };
    expect(compileRules(s).problems).toEqual([
      {
        path: 'properties[x].x-kubernetes-validations',
        kind: 'internal',
        detail: 'internal error: failed to retrieve type information for x-kubernetes-validations',
      },
    ]);
  });
});

describe('CEL typing of schema nodes', () => {
  it('escapes property names like upstream', () => {
    expect(escapeFieldName('namespace')).toBe('__namespace__');
    expect(escapeFieldName('foo-bar.baz/qux')).toBe('foo__dash__bar__dot__baz__slash__qux');
    expect(escapeFieldName('a__b')).toBe('a__underscores__b');
    expect(escapeFieldName('1abc')).toBeUndefined();
    expect(escapeFieldName('a b')).toBeUndefined();
  });

  it('adds apiVersion, kind and metadata name fields at resource roots', () => {
    expect(celTypeOf({ type: 'object', properties: {} }, true)).toEqual({
      kind: 'object',
      fields: [
        { name: 'kind', json: 'kind', type: { kind: 'string' } },
        { name: 'apiVersion', json: 'apiVersion', type: { kind: 'string' } },
        {
          name: 'metadata',
          json: 'metadata',
          type: {
            kind: 'object',
            fields: [
              { name: 'name', json: 'name', type: { kind: 'string' } },
              { name: 'generateName', json: 'generateName', type: { kind: 'string' } },
            ],
          },
        },
      ],
    });
  });

  it('maps formats and shapes to CEL types', () => {
    const t = celTypeOf(
      {
        type: 'object',
        properties: {
          m: { type: 'object', additionalProperties: { type: 'number' } },
          l: { type: 'array', items: { type: 'string', format: 'duration' } },
          p: { 'x-kubernetes-int-or-string': true },
          u: { 'x-kubernetes-preserve-unknown-fields': true },
        },
      },
      false,
    );
    expect(t).toEqual({
      kind: 'object',
      fields: [
        { name: 'm', json: 'm', type: { kind: 'map', value: { kind: 'double' } } },
        { name: 'l', json: 'l', type: { kind: 'list', elem: { kind: 'duration' } } },
        { name: 'p', json: 'p', type: { kind: 'dyn' } },
      ],
    });
  });

  it('binds self with the node type', () => {
    const env = nodeEnvironment({ kind: 'int' });
    expect(env.plain.evaluate('self + 1', { self: 1n })).toBe(2n);
  });
});

describe('rule source helpers', () => {
  it('detects the oldSelf variable but not fields or strings named like it', () => {
    expect(usesOldSelf('self == oldSelf')).toBe(true);
    expect(usesOldSelf('oldSelf.hasValue()')).toBe(true);
    expect(usesOldSelf('self.oldSelf == 1')).toBe(false);
    expect(usesOldSelf("self.x == 'oldSelf'")).toBe(false);
    expect(usesOldSelf('self.?oldSelf.hasValue()')).toBe(false);
  });

  it('routes .matches to the RE2-safe overload without moving offsets', () => {
    const src = "self.matches('^a') && 'x.matches(y)'.size() > 0 && matches(self, 'b')";
    const out = routeMatches(src);
    expect(out).toBe("self.Matches('^a') && 'x.matches(y)'.size() > 0 && matches(self, 'b')");
    expect(out.length).toBe(src.length);
  });

  it('translates cel-js messages to cel-go wording', () => {
    expect(celMessage('No such key: foo')).toBe('no such key: foo');
    expect(celMessage('No such key: index out of bounds, index 3 >= size 1')).toBe(
      'index out of bounds: 3',
    );
    expect(celMessage("found no matching overload for 'string.Matches(int)'")).toBe(
      "found no matching overload for 'string.matches(int)'",
    );
  });
});

describe('resolveFieldPath', () => {
  const schema: JSONSchemaProps = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          replicas: { type: 'integer' },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          'a.b': { type: 'object', properties: { c: { type: 'string' } } },
        },
      },
    },
  };
  const cases: [string, string | undefined][] = [
    ['.spec.replicas', 'spec.replicas'],
    [".spec.labels['app.kubernetes.io/name']", 'spec.labels[app.kubernetes.io/name]'],
    ['.spec.labels.app', 'spec.labels[app]'],
    [".spec['a.b'].c", 'spec.a.b.c'],
    ['.spec.missing', undefined],
    ['spec', undefined],
    ['.spec.replicas[0]', undefined],
  ];
  for (const [path, want] of cases) {
    it(path, () => {
      const r = resolveFieldPath(schema, path);
      expect(r.ok ? r.path : undefined).toBe(want);
    });
  }
});
