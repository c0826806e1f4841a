/**
 * Compiling x-kubernetes-validations. `compileRules` walks a structural schema, types `self`
 * at every node that declares rules, and type-checks each rule and messageExpression against
 * it. The result is a tree holding only the nodes with rules below them (what evaluation
 * walks) plus the compile problems, which `checkCelRules` reports the way CRD validation does:
 * `…x-kubernetes-validations[0].rule: Invalid value: {…}: compilation failed: ERROR: <input>:1:6: …`.
 *
 * Programs are cached per (node type, rule text), and whole results per schema object.
 */
import type { ParseResult } from '@marcbachmann/cel-js';
import type { FieldError } from '../../field-errors.ts';
import { invalid, required } from '../../field-errors.ts';
import { internalError } from '../errors.ts';
import type { JSONSchemaProps, ValidationRule } from '../types.ts';
import { additionalPropertiesOf, isEmbeddedResource, itemsOf } from '../types.ts';
import type { NodeEnvironment } from './env.ts';
import { nodeEnvironment } from './env.ts';
import { resolveFieldPath } from './field-path.ts';
import { routeMatches, SAFE_MATCHES, usesOldSelf } from './source.ts';
import { celTypeOf } from './types.ts';

export type Program = ParseResult;

export interface CompiledRule {
  readonly index: number;
  readonly rule: ValidationRule;
  readonly program?: Program;
  readonly messageProgram?: Program;
  /** Why the rule cannot run, when it cannot. */
  readonly error?: string;
  readonly usesOldSelf: boolean;
  readonly optionalOldSelf: boolean;
  /** The resolved `fieldPath`, as printed (`spec.replicas`). */
  readonly fieldPath?: string;
}

export interface RuleNode {
  readonly schema: JSONSchemaProps;
  /** The schema type, which failed rules report as the invalid value. */
  readonly type: string;
  readonly env?: NodeEnvironment;
  /** Set when rules exist but `self` has no CEL type. */
  readonly initError?: string;
  readonly rules: readonly CompiledRule[];
  readonly properties: ReadonlyMap<string, RuleNode>;
  readonly additional?: RuleNode;
  readonly items?: RuleNode;
}

/** A compile problem at a path relative to the schema root (`properties[spec].…`). */
export interface CompileProblem {
  readonly path: string;
  readonly kind: 'invalid' | 'required' | 'internal';
  readonly value?: unknown;
  readonly detail: string;
  /** For oldSelf misuse: the uncorrelatable ancestor, relative like `path`. */
  readonly within?: string;
}

export interface CompiledRules {
  /** Undefined when the schema declares no rules. */
  readonly root?: RuleNode;
  readonly problems: readonly CompileProblem[];
}

export interface CompileOptions {
  /** Whether the schema describes a whole resource (its root sees apiVersion/kind/metadata). */
  isResourceRoot?: boolean;
}

const byRoot = new WeakMap<JSONSchemaProps, CompiledRules>();
const byNested = new WeakMap<JSONSchemaProps, CompiledRules>();

export function compileRules(schema: JSONSchemaProps, opts: CompileOptions = {}): CompiledRules {
  const isRoot = opts.isResourceRoot ?? true;
  const cache = isRoot ? byRoot : byNested;
  const hit = cache.get(schema);
  if (hit !== undefined) return hit;
  const problems: CompileProblem[] = [];
  const root = visit(schema, '', isRoot || isEmbeddedResource(schema), undefined, problems);
  const result: CompiledRules = { root, problems };
  cache.set(schema, result);
  return result;
}

/** Compile problems as CRD validation reports them, under `path` (the openAPIV3Schema path). */
export function checkCelRules(
  schema: JSONSchemaProps,
  path: string,
  opts: CompileOptions = {},
): FieldError[] {
  return compileRules(schema, opts).problems.map((p) => problemToError(p, path));
}

function join(prefix: string, rel: string): string {
  if (!prefix) return rel;
  return rel ? `${prefix}.${rel}` : prefix;
}

