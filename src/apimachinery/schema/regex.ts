/**
 * Go (RE2) regular expressions on top of V8. CRD `pattern`s and CEL `matches()` use Go
 * syntax and Go's linear-time guarantee; JavaScript's engine backtracks, so a tenant's
 * `^(a+)+$` could pin the server. Patterns are translated to JavaScript syntax (flags groups,
 * `\z`, `\Q…\E`, POSIX classes, ASCII `\s`, `.` not matching newline, Go's escape rules) and
 * compiled for V8's linear-time engine whenever it accepts them, first as written and then
 * with counted repetitions unrolled and case folding spelled out. Patterns that engine cannot
 * run at all (Unicode classes, large expansions) run on re2js, a port of RE2 itself, also in
 * linear time: on V8's backtracking engine a tenant's CRD pattern `^(\pL+)+$` took 6 s for a
 * 27-character value and minutes for a few more. Nothing backtracks. Go's own rejections
 * (backreferences, lookaround, repeat counts) are reported in Go's words.
 */
import { setFlagsFromString } from 'node:v8';
import { RE2JS } from 're2js';

export class RegexSyntaxError extends Error {
  override readonly name = 'RegexSyntaxError';
}

/** What callers ask of a compiled expression: a match anywhere, and the first match. */
export interface GoRegexp {
  test(s: string): boolean;
  exec(s: string): readonly string[] | null;
}

export interface CompiledRegex {
  readonly regexp: GoRegexp;
  /** The same expression finding every match, for finding or replacing all of them. */
  readonly global: GlobalRegexp;
}

interface GlobalRegexp {
  findAll(s: string): string[];
  /** Every match replaced by a JavaScript replacement template (`$1`, `$<name>`, `$&`). */
  replaceAll(s: string, replacement: string): string;
}

const MAX_REPEAT = 1000;
const MAX_UNROLLED_LENGTH = 20_000;
const CACHE_LIMIT = 2000;
const cache = new Map<string, CompiledRegex | RegexSyntaxError>();

let linearEngine: boolean | undefined;
/** V8's flag for its linear-time engine (a variable, so no tool turns it into a literal). */
const LINEAR = 'l';

function linearEngineAvailable(): boolean {
  if (linearEngine === undefined) {
    try {
      // Only makes the `l` flag recognizable; regexps without it are unaffected.
      setFlagsFromString('--enable-experimental-regexp-engine');
      new RegExp('a', LINEAR);
      linearEngine = true;
    } catch {
      linearEngine = false;
    }
  }
  return linearEngine;
}

/** Compiles a Go regular expression, throwing RegexSyntaxError with Go's message on failure. */
export function compileGoRegex(pattern: string): CompiledRegex {
  const hit = cache.get(pattern);
  if (hit !== undefined) {
    if (hit instanceof RegexSyntaxError) throw hit;
    return hit;
  }
  let result: CompiledRegex | RegexSyntaxError;
  try {
    result = compileUncached(pattern);
  } catch (e) {
    result = e instanceof RegexSyntaxError ? e : new RegexSyntaxError(String(e));
  }
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(pattern, result);
  if (result instanceof RegexSyntaxError) throw result;
  return result;
}

/** Every match of `pattern` in `s`, as Go's `FindAllString(s, -1)`. */
export function goFindAll(pattern: string, s: string): string[] {
  return compileGoRegex(pattern).global.findAll(s);
}

/**
 * A replacement template of Go's `Regexp.Expand` (`$1`, `${1}`, `${name}`; also `\1`, as
 * sprig users write) as a JavaScript replacement string.
 */
function goReplacement(replacement: string): string {
  return replacement
    .replace(/\$\{0\}|\$0(?!\d)/g, '$$&')
    .replace(/\\(\d+)/g, (_m, d: string) => `$${d}`)
    .replace(/\$\{(\d+)\}/g, (_m, d: string) => `$${d}`)
    .replace(/\$\{([A-Za-z_]\w*)\}/g, (_m, n: string) => `$<${n}>`);
}

