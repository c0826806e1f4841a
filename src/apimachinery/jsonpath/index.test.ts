import { describe, expect, it } from 'vitest';
import { goFloat } from '../schema/json.ts';
import { goJson } from './evaluate.ts';
import {
  compileJsonPath,
  isJsonPathError,
  JsonPathExecutionError,
  JsonPathSyntaxError,
  printerColumnPath,
  validatePrinterColumnPath,
} from './index.ts';

type Case = [name: string, template: string, data: unknown, expected: string];

function run(template: string, data: unknown, allowMissingKeys = false): string {
  return compileJsonPath(template).execute(data, { allowMissingKeys });
}

function executionError(template: string, data: unknown, allowMissingKeys = false): string {
  try {
    run(template, data, allowMissingKeys);
  } catch (err) {
    if (err instanceof JsonPathExecutionError) return err.message;
    throw err;
  }
  throw new Error(`expected ${template} to fail`);
}

const types = {
  bools: [true, false, true, false],
  integers: [1, 2, 3, 4],
  floats: [1.0, 2.2, 3.3, 4.0],
  strings: ['one', 'two', 'three', 'four'],
  interfaces: [true, 'one', 1, 1.1],
  maps: [
    { name: 'one', value: 1 },
    { name: 'two', value: 2.02 },
    { name: 'three', value: 3.03 },
    { name: 'four', value: 4.04 },
  ],
};

describe('slices of every type', () => {
  it.each<Case>([
    ['bool slice', '{ .bools }', types, '[true,false,true,false]'],
    ['bool index', '{ .bools[0] }', types, 'true'],
    ['bool last', '{ .bools[-1] }', types, 'false'],
    ['bool sub-slice', '{ .bools[0:2] }', types, 'true false'],
    ['bool first two', '{ .bools[:2] }', types, 'true false'],
    ['bool step', '{ .bools[:4:2] }', types, 'true true'],
    ['int slice', '{ .integers }', types, '[1,2,3,4]'],
    ['int reverse index', '{ .integers[-2] }', types, '3'],
    ['int step', '{ .integers[:4:2] }', types, '1 3'],
    ['float slice', '{ .floats }', types, '[1,2.2,3.3,4]'],
    ['float index', '{ .floats[0] }', types, '1'],
    ['float reverse index', '{ .floats[-2] }', types, '3.3'],
    ['float sub-slice', '{ .floats[0:2] }', types, '1 2.2'],
    ['string slice', '{ .strings }', types, '["one","two","three","four"]'],
    ['string reverse index', '{ .strings[-2] }', types, 'three'],
    ['string step', '{ .strings[:4:2] }', types, 'one three'],
    ['mixed slice', '{ .interfaces }', types, '[true,"one",1,1.1]'],
    ['mixed first two', '{ .interfaces[0:2] }', types, 'true one'],
    ['mixed step', '{ .interfaces[:4:2] }', types, 'true 1'],
    [
      'map slice',
      '{ .maps }',
      types,
      '[{"name":"one","value":1},{"name":"two","value":2.02},{"name":"three","value":3.03},{"name":"four","value":4.04}]',
    ],
    ['map index', '{ .maps[-2] }', types, '{"name":"three","value":3.03}'],
    [
      'map odd step',
      '{ .maps[::2] }',
      types,
      '{"name":"one","value":1} {"name":"three","value":3.03}',
    ],
    [
      'map even step',
      '{ .maps[1::2] }',
      types,
      '{"name":"two","value":2.02} {"name":"four","value":4.04}',
    ],
  ])('%s: %s', (_name, template, data, expected) => {
    expect(run(template, data)).toBe(expected);
  });
});

const store = {
  Name: 'jsonpath',
  Book: [
    { Category: 'reference', Author: 'Nigel Rees', Title: 'Sayings of the Centurey', Price: 8.95 },
    { Category: 'fiction', Author: 'Evelyn Waugh', Title: 'Sword of Honour', Price: 12.99 },
    { Category: 'fiction', Author: 'Herman Melville', Title: 'Moby Dick', Price: 8.99 },
  ],
  Bicycle: [
    { Color: 'red', Price: 19.95, IsNew: true },
    { Color: 'green', Price: 20.01, IsNew: false },
  ],
  Labels: { engieer: 10, 'web/html': 15, 'k8s-app': 20 },
  Employees: { jason: 'manager', dan: 'clerk' },
};

