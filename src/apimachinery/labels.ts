/**
 * Label selectors (k8s.io/apimachinery/pkg/labels): the `labelSelector` string syntax of
 * list and watch requests, metav1.LabelSelector objects from specs, and the qualified-name
 * and label-value validators both depend on. Parse errors surface to clients verbatim, so
 * the lexer, the parser and the messages follow upstream closely, quirks included (a NUL
 * byte ends a token, `in`/`notin` are plain identifiers where a value is expected).
 */
import type { LabelSelector } from './meta.ts';
import { badRequest } from './status.ts';
import { isQualifiedName, isValidLabelValue } from './validation/names.ts';

export { isQualifiedName, isValidLabelValue };

/** selection.Operator values, spelled as upstream spells them. */
export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  readonly values: readonly string[];
}

export interface LabelSelectorMatcher {
  /** True when the selector does not restrict anything (it matches every label set). */
  readonly empty: boolean;
  /** Requirements, sorted by key; all must hold for a match. */
  readonly requirements: readonly LabelRequirement[];
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
  /** The value a selector pins `key` to with `=`, `==` or a one-value `in`, if any. */
  requiresExactMatch(key: string): string | undefined;
  /** Canonical text form: requirements by key, set values sorted. */
  toString(): string;
}

// ---------------------------------------------------------------------------------------
// Go-style formatting for the field errors a bad requirement produces

const GO_PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** strconv.Quote, which is what `%q` prints for a bad value. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (cp >= 0xd800 && cp <= 0xdfff) {
      // A lone surrogate cannot come from UTF-8 input; Go would print the replacement rune.
      out += '\uFFFD';
    } else if (GO_PRINTABLE.test(ch)) {
      out += ch;
    } else if (cp < 0x20 || cp === 0x7f) {
      out += `\\x${cp.toString(16).padStart(2, '0')}`;
    } else if (cp < 0x10000) {
      out += `\\u${cp.toString(16).padStart(4, '0')}`;
    } else {
      out += `\\U${cp.toString(16).padStart(8, '0')}`;
    }
  }
  return `${out}"`;
}

/** `%q` of a Go string slice: `["a" "b"]`. */
export function goQuoteList(values: readonly string[]): string {
  return `[${values.map(goQuote).join(' ')}]`;
}

/** `%#v` of a []string; `undefined` stands for a nil slice. */
function goStringSlice(values: readonly string[] | undefined): string {
  if (values === undefined) return '[]string(nil)';
  return `[]string{${values.map(goQuote).join(', ')}}`;
}

/**
 * A field path as field.Path prints it; a nil path (what the string parser passes) prints
 * as `<nil>`, which is why key errors read `<nil>: Invalid value: ...`.
 */
type Path = string | null;
const child = (path: Path, name: string): string => (path ? `${path}.${name}` : name);
const pathText = (path: Path): string => path ?? '<nil>';

const invalidMessage = (path: Path, shownValue: string, detail: string): string =>
  `${pathText(path)}: Invalid value: ${shownValue}: ${detail}`;

/** ErrorList.ToAggregate().Error(): duplicates dropped, several joined in brackets. */
function aggregate(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? (unique[0] as string) : `[${unique.join(', ')}]`;
}

function keyError(key: string, path: Path): string | undefined {
  const errs = isQualifiedName(key);
  return errs.length ? invalidMessage(path, goQuote(key), errs.join('; ')) : undefined;
}

// ---------------------------------------------------------------------------------------
// Requirements

class SyntaxFailure extends Error {}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** strconv.ParseInt(s, 10, 64): an optional sign, decimal digits, int64 range. */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

/**
 * NewRequirement: validates and returns the requirement, or the aggregated error message.
 * `values` undefined models a nil slice, which only the object form can produce.
 */
