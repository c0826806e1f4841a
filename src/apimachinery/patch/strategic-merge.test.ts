import { describe, expect, it } from 'vitest';
import type { JsonObject, JsonValue } from '../meta.ts';
import type { JSONSchemaProps } from '../schema/types.ts';
import { StatusError } from '../status.ts';
import type { PatchSchema } from './patch-schema.ts';
import { applyStrategicMergePatch } from './strategic-merge.ts';

const str: JSONSchemaProps = { type: 'string' };
const int: JSONSchemaProps = { type: 'integer' };

function mergeList(items: JSONSchemaProps, mergeKey?: string, strategy = 'merge'): PatchSchema {
  return {
    type: 'array',
    items,
    'x-kubernetes-patch-strategy': strategy,
    ...(mergeKey ? { 'x-kubernetes-patch-merge-key': mergeKey } : {}),
  };
}

const container: JSONSchemaProps = {
  type: 'object',
  properties: {
    name: str,
    image: str,
    args: { type: 'array', items: str },
    env: mergeList({ type: 'object', properties: { name: str, value: str } }, 'name'),
    ports: mergeList(
      { type: 'object', properties: { containerPort: int, protocol: str } },
      'containerPort',
    ),
  },
};

const retainKeysStrategy: PatchSchema = {
  type: 'object',
  'x-kubernetes-patch-strategy': 'retainKeys',
  properties: {
    type: str,
    rollingUpdate: { type: 'object', properties: { maxSurge: int } },
  },
};

const volume: JSONSchemaProps = {
  type: 'object',
  properties: {
    name: str,
    emptyDir: { type: 'object' },
    hostPath: { type: 'object', properties: { path: str } },
  },
};

const replacedMap: PatchSchema = {
  type: 'object',
  additionalProperties: str,
  'x-kubernetes-patch-strategy': 'replace',
};

const podSchema: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        containers: mergeList(container, 'name'),
        volumes: mergeList(volume, 'name', 'merge,retainKeys'),
        tolerations: { type: 'array', items: { type: 'object' } },
        nodeSelector: { type: 'object', additionalProperties: str },
        selector: replacedMap,
        strategy: retainKeysStrategy,
        matrix: { type: 'array', items: { type: 'array', items: int } },
        mergedMatrix: mergeList({ type: 'array', items: int }),
        scalars: mergeList(int),
      },
    },
  },
};

type Case = [name: string, original: JsonObject, patch: JsonObject, expected: JsonValue];

