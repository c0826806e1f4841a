/**
 * A subset of Go's text/template, enough for api-syncagent's naming, related-object and
 * mutation templates. Output is whitespace-trimmed, as api-syncagent does.
 *
 * Supported (see README.md in this folder for the list):
 * - text and `{{ … }}` actions, `{{-`/`-}}` whitespace trimming, `{{/* comments *\/}}`;
 * - fields on maps (`.Object.metadata.name`, `.` and `$`, `$.X`), variables
 *   (`$x := …`, `$x = …`), literals (strings "…" and `…`, numbers, true/false/nil),
 *   parenthesised pipelines, `(…).field`;
 * - pipelines `a | f b` (the left value becomes the last argument);
 * - `if`/`else if`/`else`/`end`, `with`/`else`/`end`, `range` over lists and maps with
 *   `$v :=` or `$k, $v :=` and `else`;
 * - functions: Go's and, or, not, len, index, print, printf, println, eq, ne, lt, le, gt,
 *   ge; sprig's lower, upper, title, trim, trimAll, trimPrefix, trimSuffix, replace,
 *   contains, hasPrefix, hasSuffix, default, empty, coalesce, ternary, quote, squote,
 *   trunc, substr, repeat, nospace, cat, splitList, toString, toJson, b64enc, b64dec,
 *   sha1sum, sha256sum, regexMatch, regexReplaceAll, regexFind, int, add, sub, mul, div,
 *   mod, list, dict, get, hasKey, keys, required, fail; and api-syncagent's sha3sum,
 *   sha3short, shortHash and join (`join LIST SEP`, strings.Join's argument order).
 * Missing map keys print `<no value>` like Go; errors carry the template text.
 */
import { createHash } from 'node:crypto';
import { sha3Hex, sha3Short, shortHash } from '../constants.ts';

export type TemplateFunc = (...args: unknown[]) => unknown;

type Expr =
  | { t: 'field'; base: Expr | null; path: string[] } // base null = dot
  | { t: 'var'; name: string; path: string[] }
  | { t: 'lit'; value: unknown }
  | { t: 'ident'; name: string }
  | { t: 'pipe'; pipe: Pipeline; path: string[] };

interface Command {
  readonly args: Expr[];
}
interface Pipeline {
  readonly decl: string[];
  readonly assign: boolean;
  readonly cmds: Command[];
}

type Node =
  | { k: 'text'; text: string }
  | { k: 'action'; pipe: Pipeline }
  | { k: 'if' | 'with'; pipe: Pipeline; yes: Node[]; no: Node[] }
  | { k: 'range'; pipe: Pipeline; yes: Node[]; no: Node[] };

export class TemplateError extends Error {}

// ---- lexing --------------------------------------------------------------------------

interface RawPart {
  kind: 'text' | 'action';
  value: string;
}

function split(tpl: string): RawPart[] {
  const parts: RawPart[] = [];
  let i = 0;
  let trimNext = false;
  while (i < tpl.length) {
    const open = tpl.indexOf('{{', i);
    let text = open < 0 ? tpl.slice(i) : tpl.slice(i, open);
    if (trimNext) text = text.replace(/^\s+/, '');
    trimNext = false;
    if (open < 0) {
      if (text) parts.push({ kind: 'text', value: text });
      break;
    }
    let j = open + 2;
    if (tpl[j] === '-' && /\s/.test(tpl[j + 1] ?? '')) {
      text = text.replace(/\s+$/, '');
      j += 1;
    }
    if (text) parts.push({ kind: 'text', value: text });
    // Find the closing braces outside string literals.
    let k = j;
    let quote = '';
    for (; k < tpl.length; k++) {
      const c = tpl[k] as string;
      if (quote) {
        if (c === '\\' && quote === '"') k++;
        else if (c === quote) quote = '';
        continue;
      }
      if (c === '"' || c === '`' || c === "'") {
        quote = c;
        continue;
      }
      if (c === '}' && tpl[k + 1] === '}') break;
    }
    if (k >= tpl.length) throw new TemplateError(`unclosed action in ${JSON.stringify(tpl)}`);
    let inner = tpl.slice(j, k);
    if (/\s-$/.test(inner)) {
      inner = inner.slice(0, -1);
      trimNext = true;
    }
    parts.push({ kind: 'action', value: inner.trim() });
    i = k + 2;
  }
  return parts;
}

