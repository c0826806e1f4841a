import { describe, expect, it } from 'vitest';
import {
  type JsonPathNode,
  JsonPathSyntaxError,
  parseTemplate,
  type SliceParam,
  unquoteExtended,
} from './parser.ts';

/** Flattens a tree depth-first into short descriptions, like upstream's parser tests. */
function describeNodes(node: JsonPathNode): string[] {
  const param = (p: SliceParam): string => (p.known ? `${p.value}${p.derived ? 'd' : ''}` : '_');
  switch (node.kind) {
    case 'list':
      return ['List', ...node.nodes.flatMap(describeNodes)];
    case 'text':
      return [`Text:${node.text}`];
    case 'field':
      return [`Field:${node.name}`];
    case 'identifier':
      return [`Identifier:${node.name}`];
    case 'int':
      return [`Int:${node.value}`];
    case 'float':
      return [`Float:${node.value}`];
    case 'bool':
      return [`Bool:${node.value}`];
    case 'array':
      return [`Array:${node.params.map(param).join(',')}`];
    case 'filter':
      return [`Filter:${node.operator}`, ...describeNodes(node.left), ...describeNodes(node.right)];
    case 'wildcard':
      return ['Wildcard'];
    case 'recursive':
      return ['Recursive'];
    case 'union':
      return ['Union', ...node.branches.flatMap(describeNodes)];
  }
}

const parsed = (template: string): string[] => parseTemplate(template).nodes.flatMap(describeNodes);

describe('parseTemplate: trees', () => {
  it.each<[string, string[]]>([
    ['hello jsonpath', ['Text:hello jsonpath']],
    ['', []],
    ['hello {.jsonpath}', ['Text:hello ', 'List', 'Field:jsonpath']],
    ["hello {['jsonpath']}", ['Text:hello ', 'List', 'Field:jsonpath']],
    ['hello {["jsonpath"]}', ['Text:hello ', 'List', 'Field:jsonpath']],
    ['{"{"}', ['List', 'Text:{']],
    ['a}b', ['Text:a}b']],
    ['{}', ['List']],
    ['{[1:3]}', ['List', 'Array:1,3,_']],
    ['{.book[*].author}', ['List', 'Field:book', 'Array:_,_,_', 'Field:author']],
    ['{.bicycle.*}', ['List', 'Field:bicycle', 'Wildcard']],
    ['{  [?( @.price<3 )]  }', ['List', 'Filter:<', 'List', 'Field:price', 'List', 'Int:3']],
    ['{..}', ['List', 'Recursive']],
    ['{..price}', ['List', 'Recursive', 'Field:price']],
    ['{...price}', ['List', 'Recursive', 'Field:price']],
    ["{['book.price']}", ['List', 'Field:book', 'Field:price']],
    [
      "{['bicycle.price', 3, 'book.price']}",
      [
        'List',
        'Union',
        'List',
        'Field:bicycle',
        'Field:price',
        'List',
        'Array:3,4d,_',
        'List',
        'Field:book',
        'Field:price',
      ],
    ],
    [
      '{range .items}{.name},{end}',
      [
        'List',
        'Identifier:range',
        'Field:items',
        'List',
        'Field:name',
        'Text:,',
        'List',
        'Identifier:end',
      ],
    ],
    [
      '{[?(@.status.nodeInfo.osImage == "()")]}',
      [
        'List',
        'Filter:==',
        'List',
        'Field:status',
        'Field:nodeInfo',
        'Field:osImage',
        'List',
        'Text:()',
      ],
    ],
    [
      '{[?(@.status.nodeInfo.osImage == "(\\"\\")")]}',
      [
        'List',
        'Filter:==',
        'List',
        'Field:status',
        'Field:nodeInfo',
        'Field:osImage',
        'List',
        'Text:("")',
      ],
    ],
    [
      ' { [?(  @.test == "())("   )] }',
      ['Text: ', 'List', 'Filter:==', 'List', 'Field:test', 'List', 'Text:())('],
    ],
    [
      "{[?(@.osImage == 'Linux')]}",
      ['List', 'Filter:==', 'List', 'Field:osImage', 'List', 'Text:Linux'],
    ],
    ['{[?(@.x == "{[()]}")]}', ['List', 'Filter:==', 'List', 'Field:x', 'List', 'Text:{[()]}']],
    [`{[?(@.x == "''")]}`, ['List', 'Filter:==', 'List', 'Field:x', 'List', "Text:''"]],
    [`{[?(@.x == '""')]}`, ['List', 'Filter:==', 'List', 'Field:x', 'List', 'Text:""']],
    [`{[?(@.x == '\\\\\\'')]}`, ['List', 'Filter:==', 'List', 'Field:x', 'List', "Text:\\'"]],
    ['{[?(@.z)]}', ['List', 'Filter:exists', 'List', 'Field:z', 'List']],
    [
      '{[?(.status.phase=="Running")]}',
      ['List', 'Filter:==', 'List', 'Field:status', 'Field:phase', 'List', 'Text:Running'],
    ],
    ['{[?(@.n>=1.5)]}', ['List', 'Filter:>=', 'List', 'Field:n', 'List', 'Float:1.5']],
    ['{[?(@.ok!=false)]}', ['List', 'Filter:!=', 'List', 'Field:ok', 'List', 'Bool:false']],
    ['{[?(@.a<>1)]}', ['List', 'Filter:<>', 'List', 'Field:a', 'List', 'Int:1']],
    ['{[-5:]}', ['List', 'Array:-5,_,_']],
    ['{[-1]}', ['List', 'Array:-1,0d,_']],
    ['{[1:-1]}', ['List', 'Array:1,-1,_']],
    ['{[::2]}', ['List', 'Array:_,_,2']],
    ['{[1:4:]}', ['List', 'Array:1,4,_']],
    ['{[]}', ['List', 'Array:_,1d,_']],
    ['{[0,1]}', ['List', 'Union', 'List', 'Array:0,1d,_', 'List', 'Array:1,2d,_']],
    ['{.a\\.b.c}', ['List', 'Field:a.b', 'Field:c']],
    ['{.labels.web/html}', ['List', 'Field:labels', 'Field:web/html']],
    ['{.labels.k8s-app}', ['List', 'Field:labels', 'Field:k8s-app']],
    ['{$.a}{@.b}', ['List', 'Field:a', 'List', 'Field:b']],
    ['{true}{false}', ['List', 'Bool:true', 'List', 'Bool:false']],
    [
      '{12}{-3}{+4}{1.5}{2.}',
      ['List', 'Int:12', 'List', 'Int:-3', 'List', 'Int:4', 'List', 'Float:1.5', 'List', 'Float:2'],
    ],
    ['{99999999999999999999}', ['List', 'Float:100000000000000000000']],
    ['{"\\n"}{\'\\t\'}', ['List', 'Text:\n', 'List', 'Text:\t']],
    ['{"\\u00e9\\x41\\101"}', ['List', 'Text:éAA']],
    ['{.}', ['List', 'Field:']],
    ['{.é}', ['List', 'Field:é']],
    ['{ .a }', ['List', 'Field:a']],
  ])('%j', (template, expected) => {
    expect(parsed(template)).toEqual(expected);
  });
});