const cases: Case[] = [
  [
    'merges maps recursively',
    { metadata: { name: 'a', labels: { x: '1' } }, spec: { nodeSelector: { zone: 'a' } } },
    { metadata: { labels: { y: '2' } }, spec: { nodeSelector: { zone: 'b' } } },
    { metadata: { name: 'a', labels: { x: '1', y: '2' } }, spec: { nodeSelector: { zone: 'b' } } },
  ],
  [
    'deletes a key with null and ignores nulls for absent keys',
    { metadata: { labels: { x: '1', y: '2' } } },
    { metadata: { labels: { x: null, z: null } } },
    { metadata: { labels: { y: '2' } } },
  ],
  [
    'drops nulls inside a value that is new',
    { spec: {} },
    { spec: { nodeSelector: { a: 'b', c: null } } },
    { spec: { nodeSelector: { a: 'b' } } },
  ],
  [
    'replaces a value whose type changes',
    { spec: { nodeSelector: 'oops' } },
    { spec: { nodeSelector: { a: 'b', c: null } } },
    { spec: { nodeSelector: { a: 'b' } } },
  ],
  [
    'replaces lists without a patch strategy',
    { spec: { containers: [{ name: 'c1', args: ['a', 'b'] }] } },
    { spec: { containers: [{ name: 'c1', args: ['c'] }] } },
    { spec: { containers: [{ name: 'c1', args: ['c'] }] } },
  ],
  [
    'merges list elements by merge key',
    {
      spec: {
        containers: [
          { name: 'c1', image: 'v1' },
          { name: 'c2', image: 'v1' },
        ],
      },
    },
    { spec: { containers: [{ name: 'c1', image: 'v2' }] } },
    {
      spec: {
        containers: [
          { name: 'c1', image: 'v2' },
          { name: 'c2', image: 'v1' },
        ],
      },
    },
  ],
  [
    'puts a new element before the server-only ones without $setElementOrder',
    { spec: { containers: [{ name: 'c1' }, { name: 'c2' }] } },
    { spec: { containers: [{ name: 'c3', image: 'x' }] } },
    { spec: { containers: [{ name: 'c3', image: 'x' }, { name: 'c1' }, { name: 'c2' }] } },
  ],
  [
    'keeps server-only elements before a patched element that follows them',
    { spec: { containers: [{ name: 'c1' }, { name: 'c2' }] } },
    { spec: { containers: [{ name: 'c2', image: 'x' }] } },
    { spec: { containers: [{ name: 'c1' }, { name: 'c2', image: 'x' }] } },
  ],
  [
    'orders by $setElementOrder',
    { spec: { containers: [{ name: 'c1' }, { name: 'c2' }] } },
    {
      spec: {
        '$setElementOrder/containers': [{ name: 'c1' }, { name: 'c3' }, { name: 'c2' }],
        containers: [{ name: 'c3', image: 'x' }],
      },
    },
    {
      spec: { containers: [{ name: 'c1' }, { name: 'c3', image: 'x' }, { name: 'c2' }] },
    },
  ],
  [
    'reorders with $setElementOrder alone',
    { spec: { containers: [{ name: 'c1' }, { name: 'c2' }] } },
    { spec: { '$setElementOrder/containers': [{ name: 'c2' }, { name: 'c1' }] } },
    { spec: { containers: [{ name: 'c2' }, { name: 'c1' }] } },
  ],
  [
    'orders a list that is new by $setElementOrder',
    { spec: {} },
    {
      spec: {
        '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }],
        containers: [{ name: 'b' }, { name: 'a' }],
      },
    },
    { spec: { containers: [{ name: 'b' }, { name: 'a' }] } },
  ],
  [
    'merges nested keyed lists (env by name)',
    { spec: { containers: [{ name: 'c1', env: [{ name: 'A', value: '1' }] }] } },
    {
      spec: {
        containers: [
          {
            name: 'c1',
            '$setElementOrder/env': [{ name: 'A' }, { name: 'B' }],
            env: [{ name: 'B', value: '2' }],
          },
        ],
      },
    },
    {
      spec: {
        containers: [
          {
            name: 'c1',
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
            ],
          },
        ],
      },
    },
  ],
  [
    'merges by a numeric merge key (ports by containerPort)',
    {
      spec: {
        containers: [
          {
            name: 'c1',
            ports: [
              { containerPort: 80, protocol: 'TCP' },
              { containerPort: 443, protocol: 'TCP' },
            ],
          },
        ],
      },
    },
    { spec: { containers: [{ name: 'c1', ports: [{ containerPort: 443, protocol: 'UDP' }] }] } },
    {
      spec: {
        containers: [
          {
            name: 'c1',
            ports: [
              { containerPort: 80, protocol: 'TCP' },
              { containerPort: 443, protocol: 'UDP' },
            ],
          },
        ],
      },
    },
  ],
  [
    'deletes a keyed element with $patch: delete',
    { spec: { containers: [{ name: 'c1' }, { name: 'c2' }] } },
    { spec: { containers: [{ name: 'c2', $patch: 'delete' }] } },
    { spec: { containers: [{ name: 'c1' }] } },
  ],
  [
    'replaces a merging list with $patch: replace',
    { spec: { containers: [{ name: 'c1' }, { name: 'c2' }] } },
    { spec: { containers: [{ name: 'c3', image: 'x' }, { $patch: 'replace' }] } },
    { spec: { containers: [{ name: 'c3', image: 'x' }] } },
  ],
  [
    'replaces a map with $patch: replace',
    { spec: { nodeSelector: { a: '1', b: '2' } } },
    { spec: { nodeSelector: { $patch: 'replace', c: '3' } } },
    { spec: { nodeSelector: { c: '3' } } },
  ],
  [
    'empties a map with $patch: delete',
    { spec: { nodeSelector: { a: '1' } } },
    { spec: { nodeSelector: { $patch: 'delete' } } },
    { spec: { nodeSelector: {} } },
  ],
  [
    'drops a new map that deletes itself',
    { spec: {} },
    { spec: { nodeSelector: { $patch: 'delete' } } },
    { spec: {} },
  ],
  [
    'accepts an explicit $patch: merge on a map',
    { spec: { nodeSelector: { a: '1' } } },
    { spec: { nodeSelector: { $patch: 'merge', b: '2' } } },
    { spec: { nodeSelector: { a: '1', b: '2' } } },
  ],
  [
    'replaces a map with patch strategy replace',
    { spec: { selector: { a: '1' } } },
    { spec: { selector: { b: '2' } } },
    { spec: { selector: { b: '2' } } },
  ],
  [
    'unions a merging list of scalars (finalizers)',
    { metadata: { finalizers: ['a', 'b'] } },
    { metadata: { finalizers: ['b', 'c'] } },
    { metadata: { finalizers: ['a', 'b', 'c'] } },
  ],
  [
    'puts a new scalar first without $setElementOrder',
    { metadata: { finalizers: ['a', 'b'] } },
    { metadata: { finalizers: ['c'] } },
    { metadata: { finalizers: ['c', 'a', 'b'] } },
  ],
  [
    'deletes scalars with $deleteFromPrimitiveList',
    { metadata: { finalizers: ['a', 'b', 'c'] } },
    { metadata: { '$deleteFromPrimitiveList/finalizers': ['a', 'c'] } },
    { metadata: { finalizers: ['b'] } },
  ],
  [
    'adds, deletes and orders scalars as kubectl sends them',
    { metadata: { finalizers: ['a', 'b'] } },
    {
      metadata: {
        '$setElementOrder/finalizers': ['a', 'c'],
        '$deleteFromPrimitiveList/finalizers': ['b'],
        finalizers: ['c'],
      },
    },
    { metadata: { finalizers: ['a', 'c'] } },
  ],
  [
    'ignores $deleteFromPrimitiveList for an absent list',
    { metadata: {} },
    { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } },
    { metadata: {} },
  ],
  [
    'orders scalars by $setElementOrder',
    { spec: { scalars: [1, 2, 3] } },
    { spec: { '$setElementOrder/scalars': [3, 1, 2] } },
    { spec: { scalars: [3, 1, 2] } },
  ],
  [
    'clears keys not listed in $retainKeys',
    { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } },
    { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
    { spec: { strategy: { type: 'Recreate' } } },
  ],
  [
    'applies $retainKeys inside merged list elements (volumes)',
    { spec: { volumes: [{ name: 'v', hostPath: { path: '/x' } }, { name: 'w' }] } },
    { spec: { volumes: [{ name: 'v', $retainKeys: ['emptyDir', 'name'], emptyDir: {} }] } },
    { spec: { volumes: [{ name: 'v', emptyDir: {} }, { name: 'w' }] } },
  ],
  [
    'merges ownerReferences by uid even without a schema for metadata',
    {
      metadata: {
        ownerReferences: [{ apiVersion: 'v1', kind: 'A', name: 'a', uid: 'u1' }],
      },
    },
    {
      metadata: {
        ownerReferences: [
          { apiVersion: 'v1', kind: 'B', name: 'b', uid: 'u2' },
          { uid: 'u1', $patch: 'delete' },
        ],
      },
    },
    { metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'B', name: 'b', uid: 'u2' }] } },
  ],
  [
    'replaces lists of lists',
    { spec: { matrix: [[1, 2], [3]] } },
    { spec: { matrix: [[4]] } },
    { spec: { matrix: [[4]] } },
  ],
  [
    'resolves directives inside a list that is new',
    { spec: {} },
    {
      spec: {
        containers: [{ name: 'c1', env: [{ name: 'A', value: null }] }, { $patch: 'replace' }],
      },
    },
    { spec: { containers: [{ name: 'c1', env: [{ name: 'A' }] }] } },
  ],
  [
    'empties the whole object with a top-level $patch: delete',
    { metadata: { name: 'a' } },
    { $patch: 'delete' },
    {},
  ],
];

