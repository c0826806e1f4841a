import { describe, expect, it } from 'vitest';
import { duplicateFields } from './json-duplicates.ts';

describe('duplicateFields', () => {
  it.each([
    ['{"a":1,"b":2}', []],
    ['{"a":1,"a":2}', ['a']],
    ['{"spec":{"replicas":1,"replicas":2}}', ['spec.replicas']],
    ['{"items":[{"x":1},{"x":1,"x":2}]}', ['items[1].x']],
    ['{"a":"has \\"quotes\\" and , commas","a":2}', ['a']],
    ['{"a":{"b":1},"c":{"b":2}}', []],
    ['{"k\\u0041":1,"kA":2}', ['kA']],
    ['[{"a":1,"a":1}]', ['[0].a']],
  ])('%s', (text, expected) => {
    expect(duplicateFields(text)).toEqual(expected);
  });
});
