import { describe, expect, it } from 'vitest';
import { negotiateObject } from './negotiation.ts';

describe('negotiateObject', () => {
  it.each([
    [undefined, { kind: 'object', yaml: false }],
    ['application/yaml', { kind: 'object', yaml: true }],
    ['application/yaml;q=0.5, application/json', { kind: 'object', yaml: false }],
    ['application/json;as=Table;g=meta.k8s.io;v=v1', { kind: 'table', version: 'v1' }],
    ['application/json;as=Table;g=meta.k8s.io;v=v2', undefined],
    ['text/plain', undefined],
  ])('serves %s as %o', (accept, representation) => {
    expect(negotiateObject(accept)).toEqual(representation);
  });

  it.each([
    ['application/yaml', undefined],
    ['application/yaml, application/json', { kind: 'object', yaml: false }],
    ['application/yaml, */*', { kind: 'object', yaml: false }],
    [
      'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1',
      { kind: 'partial', version: 'v1', list: false },
    ],
  ])('streams a watch asked for as %s as %o (never YAML)', (accept, representation) => {
    expect(negotiateObject(accept, true)).toEqual(representation);
  });
});
