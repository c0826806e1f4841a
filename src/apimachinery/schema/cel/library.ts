/**
 * The Kubernetes CEL libraries on top of cel-js's standard library: the string extensions
 * cel-js lacks (charAt, replace, reverse, format, strings.quote), Kubernetes' lists
 * (isSorted, sum, min, max, indexOf, lastIndexOf), sets, base64 and regex find/findAll, plus
 * the value types from library-types.ts (url, quantity, ip, cidr). Regular expressions go
 * through the RE2-safe compiler, including `.matches()` (see source.ts for how calls are
 * routed here).
 */
import type { Environment } from '@marcbachmann/cel-js';
import { Duration } from '@marcbachmann/cel-js/evaluator';
import { compileGoRegex, type GoRegexp, goFindAll } from '../regex.ts';
import { registerNetwork, registerQuantity, registerURLs } from './library-types.ts';
import { SAFE_MATCHES } from './source.ts';
import { celCompare, celEquals } from './values.ts';

class Namespace {}
class SetsNamespace extends Namespace {}
class StringsNamespace extends Namespace {}
class Base64Namespace extends Namespace {}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

function codePoints(s: string): string[] {
  return [...s];
}

function regex(pattern: string): GoRegexp {
  return compileGoRegex(pattern).regexp;
}

export function registerKubernetesLibrary(env: Environment): void {
  registerStrings(env);
  registerLists(env);
  registerSets(env);
  registerRegex(env);
  registerURLs(env);
  registerQuantity(env);
  registerNetwork(env);
}

function registerStrings(env: Environment): void {
  env.registerFunction('string.charAt(int): string', (s: string, i: bigint) => {
    const cps = codePoints(s);
    if (i < 0n || i > BigInt(cps.length)) throw new Error(`index out of range: ${i}`);
    return cps[Number(i)] ?? '';
  });
  env.registerFunction(
    'string.replace(string, string): string',
    (s: string, a: string, b: string) => s.split(a).join(b),
  );
  env.registerFunction(
    'string.replace(string, string, int): string',
    (s: string, a: string, b: string, n: bigint) => {
      if (n < 0n) return s.split(a).join(b);
      const parts = s.split(a);
      const k = Number(n);
      return parts.length - 1 <= k
        ? parts.join(b)
        : parts.slice(0, k + 1).join(b) + a + parts.slice(k + 1).join(a);
    },
  );
  env.registerFunction('string.reverse(): string', (s: string) => codePoints(s).reverse().join(''));
  env.registerFunction('string.format(list<dyn>): string', (s: string, args: unknown[]) =>
    format(s, args),
  );
  env.registerType('StringsNamespace', StringsNamespace);
  env.registerConstant('strings', 'StringsNamespace', new StringsNamespace());
  env.registerFunction('StringsNamespace.quote(string): string', (_: Namespace, s: string) =>
    JSON.stringify(s),
  );
  env.registerType('Base64Namespace', Base64Namespace);
  env.registerConstant('base64', 'Base64Namespace', new Base64Namespace());
  env.registerFunction('Base64Namespace.encode(bytes): string', (_: Namespace, b: Uint8Array) =>
    btoa(String.fromCharCode(...b)),
  );
  env.registerFunction('Base64Namespace.decode(string): bytes', (_: Namespace, s: string) => {
    try {
      return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
    } catch {
      throw new Error(`illegal base64 data`);
    }
  });
}

function formatValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return Number.isInteger(v) ? `${v}.0` : String(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
  if (v instanceof Map)
    return `{${[...v].map(([k, x]) => `${formatValue(k)}:${formatValue(x)}`).join(', ')}}`;
  if (v instanceof Date) return v.toISOString().replace('.000Z', 'Z');
  if (v instanceof Duration) return `${Number(v.valueOf()) / 1000}s`;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  return String(v);
}

