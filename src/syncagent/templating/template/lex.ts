/**
 * Lexing, as Go's text/template/parse/lex.go: the template is cut into text and actions
 * (`{{ … }}`, with `{{-`/`-}}` trimming the whitespace beside them), and an action's text
 * into tokens (fields, variables, literals, identifiers, operators).
 */
import { TemplateError } from './values.ts';

export interface RawPart {
  kind: 'text' | 'action';
  value: string;
}

export function split(tpl: string): RawPart[] {
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

export type Token =
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

export function tokenize(src: string): Token[] {
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