describe('parseTemplate: errors', () => {
  it.each<[string, string]>([
    ['{.hello', 'unclosed action'],
    ['{', 'unclosed action'],
    ['{.a\n}', 'unclosed action'],
    ['{*}', "unrecognized character in action: U+002A '*'"],
    ['{%}', "unrecognized character in action: U+0025 '%'"],
    ['{\t.a}', 'unrecognized character in action: U+0009'],
    ['{\\\\\\}', "unrecognized character in action: U+005C '\\'"],
    ['{{.a}}', "unrecognized character in action: U+007B '{'"],
    ['{+12.3.0}', 'cannot parse number +12.3.0'],
    ['{-}', 'cannot parse number -'],
    ['{[1}', 'unterminated array'],
    ['{[1\n]}', 'unterminated array'],
    ['{[?(.price]}', 'unterminated filter'],
    ['{[?(@.a==1)x]}', 'unclosed array expect ]'],
    ['{........}', 'invalid multiple recursive descent'],
    ['{"abc}', 'unterminated quoted string'],
    ["{'\\q'}", "unquote string '\\q' error invalid syntax"],
    ['{"\\\'"}', 'unquote string "\\\'" error invalid syntax'],
    ['{[a]}', 'invalid array index a'],
    ['{[ 0 ]}', 'invalid array index  0 '],
    ['{[1:x]}', 'invalid array index 1:x'],
    ['{[-]}', 'array index - is not a number'],
    ['{[99999999999999999999]}', 'array index 99999999999999999999 is not a number'],
    ['{[0,a]}', 'invalid array index a'],
    ['{[?(@.a=={)]}', "unrecognized character in action: U+007B '{'"],
  ])('%j → %j', (template, message) => {
    let caught: unknown;
    try {
      parseTemplate(template);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(JsonPathSyntaxError);
    expect((caught as Error).message).toBe(message);
  });

  it('only ever throws JsonPathSyntaxError on garbage (speed: npm run bench -- parsers)', () => {
    const samples = [
      '{'.repeat(50_000),
      `{${'['.repeat(50_000)}`,
      `{${'[?('.repeat(20_000)}`,
      `{${'..a'.repeat(30_000)}}`,
      `{.${'a,'.repeat(30_000)}}`,
      `{[${'0,'.repeat(30_000)}0]}`,
      `{[${"'a',".repeat(100)}${'[0,'.repeat(100)}]}`,
    ];
    const alphabet = '{}[]()?@$.*,:\'"\\=<>!- a1\n';
    for (let seed = 1; seed < 400; seed++) {
      let s = '';
      let x = seed;
      for (let i = 0; i < 30; i++) {
        x = (x * 1103515245 + 12345) % 2 ** 31;
        s += alphabet[x % alphabet.length];
      }
      samples.push(s);
    }
    for (const s of samples) {
      try {
        parseTemplate(s);
      } catch (err) {
        expect(err).toBeInstanceOf(JsonPathSyntaxError);
      }
    }
  });
});

describe('unquoteExtended', () => {
  it.each<[string, string | undefined]>([
    ['"abc"', 'abc'],
    ["'abc'", 'abc'],
    ['"it\'s"', "it's"],
    ['"a\\tb\\nc"', 'a\tb\nc'],
    ['"\\a\\b\\f\\r\\v\\\\"', '\x07\b\f\r\v\\'],
    ['"\\"q\\""', '"q"'],
    ["'\\'q\\''", "'q'"],
    ['"\\x41\\u00e9\\U0001F600"', 'Aé😀'],
    ['"\\303\\251"', 'é'],
    ['"\\xff"', '\uFFFD'],
    ['"é"', 'é'],
    ['"\\\'"', undefined],
    ["'\\\"'", undefined],
    ['"\\400"', undefined],
    ['"\\x4"', undefined],
    ['"\\ud800"', undefined],
    ['"\\q"', undefined],
    ['"a"b"', undefined],
    ['"', undefined],
    ['`a`', undefined],
  ])('%j', (input, expected) => {
    expect(unquoteExtended(input)).toBe(expected);
  });
});