describe('store data', () => {
  it.each<Case>([
    ['plain text', 'hello jsonpath', null, 'hello jsonpath'],
    ['recursive', '{..}', [1, 2, 3], '[1,2,3]'],
    ['filter on numbers', '{[?(@<5)]}', [2, 6, 3, 7], '2 3'],
    ['quoted brace', '{"{"}', null, '{'],
    ['union of indexes', '{[1,3,4]}', [0, 1, 2, 3, 4], '1 3 4'],
    ['slice', '{[0:2]}', ['Monday', 'Tudesday'], 'Monday Tudesday'],
    ['text and field', 'hello {.Name}', store, 'hello jsonpath'],
    ['key with slash', '{$.Labels.web/html}', store, '15'],
    ['map value', '{$.Employees.jason}', store, 'manager'],
    ['key with dash', '{.Labels.k8s-app}', store, '20'],
    ['nested', '{.Bicycle[*].Color}', store, 'red green'],
    ['all authors', '{.Book[*].Author}', store, 'Nigel Rees Evelyn Waugh Herman Melville'],
    [
      'range with wildcard (sorted keys)',
      '{range .Bicycle[*]}{ "{" }{ @.* }{ "} " }{end}',
      store,
      '{red true 19.95} {green false 20.01} ',
    ],
    ['recursive field', '{..Price}', store, '19.95 20.01 8.95 12.99 8.99'],
    ['recursive field, three dots', '{...Price}', store, '19.95 20.01 8.95 12.99 8.99'],
    [
      'list of maps as JSON',
      '{.Bicycle}',
      store,
      '[{"Color":"red","IsNew":true,"Price":19.95},{"Color":"green","IsNew":false,"Price":20.01}]',
    ],
    [
      'range printing whole items',
      '{range .Bicycle[*]}{ @ }{ " " }{end}',
      store,
      '{"Color":"red","IsNew":true,"Price":19.95} {"Color":"green","IsNew":false,"Price":20.01} ',
    ],
    [
      'last element slice',
      '{.Book[-1:]}',
      store,
      '{"Author":"Herman Melville","Category":"fiction","Price":8.99,"Title":"Moby Dick"}',
    ],
    [
      'recursive then index',
      '{..Book[2]}',
      store,
      '{"Author":"Herman Melville","Category":"fiction","Price":8.99,"Title":"Moby Dick"}',
    ],
    [
      'boolean filter',
      '{.Bicycle[?(@.IsNew==true)]}',
      store,
      '{"Color":"red","IsNew":true,"Price":19.95}',
    ],
    ['map as JSON', '{.Employees}', store, '{"dan":"clerk","jason":"manager"}'],
    ['wildcard over a map', '{.Employees.*}', store, 'clerk manager'],
    ['empty action prints the input', '{}', { b: 1, a: [2] }, '{"a":[2],"b":1}'],
    ['root marker', '{$}', [1], '[1]'],
  ])('%s: %s', (_name, template, data, expected) => {
    expect(run(template, data)).toBe(expected);
  });

  it.each<Case>([
    ['missing field', '{.hello}', store, ''],
    ['missing field between text', 'before-{.hello}after', store, 'before-after'],
  ])('with missing keys allowed, %s', (_name, template, data, expected) => {
    expect(run(template, data, true)).toBe(expected);
  });

  it.each<Case>([
    ['invalid identifier', '{hello}', store, 'unrecognized identifier hello'],
    ['missing field', '{.hello}', store, 'hello is not found'],
    ['index into a map', '{.Labels[0]}', store, 'map[string]interface {} is not array or slice'],
    ['index into a string', '{.Name[0]}', store, 'string is not array or slice'],
    ['unknown operator', '{.Book[?(@.Price<>10)]}', store, 'unrecognized filter operator <>'],
    ['single equals', '{.Book[?(@.Price=10)]}', store, 'unrecognized filter operator ='],
    ['redundant end', '{range .Labels.*}{@}{end}{end}', store, 'not in range, nothing to end'],
    [
      'filter on a map',
      '{.Labels[?(@.x)]}',
      store,
      'map[engieer:10 k8s-app:20 web/html:15] is not array or slice and cannot be filtered',
    ],
    ['filter on null', '{[?(@.x)]}', null, '<nil> is not array or slice and cannot be filtered'],
  ])('fails: %s', (_name, template, data, message) => {
    expect(executionError(template, data)).toBe(message);
  });
});

