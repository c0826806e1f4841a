/**
 * The template parser of client-go's JSONPath dialect (k8s.io/client-go/util/jsonpath):
 * literal text with `{…}` actions, each action a list of nodes. Parsing is character by
 * character with upstream's quirks kept, because CRD printer columns and kubectl templates
 * written against kube-apiserver must mean the same here: a bracket key is re-read as a dot
 * path (`['a.b']` is `.a.b`), a union splits on every comma, and filter and union parts are
 * parsed as actions of their own.
 */

export class JsonPathSyntaxError extends Error {
  override readonly name = 'JsonPathSyntaxError';
}

export interface SliceParam {
  readonly value: number;
  readonly known: boolean;
  /** The end of a single index `[i]`, which evaluation moves past negative indexes. */
  readonly derived: boolean;
}

export interface ListNode {
  readonly kind: 'list';
  readonly nodes: JsonPathNode[];
}

export type JsonPathNode =
  | ListNode
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'identifier'; readonly name: string }
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'array'; readonly params: readonly [SliceParam, SliceParam, SliceParam] }
  | {
      readonly kind: 'filter';
      readonly left: ListNode;
      readonly right: ListNode;
      readonly operator: string;
    }
  | { readonly kind: 'wildcard' }
  | { readonly kind: 'recursive' }
  | { readonly kind: 'union'; readonly branches: ListNode[] };

const EOF = '';

const GO_PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const LETTER = /^\p{L}$/u;
const DIGIT = /^\p{Nd}$/u;

const isDigit = (r: string): boolean => r !== EOF && DIGIT.test(r);
const isAlphaNumeric = (r: string): boolean =>
  r === '_' || (r !== EOF && (LETTER.test(r) || DIGIT.test(r)));
const isEndOfLine = (r: string): boolean => r === '\r' || r === '\n';
const isTerminator = (r: string): boolean =>
  r === EOF ||
  r === ' ' ||
  r === '\t' ||
  isEndOfLine(r) ||
  r === '.' ||
  r === ',' ||
  r === '[' ||
  r === ']' ||
  r === '$' ||
  r === '@' ||
  r === '{' ||
  r === '}';

/** Go's %#U: `U+0025 '%'`, without the quoted form for unprintable runes. */
function runeDescription(r: string): string {
  const cp = r.codePointAt(0) as number;
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  return GO_PRINTABLE.test(r) ? `${hex} '${r}'` : hex;
}

function fail(message: string): never {
  throw new JsonPathSyntaxError(message);
}

const newList = (): ListNode => ({ kind: 'list', nodes: [] });

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** strconv.Atoi on a 64-bit platform. */
function atoi(text: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const n = BigInt(text);
  return n < INT64_MIN || n > INT64_MAX ? undefined : Number(n);
}

/** strconv.ParseFloat for the sign/digits/dot text a number token can hold. */
function parseFloat64(text: string): number | undefined {
  if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

const DICT_KEY = /^'([^']*)'$|^"([^"]*)"$/;
const SLICE = /^(-?[0-9]*)(:-?[0-9]*)?(:-?[0-9]*)?$/;
/** Operators may repeat (`<>`, `=<`): evaluation, not parsing, rejects unknown ones. */
const COMPARISON = /^([^!<>=]+)([!<>=]+)([^\n]+?)$/;

/** Unions and filters parse their parts as nested actions; real templates nest a few deep. */
const MAX_NESTING = 64;

class Parser {
  private readonly input: string;
  private readonly depth: number;
  private pos = 0;
  private start = 0;
  private width = 0;
  readonly root: ListNode = newList();

  constructor(input: string, depth = 0) {
    if (depth > MAX_NESTING) fail('jsonpath template nested too deeply');
    this.input = input;
    this.depth = depth;
  }

  /** Parses `text` as the body of one action (upstream's parseAction). */
  private subAction(text: string): ListNode {
    const root = new Parser(`{${text}}`, this.depth + 1).parse();
    return root.nodes[0] as ListNode;
  }

  private next(): string {
    if (this.pos >= this.input.length) {
      this.width = 0;
      return EOF;
    }
    const cp = this.input.codePointAt(this.pos) as number;
    const r = String.fromCodePoint(cp);
    this.width = r.length;
    this.pos += this.width;
    return r;
  }

  private backup(): void {
    this.pos -= this.width;
  }

  private peek(): string {
    const r = this.next();
    this.backup();
    return r;
  }

  private consumeText(): string {
    const text = this.input.slice(this.start, this.pos);
    this.start = this.pos;
    return text;
  }

  private startsWith(prefix: string): boolean {
    return this.input.startsWith(prefix, this.pos);
  }

