import { describe, expect, it } from 'vitest';
import { decodeYamlOffThread, YamlError, yamlToJson } from './yaml-decode.ts';

describe('yamlToJson', () => {
  it('turns one document into JSON text, and refuses what JSON cannot hold', () => {
    expect(yamlToJson('a: 1\nb: [x, y]')).toBe('{"a":1,"b":["x","y"]}');
    expect(yamlToJson('')).toBe('null');
    expect(() => yamlToJson('a: 1\n---\nb: 2')).toThrow(YamlError);
    expect(() => yamlToJson('&a [*a]')).toThrow(YamlError);
    expect(() => yamlToJson('&a {x: *a}')).toThrow(YamlError);
  });

  it('keeps the last of repeated keys, as a JSON body would', () => {
    expect(yamlToJson('a: 1\na: 2')).toBe('{"a":2}');
  });

  it('bounds nesting as JSON is bounded, and what aliases may expand to', () => {
    expect(yamlToJson(`${'['.repeat(1000)}${']'.repeat(1000)}`)).toHaveLength(2000);
    expect(() => yamlToJson('['.repeat(1001))).toThrow(/maxDepth/);
    expect(() => yamlToJson(`${'- '.repeat(1001)}x`)).toThrow(/maxDepth/);
    const laughs = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++) {
      const prev = String.fromCharCode(96 + i);
      const next = String.fromCharCode(97 + i);
      laughs.push(`${next}: &${next} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    expect(() => yamlToJson(laughs.join('\n'))).toThrow(/expand to more than/);
  });
});

describe('decodeYamlOffThread', () => {
  it('decodes on a worker, one body after another, and goes on after a failure', async () => {
    const results = await Promise.allSettled([
      decodeYamlOffThread('a: 1'),
      decodeYamlOffThread('a: [1'),
      decodeYamlOffThread('b: 2'),
    ]);
    expect(results[0]).toEqual({ status: 'fulfilled', value: '{"a":1}' });
    expect(results[1]).toMatchObject({ status: 'rejected', reason: expect.any(YamlError) });
    expect(results[2]).toEqual({ status: 'fulfilled', value: '{"b":2}' });
  });
});