const points = [
  { id: 'i1', x: 4, y: -5 },
  { id: 'i2', x: -2, y: -5, z: 1 },
  { id: 'i3', x: 8, y: 3 },
  { id: 'i4', x: -6, y: -1 },
  { id: 'i5', x: 0, y: 2, z: 1 },
  { id: 'i6', x: 1, y: 4 },
];

describe('filters', () => {
  it.each<Case>([
    ['exists', '{[?(@.z)].id}', points, 'i2 i5'],
    ['bracket key', "{[0]['id']}", points, 'i1'],
    ['double-quoted bracket key', '{[0]["id"]}', points, 'i1'],
    ['less than', '{[?(@.x<0)].id}', points, 'i2 i4'],
    ['greater than', '{[?(@.x>1)].id}', points, 'i1 i3'],
    ['less or equal', '{[?(@.x<=0)].id}', points, 'i2 i4 i5'],
    ['greater or equal', '{[?(@.y>=3)].id}', points, 'i3 i6'],
    ['not equal', '{[?(@.y!=-5)].id}', points, 'i3 i4 i5 i6'],
    ['equal with spaces', '{[?( @.id == "i3" )].x}', points, '8'],
    [
      'field against field',
      '{[?(@.x==@.y)].id}',
      [
        { id: 'a', x: 1, y: 1 },
        { id: 'b', x: 1, y: 2 },
      ],
      'a',
    ],
    ['string order', "{[?(@.id<'i3')].id}", points, 'i1 i2'],
    ['float data against float literal', '{[?(@.v>1.5)].v}', [{ v: 1.25 }, { v: 2.5 }], '2.5'],
    ['without @', '{[?(.x==8)].id}', points, 'i3'],
    [
      'bool literal',
      '{[?(@.ok==false)].id}',
      [
        { id: 'a', ok: true },
        { id: 'b', ok: false },
      ],
      'b',
    ],
    [
      'condition status, as printer columns use it',
      "{.status.conditions[?(@.type=='Ready')].status}",
      {
        status: {
          conditions: [
            { type: 'Synced', status: 'False' },
            { type: 'Ready', status: 'True' },
          ],
        },
      },
      'True',
    ],
  ])('%s: %s', (_name, template, data, expected) => {
    expect(run(template, data)).toBe(expected);
  });

  it.each<Case>([
    ['int against float literal', '{[?(@.x==1.0)]}', points, 'incompatible types for comparison'],
    [
      'float data against int literal',
      '{[?(@.v>1)]}',
      [{ v: 1.5 }],
      'incompatible types for comparison',
    ],
    ['string against number', '{[?(@.id==1)]}', points, 'incompatible types for comparison'],
    ['ordering booleans', '{[?(@.b<true)]}', [{ b: false }], 'invalid type for comparison'],
    ['comparing null', '{[?(@.n==1)]}', [{ n: null }], 'invalid type for comparison'],
    ['comparing maps', '{[?(@.m=="x")]}', [{ m: {} }], 'invalid type for comparison'],
    [
      'several values',
      '{[?(@.a[*]==1)]}',
      [{ a: [1, 2] }],
      'can only compare one element at a time',
    ],
    ['missing key on the left', '{[?(@.z==1)].id}', points, 'z is not found'],
  ])('fails: %s', (_name, template, data, message) => {
    expect(executionError(template, data)).toBe(message);
  });

  it('skips items without the compared key when missing keys are allowed', () => {
    expect(run('{[?(@.z==1)].id}', points, true)).toBe('i2 i5');
  });

  it('keeps upstream quirk: an existence test passes when the left side fails past a field', () => {
    // The index error's partial result is the input, which is non-empty.
    expect(run('{.items[?(@.x[5])]}', { items: [{ x: [1] }, { y: 1 }] })).toBe('{"x":[1]}');
  });
});

