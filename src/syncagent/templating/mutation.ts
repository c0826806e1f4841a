/**
 * Paths and mutations as api-syncagent evaluates them: gjson-style paths (`spec.a.b`,
 * `spec.list.0.name`, `spec.users.#.name` for every element, `spec.list.#` for the length,
 * `\.` to escape a dot; no leading dot) and the mutation steps `delete`, `regex`
 * (empty pattern replaces the whole value; `\1` and `$1` refer to groups), `template`
 * (context `.Value`, `.LocalObject`, `.RemoteObject`) and `cel` (variables `value`, `self`,
 * `other`), applied in order.
 */
import { evaluate as evaluateCel } from '@marcbachmann/cel-js';
import { goReplaceAll } from '../../apimachinery/schema/regex.ts';
import type { ResourceMutation } from '../apis/types.ts';
import { render } from './template.ts';

type Json = unknown;

export function splitPath(path: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i] as string;
    if (c === '\\' && i + 1 < path.length) {
      cur += path[++i];
      continue;
    }
    if (c === '.') {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out.filter((s, i) => s !== '' || i > 0);
}

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads a path; `#` maps over arrays (giving a list) or, last, gives the length. */
export function getPath(obj: Json, path: string): Json {
  return get(obj, splitPath(path));
}

function get(cur: Json, parts: string[]): Json {
  if (parts.length === 0) return cur;
  const [head, ...rest] = parts as [string, ...string[]];
  if (head === '#' && Array.isArray(cur)) {
    if (rest.length === 0) return cur.length;
    return cur.map((item) => get(item, rest)).filter((v) => v !== undefined);
  }
  if (Array.isArray(cur)) {
    if (!/^\d+$/.test(head)) return undefined;
    return get(cur[Number(head)], rest);
  }
  if (isObject(cur)) return Object.hasOwn(cur, head) ? get(cur[head], rest) : undefined;
  return undefined;
}

/** Sets a path, creating objects on the way (sjson); `-1` on an array appends. */
export function setPath(obj: Record<string, Json>, path: string, value: Json): void {
  const parts = splitPath(path);
  let cur: Json = obj;
  for (let i = 0; i < parts.length; i++) {
    const key = parts[i] as string;
    const last = i === parts.length - 1;
    if (Array.isArray(cur)) {
      const idx = key === '-1' ? cur.length : Number(key);
      if (!Number.isInteger(idx) || idx < 0)
        throw new Error(`path ${path}: ${key} is not an index`);
      if (last) cur[idx] = value;
      else {
        if (!isObject(cur[idx]) && !Array.isArray(cur[idx]))
          cur[idx] = /^\d+$/.test(parts[i + 1] as string) ? [] : {};
        cur = cur[idx];
      }
    } else if (isObject(cur)) {
      if (last) cur[key] = value;
      else {
        if (!isObject(cur[key]) && !Array.isArray(cur[key]))
          cur[key] = /^\d+$/.test(parts[i + 1] as string) ? [] : {};
        cur = cur[key];
      }
    } else throw new Error(`path ${path}: cannot set below a ${typeof cur}`);
  }
}

export function deletePath(obj: Json, path: string): void {
  const parts = splitPath(path);
  let cur: Json = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    cur = Array.isArray(cur)
      ? cur[Number(parts[i])]
      : isObject(cur)
        ? cur[parts[i] as string]
        : undefined;
    if (cur === undefined) return;
  }
  const lastKey = parts[parts.length - 1] as string;
  if (Array.isArray(cur)) {
    const idx = Number(lastKey);
    if (Number.isInteger(idx) && idx >= 0 && idx < cur.length) cur.splice(idx, 1);
  } else if (isObject(cur)) delete cur[lastKey];
}

/** A scalar as text (regex and reference values). */
export function scalarString(v: Json): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** Go's regexp ReplaceAllString, or the replacement itself when the pattern is empty. */
export function regexReplace(
  value: string,
  pattern: string | undefined,
  replacement: string,
): string {
  if (!pattern) return replacement;
  return goReplaceAll(value, pattern, replacement);
}

/** JSON into CEL values: integral numbers are CEL ints, as Kubernetes' int64s are. */
function toCel(v: unknown): unknown {
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (Array.isArray(v)) return v.map(toCel);
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toCel(x);
    return out;
  }
  return v;
}

function fromCel(v: unknown): Json {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(fromCel);
  if (v instanceof Map) {
    const out: Record<string, Json> = {};
    for (const [k, x] of v) out[String(k)] = fromCel(x);
    return out;
  }
  if (isObject(v)) {
    const out: Record<string, Json> = {};
    for (const [k, x] of Object.entries(v)) out[k] = fromCel(x);
    return out;
  }
  return v;
}

export interface MutationContext {
  /** The object being mutated (`.LocalObject`, CEL `self`) — the target itself. */
  readonly self: Record<string, Json>;
  /** The object on the other side (`.RemoteObject`, CEL `other`), when known. */
  readonly other?: Json;
}

/** Applies the steps in order to `ctx.self` (in place). */
export function applyMutations(
  steps: readonly ResourceMutation[] | undefined,
  ctx: MutationContext,
): void {
  for (const [i, step] of (steps ?? []).entries()) {
    const kinds = [step.delete, step.regex, step.template, step.cel].filter((x) => x !== undefined);
    if (kinds.length !== 1)
      throw new Error(`mutation ${i}: exactly one of delete, regex, template or cel is required`);
    const obj = ctx.self;
    if (step.delete) {
      deletePath(obj, step.delete.path);
    } else if (step.regex) {
      const value = scalarString(getPath(obj, step.regex.path));
      setPath(
        obj,
        step.regex.path,
        regexReplace(value, step.regex.pattern, step.regex.replacement ?? ''),
      );
    } else if (step.template) {
      const value = getPath(obj, step.template.path);
      const out = render(step.template.template, {
        Value: value,
        LocalObject: obj,
        RemoteObject: ctx.other,
      });
      setPath(obj, step.template.path, out);
    } else if (step.cel) {
      const value = getPath(obj, step.cel.path);
      const out = evaluateCel(step.cel.expression, {
        value: toCel(value ?? null),
        self: toCel(obj),
        other: toCel(ctx.other ?? null),
      }) as unknown;
      setPath(obj, step.cel.path, fromCel(out));
    }
  }
}