function problemToError(p: CompileProblem, prefix: string): FieldError {
  const path = join(prefix, p.path);
  const detail =
    p.within === undefined
      ? p.detail
      : `oldSelf cannot be used on the uncorrelatable portion of the schema within ${join(prefix, p.within) || '<nil>'}`;
  switch (p.kind) {
    case 'required':
      return required(path, detail);
    case 'internal':
      return internalError(path, detail);
    default:
      return invalid(path, p.value, detail);
  }
}

function rel(path: string, child: string): string {
  return path ? `${path}.${child}` : child;
}

function visit(
  s: JSONSchemaProps,
  path: string,
  isResourceRoot: boolean,
  uncorrelatable: string | undefined,
  problems: CompileProblem[],
): RuleNode | undefined {
  const properties = new Map<string, RuleNode>();
  for (const [k, prop] of Object.entries(s.properties ?? {})) {
    const n = visit(
      prop,
      `${rel(path, 'properties')}[${k}]`,
      isEmbeddedResource(prop),
      uncorrelatable,
      problems,
    );
    if (n) properties.set(k, n);
  }
  const ap = additionalPropertiesOf(s);
  const additional =
    ap &&
    visit(ap, rel(path, 'additionalProperties'), isEmbeddedResource(ap), uncorrelatable, problems);
  const it = itemsOf(s);
  // Only map lists correlate items between old and new objects.
  const itemsUncorrelatable =
    s['x-kubernetes-list-type'] === 'map' ? uncorrelatable : (uncorrelatable ?? path);
  const items =
    it && visit(it, rel(path, 'items'), isEmbeddedResource(it), itemsUncorrelatable, problems);
  const declared = s['x-kubernetes-validations'] ?? [];
  if (declared.length === 0 && properties.size === 0 && !additional && !items) return undefined;

  let env: NodeEnvironment | undefined;
  let initError: string | undefined;
  const rules: CompiledRule[] = [];
  if (declared.length > 0) {
    const type = celTypeOf(s, isResourceRoot);
    if (type === undefined) {
      initError = 'failed to retrieve type information for x-kubernetes-validations';
      problems.push({
        path: rel(path, 'x-kubernetes-validations'),
        kind: 'internal',
        detail: `internal error: ${initError}`,
      });
    } else {
      env = nodeEnvironment(type);
      declared.forEach((rule, i) => {
        rules.push(
          compileRule(
            env as NodeEnvironment,
            s,
            rule,
            i,
            `${rel(path, 'x-kubernetes-validations')}[${i}]`,
            uncorrelatable,
            problems,
          ),
        );
      });
    }
  }
  return {
    schema: s,
    type: s.type ?? '',
    env,
    initError,
    rules,
    properties,
    additional: additional || undefined,
    items: items || undefined,
  };
}

/** The rule as upstream prints it in errors (the apiextensions ValidationRule struct). */
function ruleValue(rule: ValidationRule): Record<string, unknown> {
  return {
    Rule: rule.rule,
    Message: rule.message ?? '',
    MessageExpression: rule.messageExpression ?? '',
    Reason: rule.reason ?? null,
    FieldPath: rule.fieldPath ?? '',
    OptionalOldSelf: rule.optionalOldSelf ?? null,
  };
}

function compileRule(
  env: NodeEnvironment,
  schema: JSONSchemaProps,
  rule: ValidationRule,
  index: number,
  path: string,
  uncorrelatable: string | undefined,
  problems: CompileProblem[],
): CompiledRule {
  const text = (rule.rule ?? '').trim();
  const optional = rule.optionalOldSelf === true;
  const oldSelf = usesOldSelf(text);
  const base = { index, rule, usesOldSelf: oldSelf, optionalOldSelf: optional };
  if (text === '') return { ...base, error: 'rule is not specified' };

  const compiled = compileExpression(env, optional, text, 'bool');
  if ('error' in compiled) {
    const detail = compiled.error;
    problems.push({ path: `${path}.rule`, kind: 'invalid', value: ruleValue(rule), detail });
    return { ...base, error: detail };
  }
  let messageProgram: Program | undefined;
  const msgExpr = (rule.messageExpression ?? '').trim();
  if (msgExpr !== '') {
    const m = compileExpression(env, optional, msgExpr, 'string');
    if ('error' in m) {
      const detail =
        m.error === 'cel expression must evaluate to a bool'
          ? 'must evaluate to a string'
          : m.error;
      problems.push({
        path: `${path}.messageExpression`,
        kind: 'invalid',
        value: ruleValue(rule),
        detail: detail.replace(/^compilation failed/, 'messageExpression compilation failed'),
      });
    } else messageProgram = m.program;
  }
  if (oldSelf && uncorrelatable !== undefined) {
    problems.push({
      path: `${path}.rule`,
      kind: 'invalid',
      value: rule.rule,
      detail: '',
      within: uncorrelatable,
    });
  } else if (!oldSelf && rule.optionalOldSelf !== undefined) {
    problems.push({
      path: `${path}.optionalOldSelf`,
      kind: 'invalid',
      value: rule.optionalOldSelf,
      detail: 'may not be set if oldSelf is not used in rule',
    });
  }
  let fieldPath: string | undefined;
  if (rule.fieldPath?.trim()) {
    const r = resolveFieldPath(schema, rule.fieldPath.trim());
    if (r.ok) fieldPath = r.path;
  }
  return { ...base, program: compiled.program, messageProgram, fieldPath };
}

