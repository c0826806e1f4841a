/**
 * Field selectors (k8s.io/apimachinery/pkg/fields): the `fieldSelector` query parameter,
 * `a=b,c!=d`, with backslash escapes for `\`, `,` and `=` inside values. Which fields a
 * resource supports is the caller's business; this module only parses and matches.
 */
import { compareStrings } from './schema/json.ts';
import { badRequest } from './status.ts';

export interface FieldRequirement {
  readonly field: string;
  /** `==` is folded into `=`, as upstream's Requirements() reports it. */
  readonly operator: '=' | '!=';
  /** The unescaped value. */
  readonly value: string;
}

export interface FieldSelectorMatcher {
  /** True when the selector does not restrict anything. */
  readonly empty: boolean;
  readonly requirements: readonly FieldRequirement[];
  /** A missing field reads as the empty string, as upstream's Fields.Get does. */
  matches(fields: Readonly<Record<string, string>>): boolean;
  /** The value an `=` requirement pins `field` to, if any. */
  requiresExactMatch(field: string): string | undefined;
  /** Text form: terms in sorted order, values re-escaped. */
  toString(): string;
}

/** Escapes a literal for use as a field selector value. */
export function escapeFieldValue(value: string): string {
  return value.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/**
 * Undoes escapeFieldValue. An unescaped `,` or `=` and an unknown escape are errors, with
 * upstream's messages (the rune is printed as its code point number, as Go's %v does).
 */
export function unescapeFieldValue(value: string): string {
  if (!/[\\,=]/.test(value)) return value;
  let out = '';
  let escaped = false;
  for (const c of value) {
    if (escaped) {
      if (c !== '\\' && c !== ',' && c !== '=') {
        throw badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      }
      out += c;
      escaped = false;
    } else if (c === '\\') {
      escaped = true;
    } else if (c === ',' || c === '=') {
      throw badRequest(
        `invalid field selector: unescaped character in value: ${c.codePointAt(0) as number}`,
      );
    } else {
      out += c;
    }
  }
  if (escaped) throw badRequest('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** Splits on unescaped commas; escapes stay in the terms for the value parser to undo. */
function splitTerms(selector: string): string[] {
  if (selector.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (escaped) {
      escaped = false;
    } else if (c === '\\') {
      escaped = true;
    } else if (c === ',') {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

/** The first operator occurrence splits a term; `!=` and `==` win over `=` at one spot. */
function splitTerm(term: string): [string, '=' | '==' | '!=', string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of ['!=', '==', '='] as const) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

function matcher(requirements: FieldRequirement[]): FieldSelectorMatcher {
  const reqs: readonly FieldRequirement[] = Object.freeze(
    requirements.map((r) => Object.freeze({ ...r })),
  );
  const get = (fields: Readonly<Record<string, string>>, name: string): string =>
    Object.hasOwn(fields, name) ? (fields[name] ?? '') : '';
  return {
    empty: reqs.length === 0,
    requirements: reqs,
    matches: (fields) =>
      reqs.every((r) => (get(fields, r.field) === r.value) === (r.operator === '=')),
    requiresExactMatch: (field) => reqs.find((r) => r.field === field && r.operator === '=')?.value,
    toString: () =>
      reqs.map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`).join(','),
  };
}

/**
 * Parses a field selector. An empty string, and terms with neither a field nor a value
 * (`=`, `!=`), select everything. Throws a 400 BadRequest StatusError on invalid input.
 */
export function parseFieldSelector(text: string): FieldSelectorMatcher {
  const terms = splitTerms(text).sort(compareStrings);
  const reqs: FieldRequirement[] = [];
  for (const term of terms) {
    if (term === '') continue;
    const split = splitTerm(term);
    if (!split) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    const [field, op, raw] = split;
    const value = unescapeFieldValue(raw);
    // Upstream's identity transform turns a term with no field and no value into Everything.
    if (field === '' && value === '') continue;
    reqs.push({ field, operator: op === '!=' ? '!=' : '=', value });
  }
  return matcher(reqs);
}

/** A selector requiring every field to equal its value (fields.SelectorFromSet). */
export function fieldSelectorFromSet(set: Readonly<Record<string, string>>): FieldSelectorMatcher {
  const reqs = Object.entries(set)
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([field, value]): FieldRequirement => ({ field, operator: '=', value }));
  return matcher(reqs);
}
