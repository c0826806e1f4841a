import { describe, expect, it } from 'vitest';
import type { JsonObject, JsonValue } from '../meta.ts';
import type { JSONSchemaProps } from '../schema/types.ts';
import { FieldSet, fieldElement as f, keyElement as k, pathString } from './fieldpath.ts';
import { withObjectMeta } from './patch-schema.ts';
import {
  compare,
  ensureNamedFieldsAreMembers,
  fieldsOf,
  mergeApplied,
  removeFields,
  toFieldSet,
} from './typed.ts';

const str: JSONSchemaProps = { type: 'string' };
const int: JSONSchemaProps = { type: 'integer' };

function mapList(items: JSONSchemaProps, ...keys: string[]): JSONSchemaProps {
  return {
    type: 'array',
    items,
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': keys,
  };
}

const workloadSchema: JSONSchemaProps = {
  type: 'object',
  properties: {
    apiVersion: str,
    kind: str,
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      properties: {
        replicas: int,
        paused: { type: 'boolean' },
        containers: mapList(
          {
            type: 'object',
            properties: {
              name: str,
              image: str,
              args: { type: 'array', items: str },
              ports: mapList(
                {
                  type: 'object',
                  properties: { containerPort: int, protocol: { type: 'string', default: 'TCP' } },
                },
                'containerPort',
                'protocol',
              ),
              env: mapList({ type: 'object', properties: { name: str, value: str } }, 'name'),
            },
          },
          'name',
        ),
        tags: { type: 'array', items: str, 'x-kubernetes-list-type': 'set' },
        args: { type: 'array', items: str },
        selector: { type: 'object', additionalProperties: str, 'x-kubernetes-map-type': 'atomic' },
        config: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
    data: { type: 'object', additionalProperties: str },
  },
};

const root = withObjectMeta(workloadSchema);

function paths(set: FieldSet): string[] {
  return set.paths().map(pathString);
}

describe('fieldsOf', () => {
  it('collects leaves, map-list elements and set values per the schema', () => {
    const obj: JsonObject = {
      apiVersion: 'example.com/v1',
      kind: 'Workload',
      metadata: {
        name: 'w',
        labels: { app: 'w' },
        finalizers: ['f'],
        ownerReferences: [{ apiVersion: 'v1', kind: 'A', name: 'a', uid: 'u1' }],
        managedFields: [{ manager: 'x', operation: 'Update', apiVersion: 'v1' }],
      },
      spec: {
        replicas: 1,
        containers: [{ name: 'c1', image: 'i', args: ['a'], ports: [{ containerPort: 80 }] }],
        tags: ['a', 'b'],
        args: ['x'],
        selector: { a: 'b' },
        config: { deep: { x: [1, 2] } },
      },
    };
    expect(fieldsOf(obj, workloadSchema).toFieldsV1()).toEqual({
      'f:apiVersion': {},
      'f:kind': {},
      'f:metadata': {
        'f:finalizers': { 'v:"f"': {} },
        'f:labels': { 'f:app': {} },
        'f:name': {},
        'f:ownerReferences': { 'k:{"uid":"u1"}': {} },
      },
      'f:spec': {
        'f:args': {},
        'f:config': { 'f:deep': { 'f:x': {} } },
        'f:containers': {
          'k:{"name":"c1"}': {
            '.': {},
            'f:args': {},
            'f:image': {},
            'f:name': {},
            'f:ports': {
              'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} },
            },
          },
        },
        'f:replicas': {},
        'f:selector': {},
        'f:tags': { 'v:"a"': {}, 'v:"b"': {} },
      },
    });
  });

  it('records nothing for empty granular maps, and leaves for nulls', () => {
    expect(paths(fieldsOf({ spec: {}, data: { a: null } }, workloadSchema))).toEqual(['.data.a']);
    expect(paths(fieldsOf({ spec: { containers: null, args: null } }, workloadSchema))).toEqual([
      '.spec.args',
    ]);
  });

  it('reports elements that cannot be named when asked to', () => {
    const problems: string[] = [];
    toFieldSet({ spec: { containers: [{ image: 'x' }], tags: ['a', 'a'] } }, root, problems);
    expect(problems).toEqual([
      '.spec.containers: element 0: associative list with keys has an element that omits key field "name" (and doesn\'t have default value)',
      '.spec.tags: duplicate entries for key [="a"]',
    ]);
  });

  it('names unnamed elements by index when tolerant', () => {
    expect(paths(fieldsOf({ spec: { containers: [{ image: 'x' }] } }, workloadSchema))).toEqual([
      '.spec.containers[0]',
      '.spec.containers[0].image',
    ]);
  });
});

describe('compare', () => {
  const cases: Array<[string, JsonValue, JsonValue, string[], string[], string[]]> = [
    [
      'a modified scalar',
      { spec: { replicas: 1 } },
      { spec: { replicas: 2 } },
      [],
      ['.spec.replicas'],
      [],
    ],
    [
      'an added map, with the map itself',
      { spec: {} },
      { spec: {}, data: { a: 'x' } },
      ['.data', '.data.a'],
      [],
      [],
    ],
    ['a removed key', { data: { a: 'x', b: 'y' } }, { data: { a: 'x' } }, [], [], ['.data.b']],
    [
      'an added map-list element',
      { spec: { containers: [{ name: 'a' }] } },
      { spec: { containers: [{ name: 'a' }, { name: 'b', image: 'i' }] } },
      [
        '.spec.containers[name="b"]',
        '.spec.containers[name="b"].image',
        '.spec.containers[name="b"].name',
      ],
      [],
      [],
    ],
    [
      'a modified atomic list',
      { spec: { args: ['a'] } },
      { spec: { args: ['b'] } },
      [],
      ['.spec.args'],
      [],
    ],
    [
      'a set value swapped',
      { spec: { tags: ['a', 'b'] } },
      { spec: { tags: ['b', 'c'] } },
      ['.spec.tags[="c"]'],
      [],
      ['.spec.tags[="a"]'],
    ],
    [
      'a change of shape',
      { spec: { config: { x: { y: 1 } } } },
      { spec: { config: { x: 'flat' } } },
      [],
      ['.spec.config.x'],
      ['.spec.config.x.y'],
    ],
    [
      'an added empty map, as a leaf',
      { spec: {} },
      { spec: { config: {} } },
      ['.spec.config'],
      [],
      [],
    ],
  ];
  it.each(cases)('finds %s', (_name, lhs, rhs, added, modified, removed) => {
    const c = compare(lhs, rhs, root);
    expect([paths(c.added), paths(c.modified), paths(c.removed)]).toEqual([
      added,
      modified,
      removed,
    ]);
  });
});

describe('mergeApplied', () => {
  const containers = (...names: string[]) => ({
    spec: { containers: names.map((name) => ({ name })) },
  });
  const cases: Array<[string, JsonValue, JsonValue, JsonValue]> = [
    [
      'merges granular maps and replaces leaves',
      { spec: { replicas: 1, paused: true }, data: { a: 'x' } },
      { spec: { replicas: 3 }, data: { b: 'y' } },
      { spec: { replicas: 3, paused: true }, data: { a: 'x', b: 'y' } },
    ],
    [
      'replaces atomic lists and maps',
      { spec: { args: ['a', 'b'], selector: { a: '1', b: '2' } } },
      { spec: { args: ['c'], selector: { c: '3' } } },
      { spec: { args: ['c'], selector: { c: '3' } } },
    ],
    [
      'keeps a live map against an empty configured one',
      { spec: { config: { a: 1 } } },
      { spec: { config: {} } },
      { spec: { config: { a: 1 } } },
    ],
    [
      'merges map-list elements by key',
      { spec: { containers: [{ name: 'a', image: '1', args: ['x'] }] } },
      { spec: { containers: [{ name: 'a', image: '2' }] } },
      { spec: { containers: [{ name: 'a', image: '2', args: ['x'] }] } },
    ],
    [
      'appends new elements after the last shared one',
      containers('a', 'b', 'c'),
      containers('b', 'x'),
      containers('a', 'b', 'c', 'x'),
    ],
    [
      'inserts new elements before the next shared one',
      containers('a', 'b', 'c'),
      containers('x', 'b'),
      containers('a', 'x', 'b', 'c'),
    ],
    [
      'reorders shared elements as configured',
      containers('a', 'b', 'c'),
      containers('c', 'a'),
      containers('b', 'c', 'a'),
    ],
    [
      'unions sets',
      { spec: { tags: ['a', 'b'] } },
      { spec: { tags: ['c', 'a'] } },
      { spec: { tags: ['c', 'a', 'b'] } },
    ],
    [
      'collapses live duplicates the configuration names',
      {
        spec: { containers: [{ name: 'a', image: '1' }, { name: 'b' }, { name: 'a', image: '2' }] },
      },
      { spec: { containers: [{ name: 'a', image: '3' }] } },
      { spec: { containers: [{ name: 'a', image: '3' }, { name: 'b' }] } },
    ],
  ];
  it.each(cases)('%s', (_name, live, config, expected) => {
    expect(mergeApplied(live, config, root)).toEqual(expected);
  });
});

describe('removeFields', () => {
  it('removes leaves, elements and whole members, dropping containers it empties', () => {
    const value: JsonValue = {
      metadata: { name: 'w', labels: { app: 'w' } },
      spec: {
        replicas: 1,
        containers: [{ name: 'a', image: 'i' }, { name: 'b' }],
        tags: ['x', 'y'],
      },
    };
    const set = FieldSet.of(
      [f('metadata'), f('labels'), f('app')],
      [f('spec'), f('containers'), k({ name: 'a' })],
      [f('spec'), f('containers'), k({ name: 'b' }), f('name')],
      [f('spec'), f('tags')],
    );
    expect(removeFields(value, set, root)).toEqual({
      metadata: { name: 'w' },
      spec: { replicas: 1 },
    });
    expect(value).toEqual({
      metadata: { name: 'w', labels: { app: 'w' } },
      spec: {
        replicas: 1,
        containers: [{ name: 'a', image: 'i' }, { name: 'b' }],
        tags: ['x', 'y'],
      },
    });
  });

  it('makes declared properties with fields below them members', () => {
    const set = FieldSet.of([f('spec'), f('config'), f('x')], [f('data'), f('a')]);
    expect(paths(ensureNamedFieldsAreMembers(set, root))).toEqual([
      '.data',
      '.spec',
      '.data.a',
      '.spec.config',
      '.spec.config.x',
    ]);
  });
});