type Token =
  | { k: 'field'; path: string[] }
  | { k: 'var'; name: string; path: string[] }
  | { k: 'str'; v: string }
  | { k: 'num'; v: number }
  | { k: 'ident'; v: string }
  | { k: 'op'; v: '(' | ')' | '|' | ':=' | '=' | ',' }
  | { k: 'dotpath'; path: string[] };

function unquote(s: string): string {
  return s.replace(/\\(.)/g, (_m, c: string) =>
    c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c,
  );
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const ident = /[A-Za-z0-9_]/;
  const readPath = (): string[] => {
    const path: string[] = [];
    while (src[i] === '.' && ident.test(src[i + 1] ?? '')) {
      i++;
      let name = '';
      while (i < src.length && ident.test(src[i] as string)) name += src[i++];
      path.push(name);
    }
    return path;
  };
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === '|' || c === ',') {
      out.push({ k: 'op', v: c });
      i++;
      // `(...).field`
      if (c === ')' && src[i] === '.' && ident.test(src[i + 1] ?? ''))
        out.push({ k: 'dotpath', path: readPath() });
      continue;
    }
    if (c === ':' && src[i + 1] === '=') {
      out.push({ k: 'op', v: ':=' });
      i += 2;
      continue;
    }
    if (c === '=') {
      out.push({ k: 'op', v: '=' });
      i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
      out.push({ k: 'str', v: unquote(src.slice(i + 1, j)) });
      i = j + 1;
      continue;
    }
    if (c === '`') {
      const j = src.indexOf('`', i + 1);
      if (j < 0) throw new TemplateError('unterminated raw string');
      out.push({ k: 'str', v: src.slice(i + 1, j) });
      i = j + 1;
      continue;
    }
    if (c === "'") {
      // Go character literal: its code point (rarely useful, but valid).
      const j = src.indexOf("'", i + 1);
      out.push({ k: 'num', v: unquote(src.slice(i + 1, j)).codePointAt(0) ?? 0 });
      i = j + 1;
      continue;
    }
    if (c === '.') {
      if (ident.test(src[i + 1] ?? '')) out.push({ k: 'field', path: readPath() });
      else {
        out.push({ k: 'field', path: [] });
        i++;
      }
      continue;
    }
    if (c === '$') {
      i++;
      let name = '';
      while (i < src.length && ident.test(src[i] as string)) name += src[i++];
      out.push({ k: 'var', name: `$${name}`, path: readPath() });
      continue;
    }
    if (/[-+0-9]/.test(c)) {
      const m = /^[-+]?(0x[0-9a-fA-F]+|\d+(\.\d+)?([eE][-+]?\d+)?)/.exec(src.slice(i));
      if (m) {
        out.push({ k: 'num', v: Number(m[0]) });
        i += m[0].length;
        continue;
      }
    }
    if (ident.test(c)) {
      let name = '';
      while (i < src.length && ident.test(src[i] as string)) name += src[i++];
      out.push({ k: 'ident', v: name });
      continue;
    }
    throw new TemplateError(`unexpected ${JSON.stringify(c)} in {{${src}}}`);
  }
  return out;
}

// ---- parsing -------------------------------------------------------------------------

