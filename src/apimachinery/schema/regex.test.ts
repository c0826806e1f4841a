import { describe, expect, it } from 'vitest';
import { compileGoRegex, goRegexError, goReplaceAll } from './regex.ts';

const test = (pattern: string, s: string) => compileGoRegex(pattern).regexp.test(s);

describe('Go regular expressions', () => {
  const matches: [string, string, boolean][] = [
    ['^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', 'my-name', true],
    ['^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', '-bad', false],
    ['(?i)^abc$', 'AbC', true],
    ['^a(?i)b$', 'aB', true],
    ['^a(?i)b$', 'AB', false],
    ['^a.c$', 'a\nc', false],
    ['(?s)^a.c$', 'a\nc', true],
    ['^a\\z', 'a', true],
    ['\\Aab', 'ab', true],
    ['^\\Qa.b\\E$', 'a.b', true],
    ['^\\Qa.b\\E$', 'axb', false],
    ['^[[:alpha:]]+$', 'abcXYZ', true],
    ['^[[:digit:]]+$', '12a', false],
    ['^\\s$', '\u00a0', false],
    ['^\\s$', ' ', true],
    ['^a\\-b$', 'a-b', true],
    ['^[\\-a]+$', '-a-', true],
    ['^\\pL+$', 'äbc', true],
    ['^\\p{Greek}+$', 'αβγ', true],
    ['^(?P<word>\\w+)$', 'hi', true],
    ['^x{2,3}$', 'xxxx', false],
    ['^x{2,}$', 'xxxx', true],
    ['^[0-9]+(Mi|Gi)$', '10Gi', true],
    ['b', 'abc', true],
    ['^(?i:ab)c$', 'ABc', true],
    ['^(?i:ab)c$', 'ABC', false],
    ['^(?s:.)$', '\n', true],
    ['^(?U)a+', 'aaa', true],
  ];
  for (const [pattern, s, want] of matches) {
    it(`${pattern} ${want ? 'matches' : 'does not match'} ${JSON.stringify(s)}`, () => {
      expect(test(pattern, s)).toBe(want);
    });
  }

  it('rejects what RE2 rejects, in Go words', () => {
    expect(goRegexError('(a)\\1')).toBe('error parsing regexp: invalid escape sequence: `\\1`');
    expect(goRegexError('(?=a)')).toBe(
      'error parsing regexp: invalid or unsupported Perl syntax: `(?=`',
    );
    expect(goRegexError('(?<!a)b')).toBe(
      'error parsing regexp: invalid or unsupported Perl syntax: `(?<!`',
    );
    expect(goRegexError('a{1001}')).toBe('error parsing regexp: invalid repeat count: `{1001}`');
    expect(goRegexError('(abc')).toBe('error parsing regexp: missing closing ): `(abc`');
    expect(goRegexError('[a')).toBe('error parsing regexp: missing closing ]: `[a`');
    expect(goRegexError('^ok$')).toBeUndefined();
  });

  it('runs nested quantifiers on the linear-time engine', () => {
    // V8 accepts its `l` flag only for a regexp its automaton runs in time linear in the
    // input, so the flag is the guarantee; a backtracking engine would need about 2^80
    // steps for these inputs and never answer. Speed: `npm run bench -- parsers`.
    for (const pattern of ['^(a+)+$', '^([a-z]{1,10}){1,10}$', '^(?i)(a|aa)+$', '^.{1,63}$']) {
      const c = compileGoRegex(pattern);
      expect((c.regexp as RegExp).flags).toContain('l');
      expect(c.regexp.test(`${'a'.repeat(80)}!`)).toBe(false);
    }
  });

  it('honours ungreedy mode', () => {
    expect(compileGoRegex('(?U)a+').regexp.exec('aaa')?.[0]).toBe('a');
    expect(compileGoRegex('(?U)a+?').regexp.exec('aaa')?.[0]).toBe('aaa');
  });

  it('caches compiled patterns', () => {
    expect(compileGoRegex('^cached$')).toBe(compileGoRegex('^cached$'));
  });
});

describe('Go regular expressions V8 cannot run in linear time', () => {
  // Each would backtrack for minutes over these values on V8's own engine (a tenant's CRD
  // pattern pinning the server): Unicode classes, which V8's linear engine lacks, and
  // repetitions too large to unroll (MAX_UNROLLED_LENGTH). They run on RE2.
  it.each(['^(\\pL+)+$', '^(\\p{Latin}|a)+$', '^([a-z]{1,10}){1,100}$'])(
    'runs %s in linear time',
    (pattern) => {
      const c = compileGoRegex(pattern);
      expect(c.regexp.test('aaa')).toBe(true);
      expect(c.regexp.test(`${'a'.repeat(80)}!`)).toBe(false);
      expect(c.regexp.exec('aaa')?.[0]).toBe('aaa');
    },
  );

  it('refuses the repetitions Go refuses, in its words', () => {
    expect(goRegexError('^([a-z]{1,100}){1,100}$')).toBe(
      'error parsing regexp: invalid repeat count: `{1,100}`',
    );
    expect(goRegexError('^((a{1,1000}){1,1000}){1,1000}$')).toMatch(/^error parsing regexp: /);
  });

  it('finds and replaces every match with Unicode classes', () => {
    expect(goReplaceAll('héllo wörld', '\\pL+', '<$0>')).toBe('<héllo> <wörld>');
    expect(goReplaceAll('héllo wörld', '(\\pL)\\pL*', '$1')).toBe('h w');
    expect(compileGoRegex('\\p{Greek}+').global.findAll('α β γ')).toEqual(['α', 'β', 'γ']);
  });
});

describe('Go replacement (Regexp.ReplaceAllString)', () => {
  it('replaces every match, expanding numbered and named groups', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Go's ${n} group references
    expect(goReplaceAll('a-b c-d', '(\\w)-(\\w)', '${2}$1')).toBe('ba dc');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Go's ${name} group reference
    expect(goReplaceAll('team-a', '(?P<prefix>\\w+)-(?P<id>\\w)', '${id}.${prefix}')).toBe(
      'a.team',
    );
    expect(goReplaceAll('x1y22', '\\d', '#')).toBe('x#y##');
  });

  it('reads the pattern as Go does: flags, \\z, ASCII \\s', () => {
    expect(goReplaceAll('ABC abc', '(?i)b', '_')).toBe('A_C a_c');
    expect(goReplaceAll('end\n', 'd\\z', 'D')).toBe('end\n');
    expect(goReplaceAll('a\u00a0b c', '\\s', '_')).toBe('a\u00a0b_c');
  });

  it("reports an invalid pattern in Go's words", () => {
    expect(() => goReplaceAll('x', '(a', 'b')).toThrow(/error parsing regexp/);
  });
});