  /** Alternates between literal text and actions until the input runs out. */
  parse(): ListNode {
    for (;;) {
      const brace = this.input.indexOf('{', this.pos);
      if (brace < 0) {
        this.pos = this.input.length;
        if (this.pos > this.start) this.root.nodes.push({ kind: 'text', text: this.consumeText() });
        return this.root;
      }
      this.pos = brace;
      if (this.pos > this.start) this.root.nodes.push({ kind: 'text', text: this.consumeText() });
      this.pos += 1;
      this.consumeText();
      const action = newList();
      this.root.nodes.push(action);
      this.parseAction(action);
    }
  }

  /** Reads one action's nodes into `cur`, up to and including its closing brace. */
  private parseAction(cur: ListNode): void {
    for (;;) {
      if (this.startsWith('}')) {
        this.pos += 1;
        this.consumeText();
        return;
      }
      if (this.startsWith('[?(')) {
        this.parseFilter(cur);
        continue;
      }
      if (this.startsWith('..')) {
        this.parseRecursive(cur);
        continue;
      }
      const r = this.next();
      if (r === EOF || isEndOfLine(r)) fail('unclosed action');
      if (r === ' ' || r === '@' || r === '$') {
        // Whitespace and the root and current-object markers carry no meaning.
        this.consumeText();
      } else if (r === '[') {
        this.parseArray(cur);
      } else if (r === '"' || r === "'") {
        this.parseQuote(cur, r);
      } else if (r === '.') {
        this.parseField(cur);
      } else if (r === '+' || r === '-' || isDigit(r)) {
        this.backup();
        this.parseNumber(cur);
      } else if (isAlphaNumeric(r)) {
        this.backup();
        this.parseIdentifier(cur);
      } else {
        fail(`unrecognized character in action: ${runeDescription(r)}`);
      }
    }
  }

  private parseIdentifier(cur: ListNode): void {
    for (;;) {
      const r = this.next();
      if (isTerminator(r)) {
        this.backup();
        break;
      }
    }
    const value = this.consumeText();
    if (value === 'true' || value === 'false') {
      cur.nodes.push({ kind: 'bool', value: value === 'true' });
    } else {
      cur.nodes.push({ kind: 'identifier', name: value });
    }
  }

  private parseRecursive(cur: ListNode): void {
    if (cur.nodes.at(-1)?.kind === 'recursive') fail('invalid multiple recursive descent');
    this.pos += 2;
    this.consumeText();
    cur.nodes.push({ kind: 'recursive' });
    if (isAlphaNumeric(this.peek())) this.parseField(cur);
  }

  private parseNumber(cur: ListNode): void {
    const sign = this.peek();
    if (sign === '+' || sign === '-') this.next();
    for (;;) {
      const r = this.next();
      if (r !== '.' && !isDigit(r)) {
        this.backup();
        break;
      }
    }
    const text = this.consumeText();
    const int = atoi(text);
    if (int !== undefined) {
      cur.nodes.push({ kind: 'int', value: int });
      return;
    }
    const float = parseFloat64(text);
    if (float === undefined) fail(`cannot parse number ${text}`);
    cur.nodes.push({ kind: 'float', value: float });
  }

  private parseArray(cur: ListNode): void {
    for (;;) {
      const r = this.next();
      if (r === EOF || r === '\n') fail('unterminated array');
      if (r === ']') break;
    }
    let text = this.consumeText().slice(1, -1);
    if (text === '*') text = ':';

    const parts = text.split(',');
    if (parts.length > 1) {
      const branches = parts.map((part) => this.subAction(`[${trimSpaces(part)}]`));
      cur.nodes.push({ kind: 'union', branches });
      return;
    }

    const key = DICT_KEY.exec(text);
    if (key) {
      // A bracketed key is re-read as a dot path, so dots in it still separate fields.
      cur.nodes.push(...this.subAction(`.${key[1] ?? key[2] ?? ''}`).nodes);
      return;
    }

    const slice = SLICE.exec(text);
    if (!slice) fail(`invalid array index ${text}`);
    const groups = [slice[1], slice[2], slice[3]];
    const param = (i: number, start?: SliceParam): SliceParam => {
      let g = groups[i] ?? '';
      if (g !== '') {
        if (i > 0) g = g.slice(1);
        if (i > 0 && g === '') return { value: 0, known: false, derived: false };
        const n = atoi(g);
        if (n === undefined) fail(`array index ${g} is not a number`);
        return { value: n, known: true, derived: false };
      }
      // `[i]` is the slice `[i:i+1]`.
      if (i === 1) return { value: (start?.value ?? 0) + 1, known: true, derived: true };
      return { value: 0, known: false, derived: false };
    };
    const start = param(0);
    cur.nodes.push({ kind: 'array', params: [start, param(1, start), param(2)] });
  }