const nodes = {
  kind: 'List',
  items: [
    {
      kind: 'None',
      metadata: { name: '127.0.0.1', labels: { 'kubernetes.io/hostname': '127.0.0.1' } },
      status: {
        capacity: { cpu: '4' },
        ready: true,
        addresses: [{ type: 'LegacyHostIP', address: '127.0.0.1' }],
      },
    },
    {
      kind: 'None',
      metadata: { name: '127.0.0.2', labels: { 'kubernetes.io/hostname': '127.0.0.2' } },
      status: {
        capacity: { cpu: '8' },
        ready: false,
        addresses: [
          { type: 'LegacyHostIP', address: '127.0.0.2' },
          { type: 'another', address: '127.0.0.3' },
        ],
      },
    },
  ],
  users: [
    { name: 'myself', user: {} },
    { name: 'e2e', user: { username: 'admin', password: 'secret' } },
  ],
};

describe('Kubernetes objects', () => {
  it.each<Case>([
    [
      'range items',
      '{range .items[*]}{.metadata.name}, {end}{.kind}',
      nodes,
      '127.0.0.1, 127.0.0.2, List',
    ],
    [
      'range with quoted tab',
      '{range .items[*]}{.metadata.name}{"\\t"}{end}',
      nodes,
      '127.0.0.1\t127.0.0.2\t',
    ],
    [
      'addresses',
      '{.items[*].status.addresses[*].address}',
      nodes,
      '127.0.0.1 127.0.0.2 127.0.0.3',
    ],
    [
      'double range',
      '{range .items[*]}{range .status.addresses[*]}{.address}, {end}{end}',
      nodes,
      '127.0.0.1, 127.0.0.2, 127.0.0.3, ',
    ],
    ['item names', '{.items[*].metadata.name}', nodes, '127.0.0.1 127.0.0.2'],
    [
      'union of dotted bracket keys',
      "{.items[*]['metadata.name', 'status.capacity']}",
      nodes,
      '127.0.0.1 127.0.0.2 {"cpu":"4"} {"cpu":"8"}',
    ],
    [
      'range mixing text',
      '{range .items[*]}[{.metadata.name}, {.status.capacity}] {end}',
      nodes,
      '[127.0.0.1, {"cpu":"4"}] [127.0.0.2, {"cpu":"8"}] ',
    ],
    ['user password', '{.users[?(@.name=="e2e")].user.password}', nodes, 'secret'],
    ['escaped dots', '{.items[0].metadata.labels.kubernetes\\.io/hostname}', nodes, '127.0.0.1'],
    [
      'escaped dots in a filter',
      '{.items[?(@.metadata.labels.kubernetes\\.io/hostname=="127.0.0.1")].kind}',
      nodes,
      'None',
    ],
    ['recursive inside a filter', '{.items[?(@..ready==true)].metadata.name}', nodes, '127.0.0.1'],
    ['recursive names', '{..name}', nodes, '127.0.0.1 127.0.0.2 myself e2e'],
    ['range over a single map', '{range .users[1].user}{.username}{end}', nodes, 'admin'],
  ])('%s: %s', (_name, template, data, expected) => {
    expect(run(template, data)).toBe(expected);
  });

  it('reads a bracket key as a dot path, as client-go does', () => {
    const obj = { metadata: { labels: { 'app.kubernetes.io/name': 'web' } } };
    expect(run("{.metadata.labels['app.kubernetes.io/name']}", obj, true)).toBe('');
    expect(run('{.metadata.labels.app\\.kubernetes\\.io/name}', obj)).toBe('web');
    expect(run("{.metadata.labels['app\\.kubernetes\\.io/name']}", obj)).toBe('web');
  });
});