function newRequirement(
  key: string,
  operator: LabelOperator,
  values: readonly string[] | undefined,
  path: Path,
): LabelRequirement | string {
  const errs: string[] = [];
  const keyErr = keyError(key, child(path, 'key'));
  if (keyErr) errs.push(keyErr);
  const vals = values ?? [];
  const valuesPath = child(path, 'values');
  switch (operator) {
    case 'in':
    case 'notin':
      if (vals.length === 0) {
        errs.push(
          invalidMessage(
            valuesPath,
            goStringSlice(values),
            "for 'in', 'notin' operators, values set can't be empty",
          ),
        );
      }
      break;
    case '=':
    case '==':
    case '!=':
      if (vals.length !== 1) {
        errs.push(
          invalidMessage(
            valuesPath,
            goStringSlice(values),
            'exact-match compatibility requires one single value',
          ),
        );
      }
      break;
    case 'exists':
    case '!':
      if (vals.length !== 0) {
        errs.push(
          invalidMessage(
            valuesPath,
            goStringSlice(values),
            'values set must be empty for exists and does not exist',
          ),
        );
      }
      break;
    case 'gt':
    case 'lt':
      if (vals.length !== 1) {
        errs.push(
          invalidMessage(
            valuesPath,
            goStringSlice(values),
            "for 'Gt', 'Lt' operators, exactly one value is required",
          ),
        );
      }
      vals.forEach((v, i) => {
        if (parseInt64(v) === undefined) {
          errs.push(
            invalidMessage(
              `${valuesPath}[${i}]`,
              goQuote(v),
              "for 'Gt', 'Lt' operators, the value must be an integer",
            ),
          );
        }
      });
      break;
  }
  vals.forEach((v, i) => {
    const valueErrs = isValidLabelValue(v);
    if (valueErrs.length) {
      errs.push(invalidMessage(`${valuesPath}[${i}][${key}]`, goQuote(v), valueErrs.join('; ')));
    }
  });
  if (errs.length) return aggregate(errs);
  return { key, operator, values: [...vals] };
}

function has(labels: Readonly<Record<string, string>> | undefined, key: string): boolean {
  return labels !== undefined && Object.hasOwn(labels, key);
}

function requirementMatches(
  r: LabelRequirement,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has(labels, r.key) && r.values.includes((labels as Record<string, string>)[r.key]!);
    case 'notin':
    case '!=':
      return !has(labels, r.key) || !r.values.includes((labels as Record<string, string>)[r.key]!);
    case 'exists':
      return has(labels, r.key);
    case '!':
      return !has(labels, r.key);
    case 'gt':
    case 'lt': {
      if (!has(labels, r.key) || r.values.length !== 1) return false;
      const actual = parseInt64((labels as Record<string, string>)[r.key]!);
      const bound = parseInt64(r.values[0] as string);
      if (actual === undefined || bound === undefined) return false;
      return r.operator === 'gt' ? actual > bound : actual < bound;
    }
  }
}

const OPERATOR_TEXT: Record<LabelOperator, string> = {
  '=': '=',
  '==': '==',
  '!=': '!=',
  in: ' in ',
  notin: ' notin ',
  gt: '>',
  lt: '<',
  exists: '',
  '!': '',
};

function requirementString(r: LabelRequirement): string {
  if (r.operator === 'exists') return r.key;
  if (r.operator === '!') return `!${r.key}`;
  const values = r.values.length === 1 ? (r.values[0] as string) : [...r.values].sort().join(',');
  const set = r.operator === 'in' || r.operator === 'notin';
  return `${r.key}${OPERATOR_TEXT[r.operator]}${set ? `(${values})` : values}`;
}