const PROGRAM_CACHE_LIMIT = 4096;
const programs = new Map<string, { program: Program } | { error: string }>();

function compileExpression(
  env: NodeEnvironment,
  optional: boolean,
  text: string,
  want: 'bool' | 'string',
): { program: Program } | { error: string } {
  const key = `${env.signature}\u0000${optional}\u0000${want}\u0000${text}`;
  const hit = programs.get(key);
  if (hit !== undefined) return hit;
  const celEnv = optional ? env.optional : env.plain;
  let result: { program: Program } | { error: string };
  try {
    const program = celEnv.parse(routeMatches(text));
    const checked = program.check();
    if (!checked.valid)
      result = { error: `compilation failed: ${formatCelError(checked.error, text)}` };
    else if (checked.type !== want) {
      result = {
        error:
          want === 'bool' ? 'cel expression must evaluate to a bool' : 'must evaluate to a string',
      };
    } else result = { program };
  } catch (e) {
    result = { error: `compilation failed: ${formatCelError(e, text)}` };
  }
  if (programs.size >= PROGRAM_CACHE_LIMIT) {
    const oldest = programs.keys().next().value;
    if (oldest !== undefined) programs.delete(oldest);
  }
  programs.set(key, result);
  return result;
}

/** cel-go's error rendering: `ERROR: <input>:line:col: message`, the line, and a caret. */
export function formatCelError(err: unknown, source: string): string {
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    summary?: unknown;
    message?: unknown;
    name?: unknown;
    range?: { start?: unknown };
  };
  const raw =
    typeof e.summary === 'string'
      ? e.summary
      : typeof e.message === 'string'
        ? e.message
        : String(err);
  const undefinedField = /^No such key: (.*)/.exec(raw);
  let summary = undefinedField ? `undefined field '${undefinedField[1]}'` : celMessage(raw);
  if (e.name === 'ParseError') summary = `Syntax error: ${summary}`;
  const offset = typeof e.range?.start === 'number' ? Math.min(e.range.start, source.length) : 0;
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  const col = offset - (before.lastIndexOf('\n') + 1);
  const lineText = source.split('\n')[line - 1] ?? '';
  return `ERROR: <input>:${line}:${col + 1}: ${summary}\n | ${lineText}\n | ${'.'.repeat(col)}^`;
}

/** cel-js messages in cel-go's words where users will recognise them. */
export function celMessage(msg: string): string {
  const first = (msg.split('\n')[0] ?? '')
    .replaceAll(`${SAFE_MATCHES}(`, 'matches(')
    .replaceAll(`.${SAFE_MATCHES}`, '.matches');
  let m = /^No such key: index out of bounds, index (-?\d+)/.exec(first);
  if (m) return `index out of bounds: ${m[1]}`;
  m = /^No such key: (.*)$/.exec(first);
  if (m) return `no such key: ${m[1]}`;
  m = /^Unknown variable: (.*)$/.exec(first);
  if (m) return `undeclared reference to '${m[1]}' (in container '')`;
  if (/^integer overflow/.test(first)) return 'integer overflow';
  return first;
}
