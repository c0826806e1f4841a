/**
 * The functions a template may call, as Go's text/template/funcs.go and the sprig library
 * api-syncagent adds, plus api-syncagent's own hashes and `join`. Regular expressions
 * are Go's (RE2) through the project's one translation (`apimachinery/schema/regex.ts`).
 */
import { createHash } from 'node:crypto';
import { compileGoRegex, goReplaceAll } from '../../../apimachinery/schema/regex.ts';
import { sha3Hex, sha3Short, shortHash } from '../../constants.ts';
import { goString, NO_VALUE, num, str, TemplateError, truthy } from './values.ts';

export type TemplateFunc = (...args: unknown[]) => unknown;

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
  regexMatch: (re, s) => compileGoRegex(str(re)).regexp.test(str(s)),
  regexFind: (re, s) => compileGoRegex(str(re)).regexp.exec(str(s))?.[0] ?? '',
  regexReplaceAll: (re, s, repl) => goReplaceAll(str(s), str(re), str(repl)),
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
