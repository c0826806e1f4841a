import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../meta.ts';
import {
  comparePathElements,
  FieldSet,
  fieldElement as f,
  indexElement as i,
  keyElement as k,
  type PathElement,
  parsePathElement,
  pathString,
  serializePathElement,
  valueElement as v,
} from './fieldpath.ts';

describe('path elements', () => {
  it.each<[PathElement, string, string]>([
    [f('spec'), 'f:spec', '.spec'],
    [k({ name: 'c1' }), 'k:{"name":"c1"}', '[name="c1"]'],
    [
      k({ protocol: 'TCP', containerPort: 80 }),
      'k:{"containerPort":80,"protocol":"TCP"}',
      '[containerPort=80,protocol="TCP"]',
    ],
    [v('x'), 'v:"x"', '[="x"]'],
    [v(1.5), 'v:1.5', '[=1.5]'],
    [v(true), 'v:true', '[=true]'],
    [i(3), 'i:3', '[3]'],
    [k({ name: 'a<b&"c"' }), 'k:{"name":"a\\u003cb\\u0026\\"c\\""}', '[name="a<b&\\"c\\""]'],
  ])('%j serializes as %s and prints as %s', (pe, serialized, printed) => {
    expect(serializePathElement(pe)).toBe(serialized);
    expect(pathString([pe])).toBe(printed);
    expect(parsePathElement(serialized)).toEqual(pe);
  });

  it('skips unknown element kinds and rejects malformed ones', () => {
    expect(parsePathElement('z:whatever')).toBeUndefined();
    expect(() => parsePathElement('f')).toThrow();
    expect(() => parsePathElement('fx')).toThrow('missing colon');
    expect(() => parsePathElement('i:x')).toThrow();
    expect(() => parsePathElement('k:[1]')).toThrow();
  });

  it('orders fields, then keys, then values, then indexes', () => {
    const sorted = [
      i(0),
      v(null),
      v({ a: 1 }),
      v([1]),
      v(true),
      v('a'),
      v(2),
      k({ a: 'b' }),
      f('z'),
      f('a'),
    ]
      .sort(comparePathElements)
      .map(serializePathElement);
    expect(sorted).toEqual([
      'f:a',
      'f:z',
      'k:{"a":"b"}',
      'v:2',
      'v:"a"',
      'v:true',
      'v:[1]',
      'v:{"a":1}',
      'v:null',
      'i:0',
    ]);
  });

  it('prints whole paths as upstream does', () => {
    expect(pathString([f('spec'), f('containers'), k({ name: 'c1' }), f('image')])).toBe(
      '.spec.containers[name="c1"].image',
    );
    expect(pathString([f('metadata'), f('finalizers'), v('x')])).toBe('.metadata.finalizers[="x"]');
  });
});

describe('FieldSet', () => {
  const containers = [f('spec'), f('containers')];
  const c1 = [...containers, k({ name: 'c1' })];
  const set = FieldSet.of(
    [f('spec'), f('replicas')],
    c1,
    [...c1, f('name')],
    [...c1, f('image')],
    [f('metadata'), f('labels'), f('app')],
    [f('metadata'), f('finalizers'), v('b')],
    [f('metadata'), f('finalizers'), v('a')],
    [f('data')],
  );

  const fieldsV1: JsonObject = {
    'f:data': {},
    'f:metadata': {
      'f:finalizers': { 'v:"a"': {}, 'v:"b"': {} },
      'f:labels': { 'f:app': {} },
    },
    'f:spec': {
      'f:containers': { 'k:{"name":"c1"}': { '.': {}, 'f:image': {}, 'f:name': {} } },
      'f:replicas': {},
    },
  };

  it('serializes to FieldsV1 with sorted members and "." for nodes that are members too', () => {
    const out = set.toFieldsV1();
    expect(out).toEqual(fieldsV1);
    expect(JSON.stringify(out)).toBe(JSON.stringify(fieldsV1));
  });

  it('reads FieldsV1 back', () => {
    expect(FieldSet.fromFieldsV1(fieldsV1).equals(set)).toBe(true);
    expect(FieldSet.fromFieldsV1({ 'f:a': { 'x:future': {} } }).has([f('a')])).toBe(true);
    expect(FieldSet.fromFieldsV1(undefined).isEmpty()).toBe(true);
    expect(() => FieldSet.fromFieldsV1({ 'f:a': 1 })).toThrow();
  });

  it('iterates members before subtrees, in element order', () => {
    expect(set.paths().map(pathString)).toEqual([
      '.data',
      '.metadata.finalizers[="a"]',
      '.metadata.finalizers[="b"]',
      '.metadata.labels.app',
      '.spec.replicas',
      '.spec.containers[name="c1"]',
      '.spec.containers[name="c1"].image',
      '.spec.containers[name="c1"].name',
    ]);
    expect(set.size).toBe(8);
  });

  it('answers membership', () => {
    expect(set.has(c1)).toBe(true);
    expect(set.has(containers)).toBe(false);
    expect(set.has([])).toBe(false);
  });

  it('computes union, intersection and differences', () => {
    const a = FieldSet.of([f('a'), f('x')], [f('a'), f('y')], [f('b')]);
    const b = FieldSet.of([f('a'), f('y')], [f('c')], [f('a')]);
    expect(a.union(b).paths().map(pathString)).toEqual(['.a', '.b', '.c', '.a.x', '.a.y']);
    expect(a.intersection(b).paths().map(pathString)).toEqual(['.a.y']);
    expect(a.difference(b).paths().map(pathString)).toEqual(['.b', '.a.x']);
    expect(a.recursiveDifference(b).paths().map(pathString)).toEqual(['.b']);
    expect(a.difference(a).isEmpty()).toBe(true);
  });
});
