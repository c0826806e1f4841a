import { describe, expect, it } from 'vitest';
import {
  goQuote,
  isQualifiedName,
  isValidLabelValue,
  labelSelectorFromObject,
  labelSelectorFromSet,
  nothing,
  parseLabelSelector,
} from './labels.ts';
import type { LabelSelector } from './meta.ts';
import { StatusError } from './status.ts';

const QNAME_REGEX =
  "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const NAME_PART = `name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character ${QNAME_REGEX}`;
const VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const PREFIX_MSG =
  "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

function errorOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw new Error(`expected a StatusError, got ${String(err)}`);
  }
  throw new Error('expected an error');
}

describe('isQualifiedName', () => {
  it.each<[string, string[]]>([
    ['app', []],
    ['a', []],
    ['app.kubernetes.io/name', []],
    ['example.com/My_Name-1.x', []],
    ['1', []],
    [`${'a'.repeat(253)}/${'b'.repeat(63)}`, []],
    ['', ['name part must be non-empty', NAME_PART]],
    ['-a', [NAME_PART]],
    ['a-', [NAME_PART]],
    ['a b', [NAME_PART]],
    ['/a', ['prefix part must be non-empty']],
    ['a/', ['name part must be non-empty', NAME_PART]],
    ['Example.com/a', [PREFIX_MSG]],
    ['app.kubernetes_io/name', [PREFIX_MSG]],
    [`${'a'.repeat(254)}/b`, ['prefix part must be no more than 253 characters']],
    ['a'.repeat(64), ['name part must be no more than 63 characters']],
    [
      'a/b/c',
      [
        `a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character ${QNAME_REGEX} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
      ],
    ],
    // Upstream counts bytes: 32 two-byte characters exceed 63.
    ['é'.repeat(32), ['name part must be no more than 63 characters', NAME_PART]],
  ])('%j', (input, expected) => {
    expect(isQualifiedName(input)).toEqual(expected);
  });
});

describe('isValidLabelValue', () => {
  it.each<[string, string[]]>([
    ['', []],
    ['v', []],
    ['My_Value-1.2', []],
    ['a'.repeat(63), []],
    ['a'.repeat(64), ['must be no more than 63 characters']],
    ['-x', [VALUE_MSG]],
    ['x_', [VALUE_MSG]],
    ['a/b', [VALUE_MSG]],
    [`-${'a'.repeat(63)}`, ['must be no more than 63 characters', VALUE_MSG]],
  ])('%j', (input, expected) => {
    expect(isValidLabelValue(input)).toEqual(expected);
  });
});

describe('goQuote', () => {
  it.each([
    ['plain', '"plain"'],
    ['a"b\\c', '"a\\"b\\\\c"'],
    ['\n\t\x07\x00\x7f', '"\\n\\t\\a\\x00\\x7f"'],
    ['é€😀', '"é€😀"'],
    ['\u00a0\u200b', '"\\u00a0\\u200b"'],
  ])('%j', (input, expected) => {
    expect(goQuote(input)).toBe(expected);
  });
});

describe('parseLabelSelector: canonical form and requirements', () => {
  it.each<[string, string]>([
    ['', ''],
    ['   ', ''],
    ['x=a', 'x=a'],
    ['x==a', 'x==a'],
    ['x!=a', 'x!=a'],
    ['x=', 'x='],
    ['x=,z= ', 'x=,z='],
    ['x= ,z= ', 'x=,z='],
    ['x in (a)', 'x in (a)'],
    ['x in (b,a)', 'x in (a,b)'],
    ['x in (a,a,b)', 'x in (a,b)'],
    ['x notin (a, b)', 'x notin (a,b)'],
    ['x in ()', 'x in ()'],
    ['x in (,a)', 'x in (,a)'],
    ['x in (a,)', 'x in (,a)'],
    ['x in (a,,b)', 'x in (,a,b)'],
    ['x', 'x'],
    ['!x', '!x'],
    ['  !  x  ', '!x'],
    ['x>1', 'x>1'],
    ['x<10', 'x<10'],
    ['z=b,a=c,m', 'a=c,m,z=b'],
    ['a=b,a!=c', 'a=b,a!=c'],
    ['x\t=\ta', 'x=a'],
    ['x\n=\na\r,y', 'x=a,y'],
    ['in in (in,notin)', 'in in (in,notin)'],
    ['notin notin (notin)', 'notin notin (notin)'],
    ['x in (notin)', 'x in (notin)'],
    ['example.com/a-b_c.d=V_1', 'example.com/a-b_c.d=V_1'],
  ])('%j → %j', (input, expected) => {
    expect(parseLabelSelector(input).toString()).toBe(expected);
  });

  it('exposes requirements sorted by key with upstream operator names', () => {
    const sel = parseLabelSelector('z notin (b,a),!y,x,w>3,v<4,u==1,t!=2,s=3,r in (q)');
    expect(sel.empty).toBe(false);
    expect(sel.requirements).toEqual([
      { key: 'r', operator: 'in', values: ['q'] },
      { key: 's', operator: '=', values: ['3'] },
      { key: 't', operator: '!=', values: ['2'] },
      { key: 'u', operator: '==', values: ['1'] },
      { key: 'v', operator: 'lt', values: ['4'] },
      { key: 'w', operator: 'gt', values: ['3'] },
      { key: 'x', operator: 'exists', values: [] },
      { key: 'y', operator: '!', values: [] },
      { key: 'z', operator: 'notin', values: ['a', 'b'] },
    ]);
  });

  it('is empty only without requirements', () => {
    expect(parseLabelSelector('').empty).toBe(true);
    expect(parseLabelSelector('a').empty).toBe(false);
  });

  it('reports exact matches', () => {
    const sel = parseLabelSelector('a=1,b==2,c in (3),d in (4,5),e!=6');
    expect(['a', 'b', 'c', 'd', 'e', 'f'].map((k) => sel.requiresExactMatch(k))).toEqual([
      '1',
      '2',
      '3',
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('parseLabelSelector: matching', () => {
  const labels = { app: 'web', tier: 'front', n: '10', neg: '-3', empty: '' };
  it.each<[string, Record<string, string> | undefined, boolean]>([
    ['', labels, true],
    ['', undefined, true],
    ['app=web', labels, true],
    ['app==web', labels, true],
    ['app=db', labels, false],
    ['app!=db', labels, true],
    ['app!=web', labels, false],
    ['missing!=x', labels, true],
    ['missing=x', labels, false],
    ['missing=', labels, false],
    ['empty=', labels, true],
    ['empty', labels, true],
    ['app', labels, true],
    ['missing', labels, false],
    ['!missing', labels, true],
    ['!app', labels, false],
    ['app in (db,web)', labels, true],
    ['app in (db)', labels, false],
    ['missing in (a)', labels, false],
    ['app notin (db)', labels, true],
    ['app notin (web)', labels, false],
    ['missing notin (web)', labels, true],
    ['missing in ()', labels, false],
    ['empty in ()', labels, true],
    ['n>9', labels, true],
    ['n>10', labels, false],
    ['n<11', labels, true],
    ['n<10', labels, false],
    ['neg<0', labels, true],
    ['app>1', labels, false],
    ['missing>1', labels, false],
    ['missing<1', labels, false],
    ['app=web,tier=front', labels, true],
    ['app=web,tier=back', labels, false],
    ['app', undefined, false],
    ['!app', undefined, true],
    ['app notin (x)', undefined, true],
    // Keys are looked up as own properties only.
    ['constructor', {}, false],
    ['toString in (x)', {}, false],
    ['!constructor', {}, true],
  ])('%j on %j → %j', (selector, input, expected) => {
    expect(parseLabelSelector(selector).matches(input)).toBe(expected);
  });

  it('compares Gt/Lt as 64-bit integers', () => {
    expect(parseLabelSelector('n>9007199254740992').matches({ n: '9007199254740993' })).toBe(true);
    expect(parseLabelSelector('n<1').matches({ n: '99999999999999999999' })).toBe(false);
  });
});

describe('parseLabelSelector: errors', () => {
  it.each<[string, string]>([
    ['app=-x', `unable to parse requirement: values[0][app]: Invalid value: "-x": ${VALUE_MSG}`],
    ['-app=x', `unable to parse requirement: <nil>: Invalid value: "-app": ${NAME_PART}`],
    ['app: nginx', `unable to parse requirement: <nil>: Invalid value: "app:": ${NAME_PART}`],
    ['x=a||y=b', `unable to parse requirement: values[0][x]: Invalid value: "a||y": ${VALUE_MSG}`],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['!=a', "found '!=', expected: !, identifier, or 'end of string'"],
    ['=a', "found '=', expected: !, identifier, or 'end of string'"],
    [',a', "found ',', expected: !, identifier, or 'end of string'"],
    ['(', "found '(', expected: !, identifier, or 'end of string'"],
    ['a,', "found '', expected: identifier after ','"],
    ['a,,b', "found ',', expected: identifier after ','"],
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['a=b c', "found 'c', expected: ',' or 'end of string'"],
    ['!a=b', "found '=', expected: ',' or 'end of string'"],
    ['a=(b)', "unable to parse requirement: found '(', expected: identifier"],
    ['a in b', "unable to parse requirement: found 'b' expected: '('"],
    ['a in (b', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['a in (b c)', "unable to parse requirement: found 'c', expected: ',' or ')'"],
    ['a in', "unable to parse requirement: found '' expected: '('"],
    ['a in (=)', "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
    ['a in (,=)', "unable to parse requirement: found '=', expected: ',', or identifier"],
    ['a notin (x,,', "unable to parse requirement: found '', expected: ',', or identifier"],
    ['a=b=c', "found '=', expected: ',' or 'end of string'"],
    ['a<=1', "unable to parse requirement: found '=', expected: identifier"],
    [
      'a>x',
      `unable to parse requirement: values[0]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer`,
    ],
    ['a>-1', `unable to parse requirement: values[0][a]: Invalid value: "-1": ${VALUE_MSG}`],
    [
      'a>99999999999999999999',
      `unable to parse requirement: values[0]: Invalid value: "99999999999999999999": for 'Gt', 'Lt' operators, the value must be an integer`,
    ],
    [
      'a in (-x,y_)',
      `unable to parse requirement: [values[0][a]: Invalid value: "-x": ${VALUE_MSG}, values[1][a]: Invalid value: "y_": ${VALUE_MSG}]`,
    ],
    [
      `a=${'v'.repeat(64)}`,
      `unable to parse requirement: values[0][a]: Invalid value: "${'v'.repeat(64)}": must be no more than 63 characters`,
    ],
  ])('%j', (selector, message) => {
    const err = errorOf(() => parseLabelSelector(selector));
    expect(err.status.code).toBe(400);
    expect(err.status.reason).toBe('BadRequest');
    expect(err.status.message).toEqual(message);
  });

  it('reports a key with several slashes as one error', () => {
    const err = errorOf(() => parseLabelSelector('a/b/c ?=? def'));
    expect(err.message).toBe(
      `unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character ${QNAME_REGEX} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    );
  });

  it('treats a NUL like upstream: it ends a token, or the input after whitespace', () => {
    expect(parseLabelSelector('a=b \0 garbage ((').toString()).toBe('a=b');
    expect(errorOf(() => parseLabelSelector('a=b\0c')).message).toBe(
      "found 'c', expected: ',' or 'end of string'",
    );
  });

  it('never throws anything but a StatusError on large or odd inputs (speed: npm run bench -- parsers)', () => {
    const samples = [
      'a'.repeat(100_000),
      `${'a=b,'.repeat(25_000)}c`,
      '('.repeat(100_000),
      '!'.repeat(100_000),
      `x in (${'v,'.repeat(50_000)})`,
      'x in ('.repeat(20_000),
      '\u0000\uffff\ud800=\u{1f600}',
      '=!(),><'.repeat(15_000),
      `${'a-'.repeat(50_000)}!/x=y`,
      `${'a.'.repeat(50_000)}-/x`,
    ];
    const CHARS = 'ab!=(), <>in\tnot-_./0';
    for (let seed = 1; seed < 300; seed++) {
      let s = '';
      let x = seed;
      for (let i = 0; i < 40; i++) {
        x = (x * 1103515245 + 12345) % 2 ** 31;
        s += CHARS[x % CHARS.length];
      }
      samples.push(s);
    }
    for (const s of samples) {
      try {
        parseLabelSelector(s).matches({ a: 'b' });
      } catch (err) {
        expect(err).toBeInstanceOf(StatusError);
      }
    }
  });

  it('parses a long valid selector', () => {
    const text = Array.from({ length: 5000 }, (_, i) => `k${i}=v${i}`).join(',');
    const sel = parseLabelSelector(text);
    expect(sel.requirements).toHaveLength(5000);
    expect(sel.requirements[0]?.key).toBe('k0');
    expect(sel.requirements[1]?.key).toBe('k1');
    expect(sel.requirements[2]?.key).toBe('k10');
  });
});

describe('labelSelectorFromObject', () => {
  it.each<[LabelSelector, string]>([
    [{}, ''],
    [{ matchLabels: {} }, ''],
    [{ matchLabels: { b: '2', a: '1' } }, 'a=1,b=2'],
    [
      {
        matchLabels: { app: 'web' },
        matchExpressions: [
          { key: 'tier', operator: 'In', values: ['b', 'a'] },
          { key: 'env', operator: 'NotIn', values: ['prod'] },
          { key: 'x', operator: 'Exists' },
          { key: 'y', operator: 'DoesNotExist', values: [] },
        ],
      },
      'app=web,env notin (prod),tier in (a,b),x,!y',
    ],
  ])('%j → %j', (input, expected) => {
    expect(labelSelectorFromObject(input).toString()).toBe(expected);
  });

  it('keeps object values in their given order while printing them sorted', () => {
    const sel = labelSelectorFromObject({
      matchExpressions: [{ key: 'k', operator: 'In', values: ['z', 'a'] }],
    });
    expect(sel.requirements[0]?.values).toEqual(['z', 'a']);
    expect(sel.toString()).toBe('k in (a,z)');
  });

  it.each<[LabelSelector, Record<string, string>, boolean]>([
    [{}, {}, true],
    [{ matchLabels: { app: 'web' } }, { app: 'web', x: 'y' }, true],
    [{ matchLabels: { app: 'web' } }, { app: 'db' }, false],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: ['1', '2'] }] }, { a: '2' }, true],
    [{ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, {}, true],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists' }] }, { a: '' }, true],
    [{ matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }, { a: '' }, false],
  ])('%j matches %j → %j', (sel, labels, expected) => {
    expect(labelSelectorFromObject(sel).matches(labels)).toBe(expected);
  });

  it('treats a null or absent selector as matching nothing', () => {
    for (const sel of [null, undefined]) {
      const m = labelSelectorFromObject(sel);
      expect(m.empty).toBe(false);
      expect(m.matches({})).toBe(false);
      expect(m.toString()).toBe('');
    }
    expect(nothing().matches({ a: 'b' })).toBe(false);
  });

  it.each<[LabelSelector, string]>([
    [
      { matchExpressions: [{ key: 'a', operator: 'In' }] },
      "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty",
    ],
    [
      { matchExpressions: [{ key: 'a', operator: 'NotIn', values: [] }] },
      "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty",
    ],
    [
      { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x', 'y'] }] },
      'values: Invalid value: []string{"x", "y"}: values set must be empty for exists and does not exist',
    ],
    [
      { matchExpressions: [{ key: 'a', operator: 'DoesNotExist', values: ['-'] }] },
      `[values: Invalid value: []string{"-"}: values set must be empty for exists and does not exist, values[0][a]: Invalid value: "-": ${VALUE_MSG}]`,
    ],
    [{ matchLabels: { 'bad key': 'v' } }, `key: Invalid value: "bad key": ${NAME_PART}`],
    [{ matchLabels: { k: 'bad value' } }, `values[0][k]: Invalid value: "bad value": ${VALUE_MSG}`],
    [
      {
        matchExpressions: [{ key: 'a', operator: 'Gt' as 'In', values: ['1'] }],
      },
      '"Gt" is not a valid label selector operator',
    ],
  ])('%j', (sel, message) => {
    const err = errorOf(() => labelSelectorFromObject(sel));
    expect(err.status.reason).toBe('BadRequest');
    expect(err.message).toBe(message);
  });
});

describe('labelSelectorFromSet', () => {
  it('matches exactly the given pairs', () => {
    const sel = labelSelectorFromSet({ b: '2', a: '1' });
    expect(sel.toString()).toBe('a=1,b=2');
    expect(sel.matches({ a: '1', b: '2', c: '3' })).toBe(true);
    expect(sel.matches({ a: '1' })).toBe(false);
    expect(labelSelectorFromSet(undefined).empty).toBe(true);
  });
});