describe('applyStrategicMergePatch', () => {
  it.each(cases)('%s', (_name, original, patch, expected) => {
    expect(applyStrategicMergePatch(original, patch, podSchema)).toEqual(expected);
  });

  it('treats metadata by ObjectMeta semantics without any schema', () => {
    const original = { metadata: { finalizers: ['a'] }, spec: { list: [1] } };
    const patch = { metadata: { finalizers: ['b'] }, spec: { list: [2] } };
    expect(applyStrategicMergePatch(original, patch, undefined)).toEqual({
      metadata: { finalizers: ['b', 'a'] },
      spec: { list: [2] },
    });
  });

  it('does not modify its inputs', () => {
    const original = { spec: { containers: [{ name: 'c1', image: 'v1' }] } };
    const patch = { spec: { containers: [{ name: 'c1', image: 'v2' }] } };
    const before = structuredClone({ original, patch });
    applyStrategicMergePatch(original, patch, podSchema);
    expect({ original, patch }).toEqual(before);
  });

  const errors: Array<[string, JsonObject, JsonObject, string]> = [
    [
      'a merge-keyed element without its key',
      { spec: { containers: [{ name: 'c1' }] } },
      { spec: { containers: [{ image: 'x' }] } },
      'map: map[image:x] does not contain declared merge key: name',
    ],
    [
      'a delete directive without the merge key',
      { spec: { containers: [{ name: 'c1' }] } },
      { spec: { containers: [{ $patch: 'delete' }] } },
      'map: map[$patch:delete] does not contain declared merge key: name',
    ],
    [
      'an unknown directive in a map',
      { spec: {} },
      { spec: { $patch: 'frobnicate' } },
      'unknown patch type: frobnicate in map: map[$patch:frobnicate]',
    ],
    [
      'an unknown directive in a list',
      { spec: { containers: [] } },
      { spec: { containers: [{ name: 'a', $patch: 'x' }] } },
      'unknown patch type: x in map: map[$patch:x name:a]',
    ],
    [
      'a merge directive in a list',
      { spec: { containers: [{ name: 'c1' }] } },
      { spec: { containers: [{ $patch: 'merge' }] } },
      'merging lists cannot yet be specified in the patch',
    ],
    [
      '$retainKeys that is not a list',
      { spec: { strategy: {} } },
      { spec: { strategy: { $retainKeys: 'type' } } },
      'invalid patch format of retainKeys',
    ],
    [
      'a patched key missing from $retainKeys',
      { spec: { strategy: {} } },
      { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: {} } } },
      'invalid patch format of retainKeys',
    ],
    [
      '$setElementOrder that is not a list',
      { spec: {} },
      { spec: { '$setElementOrder/containers': 'x' } },
      'expected a []interface {}, but received a string',
    ],
    [
      'a null list beside $setElementOrder',
      { spec: { containers: [{ name: 'c1' }] } },
      { spec: { '$setElementOrder/containers': [{ name: 'c1' }], containers: null } },
      'expected a []interface {}, but received a <nil>',
    ],
    [
      'a patch list ordered against $setElementOrder',
      { spec: { containers: [{ name: 'c1' }, { name: 'c2' }] } },
      {
        spec: {
          '$setElementOrder/containers': [{ name: 'c1' }, { name: 'c2' }],
          containers: [{ name: 'c2' }, { name: 'c1' }],
        },
      },
      "the order in patch list:\n[map[name:c2] map[name:c1]]\n doesn't match $setElementOrder list:\n[map[name:c1] map[name:c2]]",
    ],
    [
      'merging lists of lists',
      { spec: { mergedMatrix: [[1]] } },
      { spec: { mergedMatrix: [[2]] } },
      'lists of lists are not supported',
    ],
    [
      'merging lists of mixed types',
      { spec: { scalars: [1] } },
      { spec: { scalars: ['a'] } },
      'list element types are not identical: [[1] [a]]',
    ],
  ];

  it.each(errors)('rejects %s with 400', (_name, original, patch, message) => {
    let err: unknown;
    try {
      applyStrategicMergePatch(original, patch, podSchema);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).status).toMatchObject({ code: 400, reason: 'BadRequest', message });
  });
});

