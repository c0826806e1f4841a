import { describe, expect, it } from 'vitest';
import {
  escapeFieldValue,
  fieldSelectorFromSet,
  parseFieldSelector,
  unescapeFieldValue,
} from './fields.ts';
import { StatusError } from './status.ts';

function errorOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw new Error(`expected a StatusError, got ${String(err)}`);
  }
  throw new Error('expected an error');
}

describe('parseFieldSelector: requirements and text form', () => {
  it.each<[string, string, { field: string; operator: '=' | '!='; value: string }[]]>([
    ['', '', []],
    [',', '', []],
    ['=', '', []],
    ['!=,==', '', []],
    ['a=b', 'a=b', [{ field: 'a', operator: '=', value: 'b' }]],
    ['a==b', 'a=b', [{ field: 'a', operator: '=', value: 'b' }]],
    ['a!=b', 'a!=b', [{ field: 'a', operator: '!=', value: 'b' }]],
    ['a=', 'a=', [{ field: 'a', operator: '=', value: '' }]],
    ['=b', '=b', [{ field: '', operator: '=', value: 'b' }]],
    [
      'metadata.name=x,spec.nodeName!=',
      'metadata.name=x,spec.nodeName!=',
      [
        { field: 'metadata.name', operator: '=', value: 'x' },
        { field: 'spec.nodeName', operator: '!=', value: '' },
      ],
    ],
    // Terms are sorted before parsing, so the text form is in term order.
    [
      'z=1,a=2,m!=3',
      'a=2,m!=3,z=1',
      [
        { field: 'a', operator: '=', value: '2' },
        { field: 'm', operator: '!=', value: '3' },
        { field: 'z', operator: '=', value: '1' },
      ],
    ],
    [
      'a=b,,c=d',
      'a=b,c=d',
      [
        { field: 'a', operator: '=', value: 'b' },
        { field: 'c', operator: '=', value: 'd' },
      ],
    ],
    ['a=b\\,c', 'a=b\\,c', [{ field: 'a', operator: '=', value: 'b,c' }]],
    ['a=b\\=c', 'a=b\\=c', [{ field: 'a', operator: '=', value: 'b=c' }]],
    ['a=b\\\\c', 'a=b\\\\c', [{ field: 'a', operator: '=', value: 'b\\c' }]],
    ['a=\\\\', 'a=\\\\', [{ field: 'a', operator: '=', value: '\\' }]],
    // `!` is ordinary data in a value, and the first operator splits the term.
    ['a=b!c', 'a=b!c', [{ field: 'a', operator: '=', value: 'b!c' }]],
    ['a=!b', 'a=!b', [{ field: 'a', operator: '=', value: '!b' }]],
    ['a!b=c', 'a!b=c', [{ field: 'a!b', operator: '=', value: 'c' }]],
    // No trimming: spaces belong to the field and the value.
    [' a = b ', ' a = b ', [{ field: ' a ', operator: '=', value: ' b ' }]],
    ['a=é😀', 'a=é😀', [{ field: 'a', operator: '=', value: 'é😀' }]],
  ])('%j', (input, text, requirements) => {
    const sel = parseFieldSelector(input);
    expect(sel.toString()).toBe(text);
    expect(sel.requirements).toEqual(requirements);
    expect(sel.empty).toBe(requirements.length === 0);
  });
});

describe('parseFieldSelector: matching', () => {
  const fields = { 'metadata.name': 'web', 'metadata.namespace': 'default', 'spec.x': '' };
  it.each<[string, boolean]>([
    ['', true],
    ['metadata.name=web', true],
    ['metadata.name==web', true],
    ['metadata.name=db', false],
    ['metadata.name!=db', true],
    ['metadata.name!=web', false],
    ['metadata.name=web,metadata.namespace=default', true],
    ['metadata.name=web,metadata.namespace!=default', false],
    // A missing field reads as "".
    ['status.phase=', true],
    ['status.phase!=', false],
    ['status.phase=Running', false],
    ['status.phase!=Running', true],
    ['spec.x=', true],
    ['constructor=', true],
    ['toString!=', false],
  ])('%j → %j', (selector, expected) => {
    expect(parseFieldSelector(selector).matches(fields)).toBe(expected);
  });

  it('reports exact matches', () => {
    const sel = parseFieldSelector('metadata.name=a,spec.x!=b');
    expect(sel.requiresExactMatch('metadata.name')).toBe('a');
    expect(sel.requiresExactMatch('spec.x')).toBeUndefined();
  });
});

describe('parseFieldSelector: errors', () => {
  it.each<[string, string]>([
    ['a', "invalid selector: 'a'; can't understand 'a'"],
    ['x=1,b', "invalid selector: 'x=1,b'; can't understand 'b'"],
    ['a=b=c', 'invalid field selector: unescaped character in value: 61'],
    ['a==b=', 'invalid field selector: unescaped character in value: 61'],
    // `==` is tried before `=`, leaving a bare `=` at the start of the value.
    ['a===b', 'invalid field selector: unescaped character in value: 61'],
    ['a=b\\', 'invalid field selector: invalid escape sequence: \\'],
    ['a=b\\n', 'invalid field selector: invalid escape sequence: \\n'],
    ['a=\\😀', 'invalid field selector: invalid escape sequence: \\😀'],
    // Sorting puts 'a' before 'b=c=d': the term without an operator is reported first.
    ['b=c=d,a', "invalid selector: 'b=c=d,a'; can't understand 'a'"],
  ])('%j', (selector, message) => {
    const err = errorOf(() => parseFieldSelector(selector));
    expect(err.status.code).toBe(400);
    expect(err.status.reason).toBe('BadRequest');
    expect(err.message).toBe(message);
  });

  // Linearity is measured by `npm run bench -- parsers`.
  it('parses and refuses large inputs', () => {
    expect(parseFieldSelector(`${'a=b,'.repeat(25_000)}c=d`).requirements).toHaveLength(25_001);
    expect(() => parseFieldSelector('\\'.repeat(100_001))).toThrow(StatusError);
    expect(() => parseFieldSelector('x'.repeat(100_000))).toThrow(StatusError);
  });
});

describe('escaping', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', 'a\\,b'],
    ['a=b', 'a\\=b'],
    ['a\\b', 'a\\\\b'],
    ['\\,=', '\\\\\\,\\='],
  ])('%j ⇄ %j', (raw, escaped) => {
    expect(escapeFieldValue(raw)).toBe(escaped);
    expect(unescapeFieldValue(escaped)).toBe(raw);
  });
});

describe('fieldSelectorFromSet', () => {
  it('requires every pair', () => {
    const sel = fieldSelectorFromSet({ 'spec.b': 'x,y', 'spec.a': '1' });
    expect(sel.toString()).toBe('spec.a=1,spec.b=x\\,y');
    expect(sel.matches({ 'spec.a': '1', 'spec.b': 'x,y' })).toBe(true);
    expect(sel.matches({ 'spec.a': '1' })).toBe(false);
  });
});