describe('ranges', () => {
  const empty = { items: [] };
  it.each<Case>([
    ['empty range', '{range .items[*]}{.metadata.name}{end}', empty, ''],
    [
      'empty nested range',
      '{range .items[*]}{.metadata.name}{":"}{range @.spec.containers[*]}{.name}{","}{end}{"+"}{end}',
      empty,
      '',
    ],
    [
      'range over a filter',
      '{range .items[?(.status.phase=="Running")]}{.metadata.name}{" is Running\\n"}{end}',
      {
        kind: 'List',
        items: [
          { kind: 'Pod', metadata: { name: 'pod1' }, status: { phase: 'Running' } },
          { kind: 'Pod', metadata: { name: 'pod2' }, status: { phase: 'Running' } },
          { kind: 'Pod', metadata: { name: 'pod3' }, status: { phase: 'Running' } },
          { resourceVersion: '' },
        ],
      },
      'pod1 is Running\npod2 is Running\npod3 is Running\n',
    ],
    [
      'range without end repeats the rest at the top',
      '{range .a[*]}{.n}',
      { a: [{ n: 1 }, { n: 2 }] },
      '12',
    ],
  ])('with missing keys allowed, %s', (_name, template, data, expected) => {
    expect(run(template, data, true)).toBe(expected);
  });

  it('walks an empty range body on nothing, so missing keys fail unless allowed', () => {
    expect(executionError('{range .items[*]}{.metadata.name}{end}', empty)).toBe(
      'metadata is not found',
    );
  });

  const pods = {
    items: [
      {
        metadata: { name: 'pod1' },
        spec: {
          containers: [
            { name: 'foo', another: [{ name: 'value1' }, { name: 'value2' }] },
            { name: 'bar', another: [{ name: 'value1' }, { name: 'value2' }] },
          ],
        },
      },
      {
        metadata: { name: 'pod2' },
        spec: { containers: [{ name: 'baz', another: [{ name: 'value1' }, { name: 'value2' }] }] },
      },
    ],
  };

  it.each<Case>([
    [
      'nested range with trailing text',
      '{range .items[*]}{.metadata.name}{":"}{range @.spec.containers[*]}{.name}{","}{end}{"+"}{end}',
      pods,
      'pod1:foo,bar,+pod2:baz,+',
    ],
    [
      'three levels',
      '{range .items[*]}{.metadata.name}{"~"}{range @.spec.containers[*]}{.name}{":"}{range @.another[*]}{.name}{","}{end}{"+"}{end}{"#"}{end}',
      pods,
      'pod1~foo:value1,value2,+bar:value1,value2,+#pod2~baz:value1,value2,+#',
    ],
    [
      'two ranges at one level',
      '{range .items[*]}{.metadata.name}{"\\t"}{range @.spec.containers[*]}{.name}{" "}{end}{"\\t"}{range @.spec.containers[*]}{.name}{" "}{end}{"\\n"}{end}',
      pods,
      'pod1\tfoo bar \tfoo bar \npod2\tbaz \tbaz \n',
    ],
  ])('%s', (_name, template, data, expected) => {
    expect(run(template, data)).toBe(expected);
  });
});