/** Go's `Regexp.ReplaceAllString`: every match of `pattern` in `value` replaced. */
export function goReplaceAll(value: string, pattern: string, replacement: string): string {
  return compileGoRegex(pattern).global.replaceAll(value, goReplacement(replacement));
}

/** The Go error text for an invalid pattern, or undefined when it compiles. */
export function goRegexError(pattern: string): string | undefined {
  try {
    compileGoRegex(pattern);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

function compileUncached(pattern: string): CompiledRegex {
  // Go's rejections of what RE2 reads (backreferences, lookaround) in Go's words, then RE2's
  // own, as Go's parser words them (repeat counts whose product passes 1,000, sizes).
  const plain = translate(pattern, false);
  let re2: RE2JS;
  try {
    re2 = RE2JS.compile(pattern);
  } catch (e) {
    throw new RegexSyntaxError(e instanceof Error ? e.message : String(e));
  }
  if (linearEngineAvailable() && !plain.unicode) {
    for (const t of [plain, safeTranslate(pattern)]) {
      if (t === undefined || t.unicode || t.source.length > MAX_UNROLLED_LENGTH) continue;
      try {
        return v8Regex(new RegExp(t.source, t.flags + LINEAR));
      } catch {
        // Not expressible for the linear engine; try the next form.
      }
    }
  }
  return re2Regex(re2);
}

function v8Regex(regexp: RegExp): CompiledRegex {
  const all = new RegExp(regexp.source, `${regexp.flags}g`);
  return {
    regexp,
    global: {
      findAll: (s) => [...s.matchAll(all)].map((m) => m[0]),
      replaceAll: (s, replacement) => s.replace(all, replacement),
    },
  };
}

function re2Regex(re: RE2JS): CompiledRegex {
  return {
    regexp: { test: (s) => re.test(s), exec: (s) => re.exec(s) as string[] | null },
    global: {
      findAll: (s) => [...re.matchAll(s)].map((m) => m[0]),
      replaceAll: (s, replacement) => re.matcher(s).replaceAll(replacement),
    },
  };
}

function safeTranslate(pattern: string): Translation | undefined {
  try {
    return translate(pattern, true);
  } catch {
    return undefined;
  }
}

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  U: boolean;
}

interface Translation {
  source: string;
  flags: string;
  unicode: boolean;
}

const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/');
const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7f',
  blank: '\\t ',
  cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};
const GO_SPACE = '\\t\\n\\f\\r ';

function fail(what: string, text: string): never {
  throw new RegexSyntaxError(`error parsing regexp: ${what}: \`${text}\``);
}