describe('lists of a request body’s size', () => {
  // A 3 MiB patch holds about 100,000 list elements. Merging by scanning one list for each
  // element of the other took minutes of the event loop; merging goes by index now.
  const N = 100_000;
  const named = (from: number, image: string) =>
    Array.from({ length: N }, (_, i) => ({ name: `c${from + i}`, image }));

  it('merges keyed elements, deletes by key and orders them, element by element', () => {
    const original = {
      spec: { containers: named(0, 'a'), scalars: named(0, 'a').map((_, i) => i) },
    };
    const patch = {
      spec: {
        containers: [...named(N / 2, 'b'), { name: 'c1', $patch: 'delete' }],
        scalars: Array.from({ length: N }, (_, i) => i + N / 2),
      },
    };
    const out = applyStrategicMergePatch(original, patch, podSchema) as {
      spec: { containers: Array<{ name: string; image: string }>; scalars: number[] };
    };
    const containers = out.spec.containers;
    expect(containers).toHaveLength(N + N / 2 - 1);
    expect(containers.find((c) => c.name === 'c1')).toBeUndefined();
    expect(containers.find((c) => c.name === 'c0')?.image).toBe('a');
    expect(containers.find((c) => c.name === `c${N - 1}`)?.image).toBe('b');
    expect(containers.find((c) => c.name === `c${N + N / 2 - 1}`)?.image).toBe('b');
    expect(out.spec.scalars).toHaveLength(N + N / 2);
    expect(new Set(out.spec.scalars).size).toBe(N + N / 2);
  });

  it('orders by $setElementOrder and deletes from a primitive list at that size', () => {
    const original = {
      spec: { containers: named(0, 'a'), scalars: named(0, 'a').map((_, i) => i) },
    };
    const order = named(0, 'a')
      .map(({ name }) => ({ name }))
      .reverse();
    const out = applyStrategicMergePatch(
      original,
      {
        spec: {
          '$setElementOrder/containers': order,
          '$deleteFromPrimitiveList/scalars': Array.from({ length: N - 1 }, (_, i) => i),
        },
      },
      podSchema,
    ) as { spec: { containers: Array<{ name: string }>; scalars: number[] } };
    expect(out.spec.containers[0]?.name).toBe(`c${N - 1}`);
    expect(out.spec.containers.at(-1)?.name).toBe('c0');
    expect(out.spec.scalars).toEqual([N - 1]);
  });
});