  private parseFilter(cur: ListNode): void {
    this.pos += 3;
    this.consumeText();
    let begin = false;
    let end = false;
    let pair = '';
    for (;;) {
      const r = this.next();
      if (r === EOF || r === '\n') fail('unterminated filter');
      if (r === '"' || r === "'") {
        if (!begin) {
          begin = true;
          pair = r;
          continue;
        }
        if (this.input[this.pos - 2] !== '\\' && r === pair) end = true;
      } else if (r === ')' && begin === end) {
        // A parenthesis counts only outside the (single) quoted string.
        break;
      }
    }
    if (this.next() !== ']') fail('unclosed array expect ]');
    const text = this.consumeText().slice(0, -2);
    const comparison = COMPARISON.exec(text);
    if (!comparison) {
      cur.nodes.push({
        kind: 'filter',
        left: this.subAction(text),
        right: newList(),
        operator: 'exists',
      });
      return;
    }
    cur.nodes.push({
      kind: 'filter',
      left: this.subAction(comparison[1] as string),
      right: this.subAction(comparison[3] as string),
      operator: comparison[2] as string,
    });
  }

  private parseQuote(cur: ListNode, quote: string): void {
    for (;;) {
      const r = this.next();
      if (r === EOF || r === '\n') fail('unterminated quoted string');
      // A quote right after a backslash is escaped (even when the backslash itself is).
      if (r === quote && this.input[this.pos - 2] !== '\\') break;
    }
    const value = this.consumeText();
    const text = unquoteExtended(value);
    if (text === undefined) fail(`unquote string ${value} error invalid syntax`);
    cur.nodes.push({ kind: 'text', text });
  }

  private parseField(cur: ListNode): void {
    this.consumeText();
    for (;;) {
      const r = this.next();
      if (r === '\\') {
        this.next();
      } else if (isTerminator(r)) {
        this.backup();
        break;
      }
    }
    const value = this.consumeText();
    if (value === '*') cur.nodes.push({ kind: 'wildcard' });
    else cur.nodes.push({ kind: 'field', name: value.replaceAll('\\', '') });
  }
}

const trimSpaces = (s: string): string => s.replace(/^ +| +$/g, '');

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');

/**
 * strconv.Unquote extended to single-quoted strings: Go escapes, `\xHH` and octal as raw
 * bytes. Returns undefined on invalid syntax.
 */
export function unquoteExtended(quoted: string): string | undefined {
  const quote = quoted[0];
  if (quoted.length < 2 || quoted.at(-1) !== quote || (quote !== '"' && quote !== "'")) {
    return undefined;
  }
  const body = quoted.slice(1, -1);
  if (!body.includes('\\') && !body.includes(quote)) return body;

  const bytes: number[] = [];
  const pushText = (s: string): void => {
    for (const b of utf8.encode(s)) bytes.push(b);
  };
  let i = 0;
  while (i < body.length) {
    const c = body[i] as string;
    if (c === quote) return undefined;
    if (c !== '\\') {
      const cp = body.codePointAt(i) as number;
      const ch = String.fromCodePoint(cp);
      pushText(ch);
      i += ch.length;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) return undefined;
    i += 2;
    const simple: Record<string, number> = {
      a: 7,
      b: 8,
      f: 12,
      n: 10,
      r: 13,
      t: 9,
      v: 11,
      '\\': 92,
    };
    if (e in simple) {
      bytes.push(simple[e] as number);
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i, i + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) return undefined;
      i += n;
      const v = Number.parseInt(hex, 16);
      if (e === 'x') {
        bytes.push(v);
      } else {
        if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return undefined;
        pushText(String.fromCodePoint(v));
      }
    } else if (e >= '0' && e <= '7') {
      const oct = e + body.slice(i, i + 2);
      if (!/^[0-7]{3}$/.test(oct)) return undefined;
      i += 2;
      const v = Number.parseInt(oct, 8);
      if (v > 255) return undefined;
      bytes.push(v);
    } else if (e === "'" || e === '"') {
      if (e !== quote) return undefined;
      bytes.push(e.charCodeAt(0));
    } else {
      return undefined;
    }
  }
  return utf8Decoder.decode(new Uint8Array(bytes));
}

/** Parses a whole template into its root list: text nodes and one list per action. */
export function parseTemplate(template: string): ListNode {
  return new Parser(template).parse();
}