/** Sorted by key, stable so same-key requirements keep their order. */
function byKey(reqs: LabelRequirement[]): LabelRequirement[] {
  return reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function matcher(requirements: LabelRequirement[]): LabelSelectorMatcher {
  const frozen: readonly LabelRequirement[] = Object.freeze(
    requirements.map((r) => Object.freeze({ ...r, values: Object.freeze([...r.values]) })),
  );
  return {
    empty: frozen.length === 0,
    requirements: frozen,
    matches: (labels) => frozen.every((r) => requirementMatches(r, labels)),
    requiresExactMatch(key) {
      const r = frozen.find((x) => x.key === key);
      if (r?.values.length !== 1) return undefined;
      return r.operator === '=' || r.operator === '==' || r.operator === 'in'
        ? r.values[0]
        : undefined;
    },
    toString: () => frozen.map(requirementString).join(','),
  };
}

const NOTHING: LabelSelectorMatcher = Object.freeze({
  empty: false,
  requirements: Object.freeze([]),
  matches: () => false,
  requiresExactMatch: () => undefined,
  toString: () => '',
});

/** A selector that matches every label set. */
export function everything(): LabelSelectorMatcher {
  return matcher([]);
}

/** A selector that matches nothing: what a nil metav1.LabelSelector means. */
export function nothing(): LabelSelectorMatcher {
  return NOTHING;
}

// ---------------------------------------------------------------------------------------
// The string syntax: lexer

type Token =
  | 'error'
  | 'eos'
  | ')'
  | ','
  | '!'
  | '=='
  | '='
  | '>'
  | 'identifier'
  | 'in'
  | '<'
  | '!='
  | 'notin'
  | '(';

interface Scanned {
  readonly tok: Token;
  readonly literal: string;
}

const LITERAL_TOKENS: ReadonlyMap<string, Token> = new Map<string, Token>([
  [')', ')'],
  [',', ','],
  ['!', '!'],
  ['==', '=='],
  ['=', '='],
  ['>', '>'],
  ['in', 'in'],
  ['<', '<'],
  ['!=', '!='],
  ['notin', 'notin'],
  ['(', '('],
]);

const isWhitespace = (ch: string): boolean =>
  ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<']);
const isSpecial = (ch: string): boolean => SPECIAL.has(ch);

/**
 * Tokenizes like upstream's byte lexer: reading past the end yields NUL without moving,
 * and a NUL in the input reads the same way, so it ends whatever token it appears in.
 */
function lex(input: string): Scanned[] {
  let pos = 0;
  const read = (): string => (pos < input.length ? (input[pos++] as string) : '\0');
  const unread = (): void => {
    pos--;
  };
  const out: Scanned[] = [];
  for (;;) {
    let ch = read();
    while (isWhitespace(ch)) ch = read();
    if (ch === '\0') {
      out.push({ tok: 'eos', literal: '' });
      return out;
    }
    unread();
    if (isSpecial(ch)) {
      // Longest run of special characters that still spells an operator.
      let buffer = '';
      let last: Scanned | undefined;
      for (;;) {
        const c = read();
        if (c === '\0') break;
        if (!isSpecial(c)) {
          unread();
          break;
        }
        buffer += c;
        const tok = LITERAL_TOKENS.get(buffer);
        if (tok) {
          last = { tok, literal: buffer };
        } else if (last) {
          unread();
          break;
        }
      }
      out.push(last ?? { tok: 'error', literal: `error expected: keyword found '${buffer}'` });
    } else {
      const start = pos;
      let end: number;
      for (;;) {
        const before = pos;
        const c = read();
        if (c === '\0' || isSpecial(c) || isWhitespace(c)) {
          if (c !== '\0') unread();
          end = before;
          break;
        }
      }
      const word = input.slice(start, end);
      out.push({ tok: LITERAL_TOKENS.get(word) ?? 'identifier', literal: word });
    }
  }
}

// ---------------------------------------------------------------------------------------
// The string syntax: parser

const BINARY_OPERATORS = 'in, notin, =, ==, !=, gt, lt';

class Parser {
  private readonly items: Scanned[];
  private position = 0;

  constructor(input: string) {
    this.items = lex(input);
  }

  /** In value context `in` and `notin` are ordinary identifiers. */
  private view(i: number, values: boolean): Scanned {
    const item = this.items[Math.min(i, this.items.length - 1)] as Scanned;
    if (values && (item.tok === 'in' || item.tok === 'notin')) {
      return { tok: 'identifier', literal: item.literal };
    }
    return item;
  }

  private lookahead(values = true): Scanned {
    return this.view(this.position, values);
  }

  private consume(values = true): Scanned {
    return this.view(this.position++, values);
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const { tok, literal } = this.lookahead();
      if (tok === 'eos') return reqs;
      if (tok !== 'identifier' && tok !== '!') {
        throw new SyntaxFailure(`found '${literal}', expected: !, identifier, or 'end of string'`);
      }
      try {
        reqs.push(this.parseRequirement());
      } catch (err) {
        if (err instanceof SyntaxFailure) {
          throw new SyntaxFailure(`unable to parse requirement: ${err.message}`);
        }
        throw err;
      }
      const next = this.consume();
      if (next.tok === 'eos') return reqs;
      if (next.tok !== ',') {
        throw new SyntaxFailure(`found '${next.literal}', expected: ',' or 'end of string'`);
      }
      const after = this.lookahead();
      if (after.tok !== 'identifier' && after.tok !== '!') {
        throw new SyntaxFailure(`found '${after.literal}', expected: identifier after ','`);
      }
    }
  }

  private parseRequirement(): LabelRequirement {
    let first = this.consume();
    let unary: LabelOperator | undefined;
    if (first.tok === '!') {
      unary = '!';
      first = this.consume();
    }
    if (first.tok !== 'identifier') {
      throw new SyntaxFailure(`found '${first.literal}', expected: identifier`);
    }
    const key = first.literal;
    const keyErr = keyError(key, null);
    if (keyErr) throw new SyntaxFailure(keyErr);
    const next = this.lookahead().tok;
    if (unary === undefined && (next === 'eos' || next === ',')) unary = 'exists';
    if (unary) return this.build(key, unary, []);

    const opToken = this.consume(false);
    let operator: LabelOperator;
    switch (opToken.tok) {
      case 'in':
      case 'notin':
      case '=':
      case '==':
      case '!=':
        operator = opToken.tok;
        break;
      case '>':
        operator = 'gt';
        break;
      case '<':
        operator = 'lt';
        break;
      default:
        throw new SyntaxFailure(`found '${opToken.literal}', expected: ${BINARY_OPERATORS}`);
    }
    const values =
      operator === 'in' || operator === 'notin' ? this.parseValueSet() : this.parseExactValue();
    // Upstream collects values in a set and hands them over sorted.
    return this.build(key, operator, [...new Set(values)].sort());
  }

  private build(key: string, operator: LabelOperator, values: string[]): LabelRequirement {
    const r = newRequirement(key, operator, values, null);
    if (typeof r === 'string') throw new SyntaxFailure(r);
    return r;
  }

  private parseValueSet(): string[] {
    const open = this.consume();
    if (open.tok !== '(') throw new SyntaxFailure(`found '${open.literal}' expected: '('`);
    const { tok, literal } = this.lookahead();
    if (tok === ')') {
      this.consume();
      return [''];
    }
    if (tok !== 'identifier' && tok !== ',') {
      throw new SyntaxFailure(`found '${literal}', expected: ',', ')' or identifier`);
    }
    const values = this.parseIdentifierList();
    if (this.consume().tok !== ')') {
      throw new SyntaxFailure(`found '${literal}', expected: ')'`);
    }
    return values;
  }

  /** A comma-separated list in which any element may be empty: `(a,,b)`, `(,a)`, `(a,)`. */
  private parseIdentifierList(): string[] {
    const values: string[] = [];
    for (;;) {
      const item = this.consume();
      if (item.tok === 'identifier') {
        values.push(item.literal);
        const next = this.lookahead();
        if (next.tok === ',') continue;
        if (next.tok === ')') return values;
        throw new SyntaxFailure(`found '${next.literal}', expected: ',' or ')'`);
      }
      if (item.tok === ',') {
        if (values.length === 0) values.push('');
        const next = this.lookahead().tok;
        if (next === ')') {
          values.push('');
          return values;
        }
        if (next === ',') {
          this.consume();
          values.push('');
        }
        continue;
      }
      throw new SyntaxFailure(`found '${item.literal}', expected: ',', or identifier`);
    }
  }

  private parseExactValue(): string[] {
    const next = this.lookahead().tok;
    if (next === 'eos' || next === ',') return [''];
    const item = this.consume();
    if (item.tok === 'identifier') return [item.literal];
    throw new SyntaxFailure(`found '${item.literal}', expected: identifier`);
  }
}