function parsePipeline(tokens: Token[], src: string): Pipeline {
  let pos = 0;
  const decl: string[] = [];
  let assign = false;
  // `$x :=` / `$k, $v :=` / `$x =`
  const t0 = tokens[0];
  if (t0?.k === 'var' && t0.path.length === 0) {
    const t1 = tokens[1];
    const t2 = tokens[2];
    const t3 = tokens[3];
    if (t1?.k === 'op' && (t1.v === ':=' || t1.v === '=')) {
      decl.push(t0.name);
      assign = t1.v === '=';
      pos = 2;
    } else if (
      t1?.k === 'op' &&
      t1.v === ',' &&
      t2?.k === 'var' &&
      t3?.k === 'op' &&
      t3.v === ':='
    ) {
      decl.push(t0.name, t2.name);
      pos = 4;
    }
  }
  const cmds: Command[] = [];
  let args: Expr[] = [];
  const operand = (): Expr => {
    const t = tokens[pos++];
    if (!t) throw new TemplateError(`missing value in {{${src}}}`);
    switch (t.k) {
      case 'field':
        return { t: 'field', base: null, path: t.path };
      case 'var':
        return { t: 'var', name: t.name, path: t.path };
      case 'str':
        return { t: 'lit', value: t.v };
      case 'num':
        return { t: 'lit', value: t.v };
      case 'ident':
        if (t.v === 'true' || t.v === 'false') return { t: 'lit', value: t.v === 'true' };
        if (t.v === 'nil') return { t: 'lit', value: null };
        return { t: 'ident', name: t.v };
      case 'op': {
        if (t.v !== '(') throw new TemplateError(`unexpected ${t.v} in {{${src}}}`);
        let depth = 1;
        const start = pos;
        while (pos < tokens.length && depth > 0) {
          const x = tokens[pos++] as Token;
          if (x.k === 'op' && x.v === '(') depth++;
          if (x.k === 'op' && x.v === ')') depth--;
        }
        if (depth !== 0) throw new TemplateError(`unclosed ( in {{${src}}}`);
        const inner = parsePipeline(tokens.slice(start, pos - 1), src);
        const next = tokens[pos];
        let path: string[] = [];
        if (next?.k === 'dotpath') {
          path = next.path;
          pos++;
        }
        return { t: 'pipe', pipe: inner, path };
      }
      default:
        throw new TemplateError(`unexpected token in {{${src}}}`);
    }
  };
  while (pos < tokens.length) {
    const t = tokens[pos] as Token;
    if (t.k === 'op' && t.v === '|') {
      if (args.length === 0) throw new TemplateError(`missing command before | in {{${src}}}`);
      cmds.push({ args });
      args = [];
      pos++;
      continue;
    }
    args.push(operand());
  }
  if (args.length > 0) cmds.push({ args });
  if (cmds.length === 0) throw new TemplateError(`missing value in {{${src}}}`);
  return { decl, assign, cmds };
}

function parse(tpl: string): Node[] {
  const parts = split(tpl);
  let pos = 0;
  const block = (stop: string[]): { nodes: Node[]; end: string; rest: string } => {
    const nodes: Node[] = [];
    while (pos < parts.length) {
      const p = parts[pos++] as RawPart;
      if (p.kind === 'text') {
        nodes.push({ k: 'text', text: p.value });
        continue;
      }
      const a = p.value;
      if (a.startsWith('/*')) continue;
      const word = /^([a-z]+)\b\s*(.*)$/s.exec(a);
      const kw = word?.[1] ?? '';
      const rest = word?.[2] ?? '';
      if (kw === 'end' || kw === 'else') {
        if (!stop.includes(kw)) throw new TemplateError(`unexpected {{${a}}}`);
        return { nodes, end: kw, rest };
      }
      if (kw === 'if' || kw === 'with' || kw === 'range') {
        nodes.push(conditional(kw, rest));
        continue;
      }
      nodes.push({ k: 'action', pipe: parsePipeline(tokenize(a), a) });
    }
    if (stop.length > 0) throw new TemplateError(`missing {{end}} in ${JSON.stringify(tpl)}`);
    return { nodes, end: '', rest: '' };
  };
  const conditional = (kw: 'if' | 'with' | 'range', cond: string): Node => {
    const pipe = parsePipeline(tokenize(cond), cond);
    const then = block(['else', 'end']);
    let otherwise: Node[] = [];
    if (then.end === 'else') {
      const chained = /^(if|with)\b\s*(.*)$/s.exec(then.rest);
      if (chained) {
        // `else if` / `else with`: the chain shares one {{end}}.
        otherwise = [conditional(chained[1] as 'if' | 'with', chained[2] as string)];
      } else otherwise = block(['end']).nodes;
    }
    return { k: kw, pipe, yes: then.nodes, no: otherwise } as Node;
  };
  return block([]).nodes;
}

