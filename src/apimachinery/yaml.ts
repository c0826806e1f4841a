/**
 * JSON values as YAML that every YAML reader of the Kubernetes world reads back as the same
 * values: kubectl and client-go (go-yaml v2, YAML 1.1), PyYAML (YAML 1.1, the official
 * Python client) and YAML 1.2 readers (js-yaml, the `yaml` package). Key order is kept and
 * layout follows go-yaml v2 (two-space indents, sequences level with their key, literal
 * blocks for multi-line text).
 *
 * A string is written plain only when no reader could take it for something else: never
 * one that YAML 1.1 or 1.2 resolves to a boolean (`yes`, `on`, `y`), null (`~`), number
 * (`1_000`, `0755`, `1e3`, `1:20`, `.inf`), timestamp (`2024-01-01`), merge key (`<<`) or
 * value (`=`, on which PyYAML fails), nor one holding characters YAML treats specially
 * (indicators, `: `, ` #`, tabs, line breaks of any kind, control characters). Those are
 * double-quoted with escapes, as go-yaml v2 quotes a string that would resolve otherwise.
 */
import type { JsonValue } from './meta.ts';

/** YAML text for a JSON value, ending with a newline. */
export function toYaml(value: JsonValue): string {
  const out: string[] = [];
  if (isCollection(value) && !isEmpty(value)) writeBlock(value, 0, out);
  else out.push(scalar(value, 0));
  return `${out.join('\n')}\n`;
}

type Collection = JsonValue[] | { [key: string]: JsonValue | undefined };

function isCollection(v: JsonValue | undefined): v is Collection {
  return typeof v === 'object' && v !== null;
}

function isEmpty(v: Collection): boolean {
  return Array.isArray(v) ? v.length === 0 : Object.values(v).every((x) => x === undefined);
}

/** A non-empty map or list as block lines at `indent`. */
function writeBlock(value: Collection, indent: number, out: string[]): void {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isCollection(item) && !isEmpty(item)) {
        // The first line of a nested block goes on the dash's line.
        const lines: string[] = [];
        writeBlock(item, indent + 2, lines);
        out.push(`${pad}- ${(lines[0] ?? '').slice(indent + 2)}`, ...lines.slice(1));
      } else out.push(`${pad}- ${scalar(item, indent + 2)}`);
    }
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const key = `${pad}${stringScalar(k, indent, true)}:`;
    if (isCollection(v) && !isEmpty(v)) {
      out.push(key);
      // Sequences sit level with their key, as go-yaml v2 and kubectl write them.
      writeBlock(v, Array.isArray(v) ? indent : indent + 2, out);
    } else out.push(`${key} ${scalar(v, indent + 2)}`);
  }
}

function scalar(v: JsonValue | undefined, indent: number): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return number(v);
  if (typeof v === 'string') return stringScalar(v, indent, false);
  return Array.isArray(v) ? '[]' : '{}';
}

/** A number as YAML 1.1 and 1.2 both read it: an exponent needs a fraction in YAML 1.1. */
function number(n: number): string {
  const text = String(n);
  return /^-?\d+e/.test(text) ? text.replace('e', '.0e') : text;
}

/** YAML 1.1 and 1.2 booleans and nulls, and the merge key; `=` is YAML 1.1's value key. */
const RESERVED =
  /^(?:[yYnN]|yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~|<<|=)$/;
/**
 * Whatever any YAML version reads as a number: signs, `_` separators, binary, octal (both
 * spellings), hex, base 60 (`1:20`), fractions, exponents with or without a sign or a
 * mantissa (`e3` is a float to some YAML 1.1 readers), `.inf`.
 */
const NUMBER =
  /^[-+]?(?:0b[01_]+|0o[0-7_]+|0x[\da-fA-F_]+|\d[\d_]*(?::[0-5]?\d)*(?:\.[\d_]*)?(?:[eE][-+]?\d+)?|(?:\d[\d_]*)?(?:\.[\d_]*)?[eE][-+]?\d+|(?:\d[\d_]*)?\.[\d_]*|\.(?:inf|Inf|INF))$/;
const NOT_A_NUMBER = /^\.(?:nan|NaN|NAN)$/;
/** A date at the start reads as a YAML 1.1 timestamp. */
const TIMESTAMP = /^\d{4}-\d{1,2}-\d{1,2}(?:$|[Tt \t])/;
/** Characters that start something else when they start a plain scalar. */
const INDICATOR_START = /^[-?:,[\]{}#&*!|>'"%@`\s]/;
/**
 * A character no scalar but a double-quoted one may hold: C0 and C1 controls, DEL, the line
 * and paragraph separators, a byte-order mark, a lone surrogate. Line feeds and tabs are
 * allowed in literal blocks only; `allowLineFeedAndTab` says whether this is one.
 */
function special(code: number, allowLineFeedAndTab: boolean): boolean {
  if (allowLineFeedAndTab && (code === 0x0a || code === 0x09)) return false;
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0xfeff ||
    (code >= 0xd800 && code <= 0xdfff)
  );
}

/** Whether any character of `s` (by code point, so paired surrogates pass) is special. */
function hasSpecial(s: string, allowLineFeedAndTab: boolean): boolean {
  for (const c of s) if (special(c.codePointAt(0) ?? 0, allowLineFeedAndTab)) return true;
  return false;
}

function plainSafe(s: string): boolean {
  return (
    s !== '' &&
    !INDICATOR_START.test(s) &&
    !s.startsWith('...') &&
    !/\s$/.test(s) &&
    !s.includes(': ') &&
    !s.includes(' #') &&
    !s.endsWith(':') &&
    !hasSpecial(s, false) &&
    !RESERVED.test(s) &&
    !NUMBER.test(s) &&
    !NOT_A_NUMBER.test(s) &&
    !TIMESTAMP.test(s)
  );
}

/** Multi-line text a literal block holds exactly (its first line may not be indented). */
function literalSafe(s: string): boolean {
  return /\n[\s\S]*[^\n]|[^\n][\s\S]*\n/.test(s) && !/^\n*[ \t]/.test(s) && !hasSpecial(s, true);
}

function stringScalar(s: string, indent: number, isKey: boolean): string {
  if (plainSafe(s)) return s;
  if (!isKey && literalSafe(s)) {
    const trailing = /\n*$/.exec(s)?.[0].length ?? 0;
    const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
    const body = trailing > 0 ? s.slice(0, -1) : s;
    const pad = ' '.repeat(Math.max(indent, 2));
    return `|${chomp}\n${body
      .split('\n')
      .map((line) => (line === '' ? '' : pad + line))
      .join('\n')}`;
  }
  return doubleQuoted(s);
}

const ESCAPES: Record<string, string> = {
  '\0': '\\0',
  '\x07': '\\a',
  '\b': '\\b',
  '\t': '\\t',
  '\n': '\\n',
  '\v': '\\v',
  '\f': '\\f',
  '\r': '\\r',
  '\x1b': '\\e',
  '"': '\\"',
  '\\': '\\\\',
  '\x85': '\\N',
  '\u2028': '\\L',
  '\u2029': '\\P',
};

function doubleQuoted(s: string): string {
  let out = '"';
  for (const c of s) {
    const code = c.codePointAt(0) ?? 0;
    const known = ESCAPES[c];
    if (known) out += known;
    else if (!special(code, false)) out += c;
    else if (code <= 0xff) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}