/** The cel-go strings.format subset: %s %d %f %e %b %o %x %X %%, with `.N` precision. */
function format(spec: string, args: unknown[]): string {
  let out = '';
  let arg = 0;
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i];
    if (c !== '%') {
      out += c;
      continue;
    }
    const m = /^%(?:\.(\d+))?([sdfeboxX%])/.exec(spec.slice(i));
    if (!m)
      throw new Error(
        `could not parse formatting clause: unrecognized formatting clause "${spec.slice(i, i + 2)}"`,
      );
    i += m[0].length - 1;
    const verb = m[2] as string;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (arg >= args.length) throw new Error(`index ${arg} out of range`);
    const v = args[arg++];
    const precision = m[1] === undefined ? 6 : Number(m[1]);
    switch (verb) {
      case 's':
        out += formatValue(v);
        break;
      case 'd':
        if (typeof v !== 'bigint' && !(typeof v === 'number' && Number.isInteger(v))) {
          throw new Error(
            `error during formatting: decimal clause can only be used on integers, was given ${typeof v}`,
          );
        }
        out += String(v);
        break;
      case 'f':
      case 'e':
        if (typeof v !== 'number' && typeof v !== 'bigint') {
          throw new Error(
            `error during formatting: fixed-point clause can only be used on doubles, was given ${typeof v}`,
          );
        }
        out +=
          verb === 'f'
            ? Number(v).toFixed(precision)
            : Number(v)
                .toExponential(precision)
                .replace(/e([+-])(\d)$/, 'e$10$2');
        break;
      default: {
        const base = verb === 'b' ? 2 : verb === 'o' ? 8 : 16;
        let text: string;
        if (typeof v === 'bigint') text = v.toString(base);
        else if (typeof v === 'string' && base === 16) text = Buffer.from(v).toString('hex');
        else if (v instanceof Uint8Array && base === 16) text = Buffer.from(v).toString('hex');
        else
          throw new Error(
            `error during formatting: only integers can be formatted in base ${base}`,
          );
        out += verb === 'X' ? text.toUpperCase() : text;
      }
    }
  }
  return out;
}

function registerLists(env: Environment): void {
  const compare = (a: unknown, b: unknown): number => {
    const c = celCompare(a, b);
    if (c === undefined) throw new Error('no such overload');
    return c;
  };
  env.registerFunction('list<A>.isSorted(): bool', (l: unknown[]) =>
    l.every((v, i) => i === 0 || compare(l[i - 1], v) <= 0),
  );
  env.registerFunction('list<int>.sum(): int', (l: bigint[]) => {
    const s = l.reduce((a, b) => a + b, 0n);
    if (s > INT64_MAX || s < INT64_MIN) throw new Error('integer overflow');
    return s;
  });
  env.registerFunction('list<double>.sum(): double', (l: number[]) => l.reduce((a, b) => a + b, 0));
  env.registerFunction(
    'list<google.protobuf.Duration>.sum(): google.protobuf.Duration',
    (l: Duration[]) => l.reduce((a, b) => a.addDuration(b), new Duration(0n, 0)),
  );
  for (const [name, sign] of [
    ['min', -1],
    ['max', 1],
  ] as const) {
    env.registerFunction(`list<A>.${name}(): A`, (l: unknown[]) => {
      if (l.length === 0) throw new Error(`${name} called on empty list`);
      return l.reduce((best, v) => (compare(v, best) * sign > 0 ? v : best));
    });
  }
  env.registerFunction('list<A>.indexOf(A): int', (l: unknown[], v: unknown) =>
    BigInt(l.findIndex((x) => celEquals(x, v))),
  );
  env.registerFunction('list<A>.lastIndexOf(A): int', (l: unknown[], v: unknown) =>
    BigInt(l.findLastIndex((x) => celEquals(x, v))),
  );
}

function registerSets(env: Environment): void {
  env.registerType('SetsNamespace', SetsNamespace);
  env.registerConstant('sets', 'SetsNamespace', new SetsNamespace());
  const has = (l: unknown[], v: unknown) => l.some((x) => celEquals(x, v));
  env.registerFunction(
    'SetsNamespace.contains(list<A>, list<A>): bool',
    (_: Namespace, a: unknown[], b: unknown[]) => b.every((v) => has(a, v)),
  );
  env.registerFunction(
    'SetsNamespace.equivalent(list<A>, list<A>): bool',
    (_: Namespace, a: unknown[], b: unknown[]) =>
      b.every((v) => has(a, v)) && a.every((v) => has(b, v)),
  );
  env.registerFunction(
    'SetsNamespace.intersects(list<A>, list<A>): bool',
    (_: Namespace, a: unknown[], b: unknown[]) => b.some((v) => has(a, v)),
  );
}

function registerRegex(env: Environment): void {
  const matches = (s: string, p: string) => regex(p).test(s);
  env.registerFunction(`string.${SAFE_MATCHES}(string): bool`, matches);
  env.registerFunction('matches(string, string): bool', matches);
  env.registerFunction(
    'string.find(string): string',
    (s: string, p: string) => regex(p).exec(s)?.[0] ?? '',
  );
  env.registerFunction('string.findAll(string): list<string>', (s: string, p: string) =>
    goFindAll(p, s),
  );
  env.registerFunction(
    'string.findAll(string, int): list<string>',
    (s: string, p: string, n: bigint) => {
      const all = goFindAll(p, s);
      return n < 0n ? all : all.slice(0, Number(n));
    },
  );
}