function hex(c: string): string {
  return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

function isAsciiPunct(c: string): boolean {
  return /^[!-/:-@[-`{-~]$/.test(c);
}

function isLetter(c: string): boolean {
  return /^[A-Za-z]$/.test(c);
}

function swapCase(c: string): string {
  return c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
}

/**
 * Go syntax → JavaScript syntax. With `linearFriendly`, counted repetitions are unrolled and
 * case-insensitivity is spelled out as character classes, the two things V8's linear engine
 * refuses.
 */
function translate(p: string, linearFriendly: boolean): Translation {
  let i = 0;
  // Go flags are scoped to the enclosing group; `s` and `U` are applied during translation,
  // `i` too when folding case for the linear engine, otherwise they become JS modifiers.
  let flags: Flags = { i: false, m: false, s: false, U: false };
  let unicode = false;
  // Leading flag groups become JavaScript flags.
  for (let m = /^\(\?([imsU]+)\)/.exec(p.slice(i)); m; m = /^\(\?([imsU]+)\)/.exec(p.slice(i))) {
    for (const f of m[1] as string) flags[f as keyof Flags] = true;
    i += m[0].length;
  }
  const globalI = flags.i && !linearFriendly;
  const globalM = flags.m;
  let fold = linearFriendly && flags.i;
  let out = '';
  let lastAtom = -1;
  const groups: { start: number; extra: number; saved: Flags }[] = [];
  const setFlags = (next: Flags) => {
    flags = next;
    fold = linearFriendly && next.i;
  };

  const literal = (c: string): string => {
    if (fold && isLetter(c)) return `[${c}${swapCase(c)}]`;
    if (JS_SYNTAX.has(c)) return `\\${c}`;
    return c;
  };

  const escapeOutside = (): string => {
    const c = p[i + 1];
    if (c === undefined) fail('trailing backslash at end of expression', '');
    i += 2;
    switch (c) {
      case 'd':
      case 'D':
      case 'w':
      case 'W':
      case 'b':
      case 'B':
      case 't':
      case 'n':
      case 'r':
      case 'f':
      case 'v':
        return `\\${c}`;
      case 's':
        return `[${GO_SPACE}]`;
      case 'S':
        return `[^${GO_SPACE}]`;
      case 'a':
        return '\\x07';
      case 'A':
        return flags.m ? '(?<![\\s\\S])' : '^';
      case 'z':
        return flags.m ? '(?![\\s\\S])' : '$';
      case 'Q': {
        const end = p.indexOf('\\E', i);
        const text = end < 0 ? p.slice(i) : p.slice(i, end);
        i = end < 0 ? p.length : end + 2;
        return [...text].map(literal).join('');
      }
      case 'p':
      case 'P':
        unicode = true;
        return unicodeClass(c);
      case 'x':
        return hexEscape();
      default:
        if (c >= '0' && c <= '7') return octal(c);
        if (isAsciiPunct(c)) return JS_SYNTAX.has(c) ? `\\${c}` : hex(c);
        return fail('invalid escape sequence', `\\${c}`);
    }
  };

  const octal = (first: string): string => {
    let digits = first;
    while (digits.length < 3 && /[0-7]/.test(p[i] ?? '')) digits += p[i++];
    if (digits.length === 1 && first !== '0') fail('invalid escape sequence', `\\${first}`);
    return `\\x${Number.parseInt(digits, 8).toString(16).padStart(2, '0')}`;
  };

  const hexEscape = (): string => {
    if (p[i] === '{') {
      const end = p.indexOf('}', i);
      if (end < 0) fail('invalid escape sequence', `\\x${p.slice(i)}`);
      const code = Number.parseInt(p.slice(i + 1, end), 16);
      if (!Number.isFinite(code) || code > 0x10ffff)
        fail('invalid escape sequence', p.slice(i - 2, end + 1));
      i = end + 1;
      if (code > 0xffff) unicode = true;
      return code > 0xffff
        ? `\\u{${code.toString(16)}}`
        : `\\u${code.toString(16).padStart(4, '0')}`;
    }
    const h = p.slice(i, i + 2);
    if (!/^[0-9a-fA-F]{2}$/.test(h)) fail('invalid escape sequence', `\\x${h}`);
    i += 2;
    return `\\x${h}`;
  };

  const unicodeClass = (c: string): string => {
    let name: string;
    if (p[i] === '{') {
      const end = p.indexOf('}', i);
      if (end < 0) fail('invalid character class range', p.slice(i - 2));
      name = p.slice(i + 1, end);
      i = end + 1;
    } else {
      name = p[i] ?? '';
      i++;
    }
    let negate = c === 'P';
    if (name.startsWith('^')) {
      negate = !negate;
      name = name.slice(1);
    }
    const prop = name.length <= 2 || name === 'Any' ? name : `Script=${name}`;
    if (name === 'Any') return negate ? '[^\\s\\S]' : '[\\s\\S]';
    return `\\${negate ? 'P' : 'p'}{${prop}}`;
  };

  const charClass = (): string => {
    const start = i;
    i++;
    let body = '';
    let negated = false;
    if (p[i] === '^') {
      negated = true;
      i++;
    }
    let first = true;
    const folded: string[] = [];
    while (i < p.length && (p[i] !== ']' || first)) {
      first = false;
      const c = p[i] as string;
      if (c === '[' && p[i + 1] === ':') {
        const end = p.indexOf(':]', i + 2);
        const name = end < 0 ? '' : p.slice(i + 2, end);
        if (name.startsWith('^') || POSIX[name] === undefined) {
          fail('invalid character class range', p.slice(i, end < 0 ? p.length : end + 2));
        }
        body += POSIX[name];
        i = end + 2;
        continue;
      }
      if (c === '\\') {
        const e = p[i + 1];
        if (e === undefined) fail('missing closing ]', p.slice(start));
        i += 2;
        if ('dDwWStnrfv'.includes(e)) body += `\\${e}`;
        else if (e === 's') body += GO_SPACE;
        else if (e === 'a') body += '\\x07';
        else if (e === 'p' || e === 'P') {
          unicode = true;
          body += unicodeClass(e);
        } else if (e === 'x') body += hexEscape();
        else if (e >= '0' && e <= '7') body += octal(e);
        else if (isAsciiPunct(e)) body += JS_SYNTAX.has(e) || e === '-' ? `\\${e}` : hex(e);
        else fail('invalid escape sequence', `\\${e}`);
        continue;
      }
      if (fold && isLetter(c)) {
        const isRange = p[i + 1] === '-' && p[i + 2] !== undefined && p[i + 2] !== ']';
        const hi = p[i + 2] as string;
        if (isRange && isLetter(hi) && (c === c.toLowerCase()) === (hi === hi.toLowerCase())) {
          folded.push(`${swapCase(c)}-${swapCase(hi)}`);
          body += `${c}-${hi}`;
          i += 3;
          continue;
        }
        if (!isRange) folded.push(swapCase(c));
      }
      body += c === '[' ? '\\[' : c;
      i++;
    }
    if (p[i] !== ']') fail('missing closing ]', p.slice(start));
    i++;
    return `[${negated ? '^' : ''}${body}${folded.join('')}]`;
  };

  const repeat = (): { min: number; max: number | undefined; text: string } | undefined => {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i));
    if (!m) return undefined;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? undefined : Number(m[3]);
    if (min > MAX_REPEAT || (max !== undefined && (max > MAX_REPEAT || max < min))) {
      fail('invalid repeat count', m[0]);
    }
    return { min, max, text: m[0] };
  };

  const quantify = (
    q: string,
    lazy: boolean,
    atom: string,
    count?: { min: number; max?: number },
  ) => {
    if (lastAtom < 0) fail('missing argument to repetition operator', q);
    const greedyMark = lazy !== flags.U ? '?' : '';
    if (linearFriendly && count !== undefined) {
      const { min, max } = count;
      // Refuse before building: nested counts multiply and could exhaust memory.
      if (out.length + (atom.length + 6) * Math.max(min + 1, max ?? 0) > MAX_UNROLLED_LENGTH) {
        throw new RegexSyntaxError('not linear');
      }
      let expanded = `(?:${atom})`.repeat(min);
      if (max === undefined) expanded += `(?:${atom})*${greedyMark}`;
      else if (max > min) {
        expanded += `(?:${atom}`.repeat(max - min) + `)?${greedyMark}`.repeat(max - min);
      }
      out = out.slice(0, lastAtom) + expanded;
    } else {
      out += q + greedyMark;
    }
    lastAtom = -1;
  };

  while (i < p.length) {
    const c = p[i] as string;
    const atomStart = out.length;
    if (c === '\\') {
      out += escapeOutside();
      lastAtom = /^(\\[bB]|\^|\$|\(\?<?[=!])/.test(out.slice(atomStart)) ? -1 : atomStart;
      continue;
    }
    if (c === '[') {
      out += charClass();
      lastAtom = atomStart;
      continue;
    }
    if (c === '(') {
      const rest = p.slice(i);
      const named = /^\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
      const m = named ? null : /^\(\?([imsU]*)(-([imsU]*))?([:)])/.exec(rest);
      if (named) {
        out += `(?<${named[1]}>`;
        i += named[0].length;
      } else if (rest.startsWith('(?=') || rest.startsWith('(?!') || /^\(\?<[=!]/.test(rest)) {
        fail('invalid or unsupported Perl syntax', rest.slice(0, rest[2] === '<' ? 4 : 3));
      } else if (m) {
        const on = m[1] ?? '';
        const off = m[3] ?? '';
        const next = { ...flags };
        for (const f of on) next[f as keyof Flags] = true;
        for (const f of off) next[f as keyof Flags] = false;
        // Only case (outside linear mode) and multi-line need JavaScript modifiers.
        const modOn =
          (linearFriendly ? '' : on.replace(/[sU]/g, '')).replace(/m/g, '') +
          (on.includes('m') ? 'm' : '');
        const modOff =
          (linearFriendly ? '' : off.replace(/[sU]/g, '')).replace(/m/g, '') +
          (off.includes('m') ? 'm' : '');
        if (linearFriendly && (modOn + modOff).includes('m'))
          throw new RegexSyntaxError('not linear');
        const js = modOn + (modOff ? `-${modOff}` : '');
        i += m[0].length;
        if (m[4] === ')') {
          // `(?i)` mid-pattern applies to the rest of the enclosing group.
          if (js) {
            out += `(?${js}:`;
            const top = groups[groups.length - 1];
            if (top) top.extra++;
            else groups.push({ start: -1, extra: 1, saved: flags });
          }
          setFlags(next);
          continue;
        }
        out += js ? `(?${js}:` : '(?:';
        groups.push({ start: atomStart, extra: 0, saved: flags });
        setFlags(next);
        lastAtom = -1;
        continue;
      } else if (rest.startsWith('(?')) {
        fail('invalid or unsupported Perl syntax', rest.slice(0, 3));
      } else {
        out += '(';
        i++;
      }
      groups.push({ start: atomStart, extra: 0, saved: flags });
      lastAtom = -1;
      continue;
    }
    if (c === ')') {
      const g = groups.pop();
      // A bare top-level `(?i)` wrapper cannot be closed by a user parenthesis.
      if (g === undefined || g.start === -1) fail('unexpected )', p);
      out += `)${')'.repeat(g.extra)}`;
      setFlags(g.saved);
      i++;
      lastAtom = g.start;
      continue;
    }
    if (c === '*' || c === '+' || c === '?') {
      const lazy = p[i + 1] === '?';
      i += lazy ? 2 : 1;
      quantify(c, lazy, '');
      continue;
    }
    if (c === '{') {
      const r = repeat();
      if (r) {
        const atom = lastAtom >= 0 ? out.slice(lastAtom) : '';
        i += r.text.length;
        const lazy = p[i] === '?';
        if (lazy) i++;
        quantify(r.text, lazy, atom, linearFriendly ? { min: r.min, max: r.max } : undefined);
        continue;
      }
      out += '\\{';
      i++;
      lastAtom = atomStart;
      continue;
    }
    if (c === '.') {
      out += flags.s ? '[\\s\\S]' : '[^\\n]';
      i++;
      lastAtom = atomStart;
      continue;
    }
    if (c === '^' || c === '$' || c === '|') {
      out += c;
      i++;
      lastAtom = -1;
      continue;
    }
    const cp = p.codePointAt(i) as number;
    const ch = String.fromCodePoint(cp);
    if (cp > 0xffff) unicode = true;
    out += literal(ch);
    i += ch.length;
    lastAtom = atomStart;
  }
  for (const g of groups) {
    if (g.start !== -1) fail('missing closing )', p);
    out += ')'.repeat(g.extra);
  }
  const jsFlags = (globalI ? 'i' : '') + (globalM ? 'm' : '');
  return { source: out, flags: jsFlags, unicode };
}