// ---------------------------------------------------------------------------------------
// Public constructors

/**
 * Parses the string form (`a=b,c in (x,y),!d,e>5`). An empty string selects everything.
 * Throws a 400 BadRequest StatusError carrying upstream's message on invalid input.
 */
export function parseLabelSelector(text: string): LabelSelectorMatcher {
  let reqs: LabelRequirement[];
  try {
    reqs = new Parser(text).parse();
  } catch (err) {
    if (err instanceof SyntaxFailure) throw badRequest(err.message);
    throw err;
  }
  return matcher(byKey(reqs));
}

/**
 * Converts a metav1.LabelSelector (LabelSelectorAsSelector). A null or absent selector
 * matches nothing; an empty one matches everything. Throws a BadRequest StatusError when a
 * requirement is invalid.
 */
export function labelSelectorFromObject(
  selector: LabelSelector | null | undefined,
): LabelSelectorMatcher {
  if (selector === null || selector === undefined) return NOTHING;
  const reqs: LabelRequirement[] = [];
  const add = (r: LabelRequirement | string): void => {
    if (typeof r === 'string') throw badRequest(r);
    reqs.push(r);
  };
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    add(newRequirement(key, '=', [value], null));
  }
  for (const expr of selector.matchExpressions ?? []) {
    const operator = OBJECT_OPERATORS.get(expr.operator);
    if (operator === undefined) {
      throw badRequest(`${goQuote(String(expr.operator))} is not a valid label selector operator`);
    }
    // A missing or empty values list is a nil slice upstream.
    const values = expr.values && expr.values.length > 0 ? expr.values : undefined;
    add(newRequirement(expr.key, operator, values, null));
  }
  return matcher(byKey(reqs));
}

const OBJECT_OPERATORS: ReadonlyMap<string, LabelOperator> = new Map<string, LabelOperator>([
  ['In', 'in'],
  ['NotIn', 'notin'],
  ['Exists', 'exists'],
  ['DoesNotExist', '!'],
]);

/** SelectorFromSet: an exact match on every pair (a Service's or a ReplicaSet's selector). */
export function labelSelectorFromSet(
  set: Readonly<Record<string, string>> | undefined,
): LabelSelectorMatcher {
  const reqs = Object.entries(set ?? {}).map(
    ([key, value]): LabelRequirement => ({ key, operator: '=', values: [value] }),
  );
  return matcher(byKey(reqs));
}