// ---- evaluation ----------------------------------------------------------------------

const NO_VALUE = Symbol('no value');

function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === NO_VALUE || v === false || v === 0 || v === '')
    return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

export function goString(v: unknown): string {
  if (v === NO_VALUE || v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `map[${Object.keys(o)
      .sort()
      .map((k) => `${k}:${goString(o[k])}`)
      .join(' ')}]`;
  }
  return String(v);
}

const str = (v: unknown): string =>
  v === NO_VALUE || v === undefined || v === null ? '' : goString(v);
const num = (v: unknown): number => {
  const n = typeof v === 'number' ? v : Number(str(v));
  return Number.isFinite(n) ? n : 0;
};

/** Go regexp syntax → JavaScript (the common subset), replacement `${1}`/`\1` → `$1`. */
export function goRegExp(pattern: string, flags = ''): RegExp {
  let p = pattern;
  let f = flags;
  const inline = /^\(\?([imsU]+)\)/.exec(p);
  if (inline) {
    p = p.slice(inline[0].length);
    for (const c of inline[1] as string) if ('ims'.includes(c) && !f.includes(c)) f += c;
  }
  p = p.replace(/\(\?P</g, '(?<').replace(/\\z/g, '$');
  return new RegExp(p, f);
}

export function goReplacement(replacement: string): string {
  return replacement
    .replace(/\\(\d+)/g, (_m, d: string) => `$${d}`)
    .replace(/\$\{(\d+)\}/g, (_m, d: string) => `$${d}`)
    .replace(/\$\{([A-Za-z_]\w*)\}/g, (_m, n: string) => `$<${n}>`);
}

function printf(format: string, ...args: unknown[]): string {
  let i = 0;
  return format.replace(
    /%([-+# 0]*)(\d+)?(?:\.(\d+))?([vsdqxXtf%])/g,
    (m, _flags, width, prec, verb) => {
      if (verb === '%') return '%';
      if (i >= args.length) return `%!${verb}(MISSING)`;
      const a = args[i++];
      let out: string;
      switch (verb) {
        case 'd':
          out = String(Math.trunc(num(a)));
          break;
        case 'q':
          out = JSON.stringify(str(a));
          break;
        case 'x':
        case 'X': {
          out = typeof a === 'number' ? a.toString(16) : Buffer.from(str(a)).toString('hex');
          if (verb === 'X') out = out.toUpperCase();
          break;
        }
        case 'f':
          out = num(a).toFixed(prec === undefined ? 6 : Number(prec));
          break;
        case 't':
          out = String(truthy(a));
          break;
        default:
          out = goString(a === NO_VALUE ? undefined : a);
          if (verb === 's' && prec !== undefined) out = out.slice(0, Number(prec));
      }
      if (width && out.length < Number(width))
        out = m.includes('-') ? out.padEnd(Number(width)) : out.padStart(Number(width));
      return out;
    },
  );
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = str(a);
  const sb = str(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

const eq = (a: unknown, b: unknown) =>
  (a === NO_VALUE ? undefined : a) === (b === NO_VALUE ? undefined : b) ||
  (a !== null &&
    b !== null &&
    typeof a === 'object' &&
    typeof b === 'object' &&
    JSON.stringify(a) === JSON.stringify(b));

export const BUILTIN_FUNCS: Record<string, TemplateFunc> = {
  // Go
  and: (...a) => a.find((x) => !truthy(x)) ?? a[a.length - 1],
  or: (...a) => a.find((x) => truthy(x)) ?? a[a.length - 1],
  not: (a) => !truthy(a),
  len: (a) =>
    typeof a === 'string' || Array.isArray(a)
      ? a.length
      : a && typeof a === 'object'
        ? Object.keys(a).length
        : 0,
  index: (a, ...keys) => {
    let cur: unknown = a;
    for (const k of keys) {
      if (Array.isArray(cur)) cur = cur[num(k)];
      else if (cur && typeof cur === 'object') cur = (cur as Record<string, unknown>)[str(k)];
      else return undefined;
    }
    return cur;
  },
  print: (...a) => a.map(goString).join(''),
  println: (...a) => `${a.map(goString).join(' ')}\n`,
  printf: (f, ...a) => printf(str(f), ...a),
  eq: (a, ...b) => b.some((x) => eq(a, x)),
  ne: (a, b) => !eq(a, b),
  lt: (a, b) => compare(a, b) < 0,
  le: (a, b) => compare(a, b) <= 0,
  gt: (a, b) => compare(a, b) > 0,
  ge: (a, b) => compare(a, b) >= 0,
  // sprig
  lower: (s) => str(s).toLowerCase(),
  upper: (s) => str(s).toUpperCase(),
  title: (s) => str(s).replace(/\b\w/g, (c) => c.toUpperCase()),
  trim: (s) => str(s).trim(),
  trimAll: (cut, s) => {
    const chars = new Set(str(cut));
    let v = str(s);
    while (v && chars.has(v[0] as string)) v = v.slice(1);
    while (v && chars.has(v[v.length - 1] as string)) v = v.slice(0, -1);
    return v;
  },
  trimPrefix: (p, s) => (str(s).startsWith(str(p)) ? str(s).slice(str(p).length) : str(s)),
  trimSuffix: (p, s) =>
    str(p) && str(s).endsWith(str(p)) ? str(s).slice(0, -str(p).length) : str(s),
  replace: (o, n, s) => str(s).split(str(o)).join(str(n)),
  contains: (sub, s) => str(s).includes(str(sub)),
  hasPrefix: (p, s) => str(s).startsWith(str(p)),
  hasSuffix: (p, s) => str(s).endsWith(str(p)),
  default: (d, ...v) => (v.length > 0 && truthy(v[0]) ? v[0] : d),
  empty: (v) => !truthy(v),
  coalesce: (...a) => a.find(truthy),
  ternary: (a, b, c) => (truthy(c) ? a : b),
  quote: (...a) => a.map((x) => JSON.stringify(str(x))).join(' '),
  squote: (...a) => a.map((x) => `'${str(x)}'`).join(' '),
  trunc: (n, s) => {
    const v = str(s);
    const c = num(n);
    return c >= 0 ? v.slice(0, c) : v.slice(Math.max(0, v.length + c));
  },
  substr: (start, end, s) => str(s).slice(num(start), num(end) < 0 ? undefined : num(end)),
  repeat: (n, s) => str(s).repeat(Math.max(0, num(n))),
  nospace: (s) => str(s).replace(/\s+/g, ''),
  cat: (...a) =>
    a
      .filter((x) => x !== undefined && x !== null && x !== NO_VALUE)
      .map(goString)
      .join(' '),
  splitList: (sep, s) => str(s).split(str(sep)),
  toString: (v: unknown) => str(v),
  toJson: (v) => JSON.stringify(v === NO_VALUE ? null : (v ?? null)),
  b64enc: (s) => Buffer.from(str(s)).toString('base64'),
  b64dec: (s) => Buffer.from(str(s), 'base64').toString('utf8'),
  sha1sum: (s) => createHash('sha1').update(str(s)).digest('hex'),
  sha256sum: (s) => createHash('sha256').update(str(s)).digest('hex'),
  regexMatch: (re, s) => goRegExp(str(re)).test(str(s)),
  regexFind: (re, s) => goRegExp(str(re)).exec(str(s))?.[0] ?? '',
  regexReplaceAll: (re, s, repl) =>
    str(s).replace(goRegExp(str(re), 'g'), goReplacement(str(repl))),
  int: (v) => Math.trunc(num(v)),
  add: (...a) => a.reduce<number>((x, y) => x + num(y), 0),
  sub: (a, b) => num(a) - num(b),
  mul: (...a) => a.reduce<number>((x, y) => x * num(y), 1),
  div: (a, b) => Math.trunc(num(a) / num(b)),
  mod: (a, b) => num(a) % num(b),
  list: (...a) => a,
  dict: (...a) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i + 1 < a.length; i += 2) out[str(a[i])] = a[i + 1];
    return out;
  },
  get: (d, k) => (d && typeof d === 'object' ? ((d as Record<string, unknown>)[str(k)] ?? '') : ''),
  hasKey: (d, k) => Boolean(d && typeof d === 'object' && str(k) in (d as object)),
  keys: (d) => (d && typeof d === 'object' ? Object.keys(d as object).sort() : []),
  required: (msg, v) => {
    if (!truthy(v) && v !== 0 && v !== false) throw new TemplateError(str(msg));
    return v;
  },
  fail: (msg) => {
    throw new TemplateError(str(msg));
  },
  // api-syncagent
  sha3sum: (s) => sha3Hex(str(s)),
  sha3short: (s, ...len) => {
    if (len.length > 1)
      throw new TemplateError(`sha3short: expected at most one length argument, got ${len.length}`);
    return sha3Short(str(s), len.length ? num(len[0]) : 20);
  },
  shortHash: (s) => shortHash(str(s)),
  join: (list, sep) => (Array.isArray(list) ? list.map(str).join(str(sep)) : str(list)),
};

class Scope {
  readonly vars: Map<string, unknown>;
  readonly parent: Scope | undefined;
  constructor(parent?: Scope) {
    this.vars = new Map();
    this.parent = parent;
  }
  lookup(name: string): unknown {
    for (let s: Scope | undefined = this; s; s = s.parent)
      if (s.vars.has(name)) return s.vars.get(name);
    throw new TemplateError(`undefined variable: ${name}`);
  }
  assign(name: string, value: unknown): void {
    for (let s: Scope | undefined = this; s; s = s.parent)
      if (s.vars.has(name)) {
        s.vars.set(name, value);
        return;
      }
    throw new TemplateError(`undefined variable: ${name}`);
  }
}

function walk(base: unknown, path: string[]): unknown {
  let cur = base;
  for (const p of path) {
    if (cur === NO_VALUE || cur === undefined || cur === null) return NO_VALUE;
    if (typeof cur !== 'object' || Array.isArray(cur))
      throw new TemplateError(
        `can't evaluate field ${p} in type ${Array.isArray(cur) ? 'slice' : typeof cur}`,
      );
    const o = cur as Record<string, unknown>;
    cur = Object.hasOwn(o, p) ? o[p] : NO_VALUE;
  }
  return cur;
}

class Evaluator {
  readonly funcs: Record<string, TemplateFunc>;
  out = '';
  constructor(funcs: Record<string, TemplateFunc>) {
    this.funcs = funcs;
  }

  nodes(nodes: Node[], dot: unknown, scope: Scope): void {
    for (const n of nodes) {
      switch (n.k) {
        case 'text':
          this.out += n.text;
          break;
        case 'action': {
          const v = this.pipeline(n.pipe, dot, scope);
          if (n.pipe.decl.length === 0) this.out += goString(v);
          break;
        }
        case 'if':
        case 'with': {
          const inner = new Scope(scope);
          const v = this.pipeline(n.pipe, dot, inner);
          if (truthy(v)) this.nodes(n.yes, n.k === 'with' ? v : dot, inner);
          else this.nodes(n.no, dot, inner);
          break;
        }
        case 'range': {
          const inner = new Scope(scope);
          const coll = this.pipeline({ ...n.pipe, decl: [] }, dot, inner);
          const entries: [unknown, unknown][] = Array.isArray(coll)
            ? coll.map((v, i) => [i, v])
            : coll && typeof coll === 'object'
              ? Object.keys(coll)
                  .sort()
                  .map((k) => [k, (coll as Record<string, unknown>)[k]])
              : [];
          if (entries.length === 0) {
            this.nodes(n.no, dot, inner);
            break;
          }
          for (const [k, v] of entries) {
            const iter = new Scope(inner);
            if (n.pipe.decl.length === 1) iter.vars.set(n.pipe.decl[0] as string, v);
            if (n.pipe.decl.length === 2) {
              iter.vars.set(n.pipe.decl[0] as string, k);
              iter.vars.set(n.pipe.decl[1] as string, v);
            }
            this.nodes(n.yes, v, iter);
          }
          break;
        }
      }
    }
  }

  pipeline(p: Pipeline, dot: unknown, scope: Scope): unknown {
    let value: unknown = NO_VALUE;
    let first = true;
    for (const cmd of p.cmds) {
      value = this.command(cmd, dot, scope, first ? undefined : { value });
      first = false;
    }
    if (p.decl.length === 1) {
      if (p.assign) scope.assign(p.decl[0] as string, value);
      else scope.vars.set(p.decl[0] as string, value);
    }
    return value;
  }

  command(cmd: Command, dot: unknown, scope: Scope, piped?: { value: unknown }): unknown {
    const [head, ...rest] = cmd.args;
    if (!head) throw new TemplateError('empty command');
    if (head.t === 'ident') {
      const fn = this.funcs[head.name];
      if (!fn) throw new TemplateError(`function "${head.name}" not defined`);
      const args = rest.map((a) => this.operand(a, dot, scope));
      if (piped) args.push(piped.value);
      return fn(...args.map((a) => (a === NO_VALUE ? undefined : a)));
    }
    if (rest.length > 0 || piped)
      throw new TemplateError("can't give arguments to a non-function value");
    return this.operand(head, dot, scope);
  }

  operand(e: Expr, dot: unknown, scope: Scope): unknown {
    switch (e.t) {
      case 'lit':
        return e.value;
      case 'field':
        return walk(dot, e.path);
      case 'var':
        return walk(scope.lookup(e.name), e.path);
      case 'pipe':
        return walk(this.pipeline(e.pipe, dot, new Scope(scope)), e.path);
      case 'ident': {
        const fn = this.funcs[e.name];
        if (!fn) throw new TemplateError(`function "${e.name}" not defined`);
        return fn();
      }
    }
    return undefined;
  }
}

const cache = new Map<string, Node[]>();

/** Renders a template against `data` and trims surrounding whitespace. */
export function render(
  tpl: string,
  data: unknown,
  extraFuncs: Record<string, TemplateFunc> = {},
): string {
  let nodes = cache.get(tpl);
  if (!nodes) {
    nodes = parse(tpl);
    if (cache.size > 1000) cache.clear();
    cache.set(tpl, nodes);
  }
  const ev = new Evaluator({ ...BUILTIN_FUNCS, ...extraFuncs });
  const root = new Scope();
  root.vars.set('$', data);
  try {
    ev.nodes(nodes, data, root);
  } catch (err) {
    if (err instanceof TemplateError)
      throw new TemplateError(`template ${JSON.stringify(tpl)}: ${err.message}`);
    throw err;
  }
  return ev.out.trim();
}
