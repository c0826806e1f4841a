import fc from 'fast-check';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { JsonValue } from './meta.ts';
import { toYaml } from './yaml.ts';

/** Read back as YAML 1.1 (the rules of go-yaml v2 and PyYAML) and as YAML 1.2. */
const readBack = (text: string) => ({
  yaml11: parse(text, { version: '1.1', uniqueKeys: false }) as unknown,
  yaml12: load(text) as unknown,
});

const TRICKY = [
  'y',
  'Y',
  'n',
  'N',
  'yes',
  'Yes',
  'NO',
  'on',
  'OFF',
  'true',
  'False',
  'null',
  'Null',
  '~',
  '',
  '1_000',
  '1000',
  '0o17',
  '017',
  '0x1F',
  '0b101',
  '+1',
  '-1',
  '1e3',
  '1.5',
  '.5',
  '.inf',
  '-.INF',
  '.nan',
  '1:20',
  '190:20:30',
  '2024-01-01',
  '2001-12-14t21:59:43.10-05:00',
  '2001-12-14 21:59:43.10 -5',
  '<<',
  '=',
  '- a',
  '? a',
  ': a',
  'a: b',
  'a:',
  'a #b',
  '#a',
  '@a',
  '`a',
  '!a',
  '&a',
  '*a',
  '|a',
  '>a',
  '%a',
  '[a',
  '{a',
  "'a",
  '"a',
  ' a',
  'a ',
  'a\nb',
  'a\n',
  'a\n\n',
  '\na',
  '\n  a',
  '  a\nb',
  'a\n  b\n',
  '\ta',
  'a\tb',
  'a\tb\nc',
  '-',
  '?',
  ':',
  '0',
  '-0',
  '---',
  '...',
  '...a',
  '\u00a0a',
  'a\u2028b',
  'a\u2029b',
  '\u0085x',
  'a\u0000b',
  'a\u007fb',
  '\ufeffx',
  'é',
  '😀',
  '\ud800',
  'a\rb',
  'C:\\path',
  'nginx:1.25',
  '10Gi',
  '500m',
  'v1.2.3',
  'http://x/y?z#w',
  'a,b',
  '[]',
  '{}',
];

describe('toYaml', () => {
  it('writes every tricky string so that YAML 1.1 and 1.2 read it back as the same string', () => {
    for (const s of TRICKY) {
      const text = toYaml({ k: s, [s]: 'as a key', list: [s] });
      const want = { k: s, [s]: 'as a key', list: [s] };
      const got = readBack(text);
      expect(got.yaml11, `${JSON.stringify(s)}:\n${text}`).toEqual(want);
      expect(got.yaml12, `${JSON.stringify(s)}:\n${text}`).toEqual(want);
    }
  });

  it('writes plain what is unambiguous, and lays out as go-yaml v2 does', () => {
    expect(
      toYaml({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'x', labels: { app: 'web' }, finalizers: ['a/b'] },
        data: { quantity: '10Gi', image: 'nginx:1.25', answer: 'yes', script: 'echo a\necho b\n' },
        empty: {},
        none: [],
        items: [{ a: 1, b: [true, null] }, [1.5, 1e21]],
      }),
    ).toBe(
      [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: x',
        '  labels:',
        '    app: web',
        '  finalizers:',
        '  - a/b',
        'data:',
        '  quantity: 10Gi',
        '  image: nginx:1.25',
        '  answer: "yes"',
        '  script: |',
        '    echo a',
        '    echo b',
        'empty: {}',
        'none: []',
        'items:',
        '- a: 1',
        '  b:',
        '  - true',
        '  - null',
        '- - 1.5',
        '  - 1.0e+21',
        '',
      ].join('\n'),
    );
  });

  it('round-trips any JSON value through YAML 1.1 and 1.2 readers', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        // JSON has no -0; YAML readers differ on it.
        const json = JSON.parse(JSON.stringify(value)) as JsonValue;
        const text = toYaml(json);
        const got = readBack(text);
        expect(got.yaml12).toEqual(json);
        expect(got.yaml11).toEqual(json);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips any string, printable or not', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        const got = readBack(toYaml({ k: s, [s]: 1 }));
        expect(got.yaml12).toEqual({ k: s, [s]: 1 });
        expect(got.yaml11).toEqual({ k: s, [s]: 1 });
      }),
      { numRuns: 1000 },
    );
  });
});
