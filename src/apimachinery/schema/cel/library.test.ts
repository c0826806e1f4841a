import { describe, expect, it } from 'vitest';
import { nodeEnvironment } from './env.ts';
import { routeMatches } from './source.ts';

const env = nodeEnvironment({ kind: 'dyn' }).plain;
const evaluate = (expr: string) => env.evaluate(routeMatches(expr), { self: null });
const fails = (expr: string) => () => evaluate(expr);

describe('Kubernetes CEL libraries', () => {
  const truths: string[] = [
    // strings (cel-js built-ins plus the Kubernetes extension functions)
    "'hello'.startsWith('he') && 'hello'.endsWith('lo') && 'hello'.contains('ell')",
    "'Hello'.lowerAscii() == 'hello' && 'Hello'.upperAscii() == 'HELLO'",
    "'a,b,c'.split(',') == ['a', 'b', 'c'] && ['a', 'b'].join('-') == 'a-b'",
    "'  x '.trim() == 'x' && 'hello'.indexOf('l') == 2 && 'hello'.substring(1, 3) == 'el'",
    "'hello'.charAt(1) == 'e' && 'hello'.charAt(5) == ''",
    "'a-b-c'.replace('-', '+') == 'a+b+c' && 'a-b-c'.replace('-', '+', 1) == 'a+b-c'",
    "'abc'.reverse() == 'cba'",
    "'%s has %d replicas at %.2f'.format([dyn('db'), dyn(3), dyn(0.5)]) == 'db has 3 replicas at 0.50'",
    "'%x|%o|%b|%%'.format([255, 8, 5]) == 'ff|10|101|%'",
    'strings.quote(\'a"b\') == \'"a\\\\"b"\'',
    // regex with Go semantics
    "'abc'.matches('^a.c$') && !'a\\nc'.matches('^a.c$')",
    "'ABC'.matches('(?i)^abc$') && matches('abc', 'b')",
    "'key=value; k2=v2'.find('[a-z0-9]+=') == 'key=' && 'a1b2c3'.findAll('[0-9]') == ['1', '2', '3']",
    "'a1b2c3'.findAll('[0-9]', 2) == ['1', '2']",
    // lists
    '[1, 2, 3].isSorted() && ![3, 1].isSorted() && ["a", "b"].isSorted()',
    '[1, 2, 3].sum() == 6 && [1.5, 2.5].sum() == 4.0',
    '[3, 1, 2].min() == 1 && [3, 1, 2].max() == 3 && ["b", "a"].min() == "a"',
    '[1, 2, 1].indexOf(1) == 0 && [1, 2, 1].lastIndexOf(1) == 2 && [1].indexOf(5) == -1',
    '[1, 2, 3].all(x, x > 0) && [1, 2].exists(x, x == 2) && [1, 2].exists_one(x, x > 1)',
    '[1, 2, 3].map(x, x * 2) == [2, 4, 6] && [1, 2, 3].filter(x, x > 1) == [2, 3]',
    'size([1, 2]) == 2 && size("abc") == 3 && size({"a": 1}) == 1',
    // sets
    'sets.contains([1, 2, 3], [1, 3]) && sets.equivalent([1, 2], [2, 1]) && sets.intersects([1], [1, 5])',
    // conversions, optionals, bind
    "int('42') == 42 && string(42) == '42' && double('1.5') == 1.5 && string(true) == 'true'",
    "optional.of(1).hasValue() && optional.none().orValue(7) == 7 && {'a': 1}[?'a'].orValue(0) == 1",
    'cel.bind(x, 3, x * x) == 9',
    // durations and timestamps
    "duration('1h30m') > duration('90m') == false && duration('1h') + duration('1m') == duration('61m')",
    "timestamp('2024-01-01T00:00:00Z') + duration('24h') == timestamp('2024-01-02T00:00:00Z')",
    // base64
    "base64.encode(b'hi') == 'aGk=' && base64.decode('aGk=') == b'hi'",
    // url
    "url('https://user@example.com:8443/a/b?x=1&x=2&y').getScheme() == 'https'",
    "url('https://example.com:8443/a').getHost() == 'example.com:8443' && url('https://example.com:8443/a').getPort() == '8443'",
    "url('https://[::1]:80/p').getHostname() == '::1' && url('/just/a/path').getEscapedPath() == '/just/a/path'",
    "url('https://e.com/?x=1&x=2&y').getQuery() == {'x': ['1', '2'], 'y': ['']}",
    "isURL('https://example.com') && !isURL('relative/path') && !isURL('')",
    // quantity
    "quantity('1Gi').isGreaterThan(quantity('1G')) && quantity('500m').isLessThan(quantity('1'))",
    "quantity('1Ki').compareTo(quantity('1024')) == 0 && quantity('1Ki') == quantity('1024')",
    "quantity('1.5').isInteger() == false && quantity('2k').asInteger() == 2000 && quantity('1.5').asApproximateFloat() == 1.5",
    "quantity('1').add(quantity('500m')) == quantity('1500m') && quantity('2').sub(1) == quantity('1') && quantity('-1').sign() == -1",
    "isQuantity('10Gi') && !isQuantity('10 Gi')",
    // ip and cidr
    "ip('10.0.0.1').family() == 4 && ip('::1').family() == 6 && ip('127.0.0.1').isLoopback()",
    "isIP('192.168.1.1') && !isIP('192.168.1.256') && isCIDR('10.0.0.0/8') && !isCIDR('10.0.0.0/33')",
    "cidr('10.0.0.0/8').containsIP('10.1.2.3') && !cidr('10.0.0.0/8').containsIP(ip('11.0.0.1'))",
    "cidr('10.0.0.0/8').containsCIDR('10.1.0.0/16') && cidr('10.1.2.3/8').masked() == cidr('10.0.0.0/8')",
    "cidr('10.0.0.0/8').prefixLength() == 8 && string(cidr('fd00::1/64').ip()) == 'fd00::1'",
  ];
  for (const expr of truths) {
    it(expr, () => {
      expect(evaluate(expr)).toBe(true);
    });
  }

  it('raises errors that become rule runtime errors', () => {
    expect(fails('[].min() == 1')).toThrow(/min called on empty list/);
    expect(fails("quantity('abc').isInteger()")).toThrow(
      /quantities must match the regular expression/,
    );
    expect(fails("quantity('1.5').asInteger() == 1")).toThrow(/cannot convert value to integer/);
    expect(fails("url('nope').getHost() == ''")).toThrow(/URL parse error/);
    expect(fails("'a'.matches('(a)\\\\1')")).toThrow(/invalid escape sequence/);
    expect(fails("'abc'.charAt(9) == ''")).toThrow(/index out of range: 9/);
  });

  it('runs catastrophic regexes on the linear-time engine', () => {
    // matches() compiles through compileGoRegex, whose tests assert the pattern runs on
    // V8's linear engine; a backtracking engine would need about 2^50 steps here and never
    // answer. Its speed is measured by `npm run bench -- parsers`.
    expect(evaluate(`'${'a'.repeat(50)}!'.matches('^(a+)+$')`)).toBe(false);
  });
});