describe('indexes, slices and steps', () => {
  const containers = {
    spec: {
      containers: ['fake0', 'fake1', 'fake2', 'fake3', 'fake4', 'fake5'].map((name) => ({ name })),
    },
  };
  const four = { spec: { containers: containers.spec.containers.slice(0, 4) } };

  it.each<Case>([
    ['[0]', '{.spec.containers[0].name}', four, 'fake0'],
    ['[0:0] is empty', '{.spec.containers[0:0].name}', four, ''],
    ['[0:-1]', '{.spec.containers[0:-1].name}', four, 'fake0 fake1 fake2'],
    ['[-1]', '{.spec.containers[-1].name}', four, 'fake3'],
    ['[-1:]', '{.spec.containers[-1:].name}', four, 'fake3'],
    ['[-2]', '{.spec.containers[-2].name}', four, 'fake2'],
    ['[-2:]', '{.spec.containers[-2:].name}', four, 'fake2 fake3'],
    ['[-4]', '{.spec.containers[-4].name}', four, 'fake0'],
    ['[-4:]', '{.spec.containers[-4:].name}', four, 'fake0 fake1 fake2 fake3'],
    ['[5:5] is empty', '{.spec.containers[5:5].name}', four, ''],
    ['[-5:-5] is empty', '{.spec.containers[-5:-5].name}', four, ''],
    ['[0:]', '{.spec.containers[0:].name}', containers, 'fake0 fake1 fake2 fake3 fake4 fake5'],
    ['[0:6:]', '{.spec.containers[0:6:].name}', containers, 'fake0 fake1 fake2 fake3 fake4 fake5'],
    [
      '[0:6:1]',
      '{.spec.containers[0:6:1].name}',
      containers,
      'fake0 fake1 fake2 fake3 fake4 fake5',
    ],
    ['[1:4:2]', '{.spec.containers[1:4:2].name}', containers, 'fake1 fake3'],
    ['[1:4:3]', '{.spec.containers[1:4:3].name}', containers, 'fake1'],
    ['[1:4:4]', '{.spec.containers[1:4:4].name}', containers, 'fake1'],
    ['[0:6:2]', '{.spec.containers[0:6:2].name}', containers, 'fake0 fake2 fake4'],
    ['[0:6:5]', '{.spec.containers[0:6:5].name}', containers, 'fake0 fake5'],
    ['[0:6:6]', '{.spec.containers[0:6:6].name}', containers, 'fake0'],
    ['[*] of a null list', '{.a[*]}', { a: null }, ''],
  ])('%s', (_name, template, data, expected) => {
    expect(run(template, data)).toBe(expected);
  });

  it.each<Case>([
    [
      '[-1:0]',
      '{.spec.containers[-1:0].name}',
      four,
      'starting index 3 is greater than ending index 0',
    ],
    ['[-5]', '{.spec.containers[-5].name}', four, 'array index out of bounds: index -1, length 4'],
    ['[4]', '{.spec.containers[4].name}', four, 'array index out of bounds: index 4, length 4'],
    ['[0:9]', '{.spec.containers[0:9].name}', four, 'array index out of bounds: index 8, length 4'],
    [
      '[3:1]',
      '{.spec.containers[3:1].name}',
      four,
      'starting index 3 is greater than ending index 1',
    ],
    [
      '[-1:-2]',
      '{.spec.containers[-1:-2].name}',
      four,
      'starting index 3 is greater than ending index 2',
    ],
    ['[0:6:0]', '{.spec.containers[0:6:0].name}', containers, 'step must be > 0'],
    ['[0:6:-1]', '{.spec.containers[0:6:-1].name}', containers, 'step must be > 0'],
    [
      '[-1] of an empty list',
      '{.a[-1]}',
      { a: [] },
      'array index out of bounds: index -1, length 0',
    ],
  ])('fails: %s', (_name, template, data, message) => {
    expect(executionError(template, data)).toBe(message);
  });
});

describe('printing', () => {
  it.each<Case>([
    ['null', '{.a}', { a: null }, '<nil>'],
    ['integer', '{.a}', { a: 123456789 }, '123456789'],
    ['float', '{.a}', { a: 0.5 }, '0.5'],
    ['large float', '{.a}', { a: 1234567.5 }, '1.2345675e+06'],
    ['small float', '{.a}', { a: 0.00001 }, '1e-05'],
    ['float beyond int64', '{.a}', { a: 1e20 }, '1e+20'],
    ['float literal', '{3.0} {1.5} {-2}', null, '3 1.5 -2'],
    ['booleans', '{true} {.a}', { a: false }, 'true false'],
    ['HTML-safe JSON', '{.a}', { a: { h: '<b>&\u2028' } }, '{"h":"\\u003cb\\u003e\\u0026\\u2028"}'],
    [
      'JSON keys in byte order',
      '{.a}',
      { a: { b: 1, B: 2, '10': 3, '9': 4 } },
      '{"10":3,"9":4,"B":2,"b":1}',
    ],
    ['nested JSON', '{.a}', { a: [{ x: null }, [], {}] }, '[{"x":null},[],{}]'],
    ['bytes of a string', '{.s.*}', { s: 'ab' }, '97 98'],
    [
      'recursion lists non-empty strings',
      '{..}',
      { a: 'xy', b: '', c: 1 },
      '{"a":"xy","b":"","c":1} xy',
    ],
    ['strings raw', '{.s}', { s: 'a "b"\n' }, 'a "b"\n'],
    ['escape sequences', '{"\\x41\\u00e9"}', null, 'Aé'],
  ])('%s: %s', (_name, template, data, expected) => {
    expect(run(template, data)).toBe(expected);
  });

  it.each<[number, string]>([
    [0, '0'],
    [1, '1'],
    [0.1, '0.1'],
    [123456.5, '123456.5'],
    [1e6, '1e+06'],
    [1.5e-5, '1.5e-05'],
    [0.0001, '0.0001'],
    [1e100, '1e+100'],
    [-2.5e-7, '-2.5e-07'],
    [Number.POSITIVE_INFINITY, '+Inf'],
    [Number.NaN, 'NaN'],
  ])('goFloat(%d) → %j', (input, expected) => {
    expect(goFloat(input)).toBe(expected);
  });

  it('marshals like Go', () => {
    expect(goJson({ z: [1, 'x'], a: { '>': true } })).toBe('{"a":{"\\u003e":true},"z":[1,"x"]}');
  });
});

describe('findResults', () => {
  it('returns one list per text or action, and per range iteration', () => {
    const program = compileJsonPath('{.a} x {.b[*]}');
    expect(program.findResults({ a: 1, b: [2, 3] })).toEqual([[1], [' x '], [2, 3]]);
    expect(compileJsonPath('{range .b[*]}{@}{","}{end}').findResults({ b: [{ c: 1 }, 2] })).toEqual(
      [[{ c: 1 }], [','], [2], [',']],
    );
  });

  it('returns plain numbers for Go-typed values', () => {
    expect(compileJsonPath('{1.0}{.s.*}').findResults({ s: 'A' })).toEqual([[1], [65]]);
  });

  it('returns the same values as stored, not copies', () => {
    const inner = { x: 1 };
    expect(compileJsonPath('{.a}').findResults({ a: inner })[0]?.[0]).toBe(inner);
  });

  it('throws typed errors', () => {
    expect(() => compileJsonPath('{.a').findResults({})).toThrow(JsonPathSyntaxError);
    expect(() => compileJsonPath('{.a}').findResults({})).toThrow(JsonPathExecutionError);
    expect(isJsonPathError(new JsonPathSyntaxError('x'))).toBe(true);
    expect(isJsonPathError(new Error('x'))).toBe(false);
  });

  it('handles deep data without overflowing the stack', () => {
    let deep: unknown = { leaf: 'x' };
    for (let i = 0; i < 20_000; i++) deep = { n: deep };
    expect(compileJsonPath('{..leaf}').execute(deep)).toBe('x');
  });
});

describe('printer column paths', () => {
  const obj = {
    metadata: { name: 'x', creationTimestamp: '2024-01-01T00:00:00Z' },
    status: { phase: 'Ready', conditions: [{ type: 'Ready', status: 'True' }] },
  };

  it.each<[string, unknown, unknown[][]]>([
    ['.status.phase', obj, [['Ready']]],
    [".status.conditions[?(@.type=='Ready')].status", obj, [['True']]],
    ['.metadata.creationTimestamp', obj, [['2024-01-01T00:00:00Z']]],
    ['.spec.replicas', obj, [[]]],
    ['.status.conditions[*].type', { status: {} }, [[]]],
  ])('%s', (path, data, expected) => {
    expect(printerColumnPath(path).findResults(data)).toEqual(expected);
  });

  it('allows missing keys unless told otherwise', () => {
    expect(printerColumnPath('.spec.x').execute(obj)).toBe('');
    expect(() =>
      printerColumnPath('.spec.x').findResults(obj, { allowMissingKeys: false }),
    ).toThrow('spec is not found');
  });

  it('reports unparsable paths as upstream does', () => {
    let caught: unknown;
    try {
      printerColumnPath('.spec[');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(JsonPathSyntaxError);
    expect((caught as Error).message).toBe('unrecognized column definition ".spec["');
    expect(((caught as Error).cause as Error).message).toBe('unterminated array');
  });

  it.each<[string, string | undefined]>([
    ['.status.phase', undefined],
    ['.', undefined],
    ['.spec[', undefined],
    ['', 'must not be empty'],
    ['status.phase', 'must be a simple json path starting with .'],
    ['{.status}', 'must be a simple json path starting with .'],
    ['$.status', 'must be a simple json path starting with .'],
  ])('validatePrinterColumnPath(%j) → %j', (path, expected) => {
    expect(validatePrinterColumnPath(path)).toBe(expected);
  });
});
