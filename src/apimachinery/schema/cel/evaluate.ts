/**
 * Running x-kubernetes-validations against an object. Rules run at the node that declares
 * them with `self` bound to that node's (non-null) value. Transition rules — those reading
 * `oldSelf` — run only when an old value correlates with the node: through object fields, map
 * entries and `map` lists by key, never through other lists. With `optionalOldSelf` they also
 * run without one, seeing `oldSelf` as an empty optional.
 *
 * Failures are reported like kube-apiserver: `spec: Invalid value: "object": <message>`, or
 * `failed rule: <rule>` without a message, at the rule's fieldPath when it has one, with the
 * cause its `reason` names; runtime errors become `<error> evaluating rule: <rule>`. On update,
 * non-transition rules are skipped where the value did not change (ratcheting). A cost meter
 * bounds the work; running out stops further rules with an error, never an exception.
 */
import { Optional } from '@marcbachmann/cel-js';
import type { FieldError } from '../../field-errors.ts';
import { duplicate, forbidden, invalid, required } from '../../field-errors.ts';
import type { JsonValue } from '../../meta.ts';
import { child, deepEqual, index, isJsonObject, key, member, rendered } from '../json.ts';
import { correlator } from '../openapi.ts';
import type { JSONSchemaProps, ValidationReason } from '../types.ts';
import type { CompiledRule, RuleNode } from './compile.ts';
import { celMessage, compileRules } from './compile.ts';
import type { CostLimits } from './cost.ts';
import { CostExceeded, DEFAULT_COST_LIMITS, Meter, metered } from './cost.ts';

export interface EvaluateOptions {
  /** The schema describes a whole resource (default true). */
  isResourceRoot?: boolean;
  /** Skip non-transition rules where the value equals its old value (default true). */
  ratcheting?: boolean;
  costLimits?: Partial<CostLimits>;
}

const MAX_MESSAGE_BYTES = 5 * 1024;

interface State {
  readonly meter: Meter;
  readonly ratcheting: boolean;
  readonly errors: FieldError[];
  stop: boolean;
}

export function evaluateRules(
  schema: JSONSchemaProps,
  newValue: JsonValue,
  oldValue: JsonValue | undefined,
  path = '',
  opts: EvaluateOptions = {},
): FieldError[] {
  const { root } = compileRules(schema, { isResourceRoot: opts.isResourceRoot ?? true });
  if (root === undefined) return [];
  const st: State = {
    meter: new Meter({ ...DEFAULT_COST_LIMITS, ...opts.costLimits }),
    ratcheting: opts.ratcheting ?? true,
    errors: [],
    stop: false,
  };
  walk(root, newValue, oldValue, path, st);
  return st.errors;
}

function walk(
  node: RuleNode,
  value: JsonValue | undefined,
  old: JsonValue | undefined,
  path: string,
  st: State,
): void {
  if (value === undefined || value === null || st.stop) return;
  if (node.rules.length > 0) evaluateNode(node, value, old, path, st);
  if (st.stop) return;
  if (Array.isArray(value)) {
    const items = node.items;
    if (items === undefined) return;
    const correlate =
      node.schema['x-kubernetes-list-type'] === 'map'
        ? correlator(node.schema, Array.isArray(old) ? old : undefined)
        : () => undefined;
    value.forEach((item, i) => {
      walk(items, item, correlate(item), index(path, i), st);
    });
  } else if (isJsonObject(value)) {
    const oldObj = isJsonObject(old) ? old : undefined;
    for (const [k, v] of Object.entries(value)) {
      const prop = node.properties.get(k);
      if (prop) walk(prop, v, oldObj && member(oldObj, k), child(path, k), st);
      else if (node.additional && !Object.hasOwn(node.schema.properties ?? {}, k)) {
        walk(node.additional, v, oldObj && member(oldObj, k), key(path, k), st);
      }
    }
  }
}

function ruleText(rule: CompiledRule): string {
  const message = rule.rule.message?.trim();
  return message ? message : rule.rule.rule.trim();
}

function defaultMessage(rule: CompiledRule): string {
  const message = rule.rule.message?.trim();
  return message ? message : `failed rule: ${rule.rule.rule.trim()}`;
}

function evaluateNode(
  node: RuleNode,
  value: JsonValue,
  old: JsonValue | undefined,
  path: string,
  st: State,
): void {
  const field = rendered(path);
  const fail = (detail: string) => st.errors.push(invalid(field, node.type, detail));
  if (node.env === undefined) {
    fail(`rule compiler initialization error: ${node.initError ?? 'no type information'}`);
    return;
  }
  if (st.meter.remaining <= 0) {
    fail(
      'validation failed due to running out of cost budget, no further validation rules will be run',
    );
    st.stop = true;
    return;
  }
  const env = node.env;
  // A null old value is no old value: transition rules need something to compare with.
  const hasOld = old !== undefined && old !== null;
  const unchanged = hasOld && deepEqual(old, value);
  let self: unknown;
  let oldSelf: unknown;
  let converted = false;
  for (const rule of node.rules) {
    if (rule.program === undefined) {
      if (rule.error !== undefined && rule.error !== 'rule is not specified')
        fail(`rule compile error: ${rule.error}`);
      continue;
    }
    if (rule.usesOldSelf && !hasOld && !rule.optionalOldSelf) continue;
    if (st.ratcheting && !rule.usesOldSelf && unchanged) continue;
    if (!converted) {
      self = env.convert(value);
      oldSelf = hasOld ? env.convert(old) : undefined;
      converted = true;
    }
    const activation: Record<string, unknown> = { self };
    if (rule.optionalOldSelf)
      activation.oldSelf = oldSelf === undefined ? Optional.none() : Optional.of(oldSelf);
    else if (oldSelf !== undefined) activation.oldSelf = oldSelf;
    let result: unknown;
    try {
      result = metered(st.meter, () => rule.program?.(activation));
    } catch (e) {
      if (e instanceof CostExceeded || st.meter.exceeded) {
        fail(
          `'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: ${ruleText(rule)}`,
        );
        st.stop = true;
        return;
      }
      const msg = celMessage(errorText(e));
      if (/no (matching|such) overload/.test(msg)) {
        fail(
          `'no such overload': call arguments did not match a supported operator, function or macro signature for rule: ${ruleText(rule)}`,
        );
      } else fail(`${msg} evaluating rule: ${ruleText(rule)}`);
      continue;
    }
    if (result === true) continue;
    let detail = defaultMessage(rule);
    if (rule.messageProgram !== undefined) {
      const program = rule.messageProgram;
      try {
        const m = metered(st.meter, () => program(activation));
        if (typeof m === 'string') {
          const trimmed = m.trim();
          const ok =
            trimmed !== '' &&
            !/[\n\r]/.test(trimmed) &&
            Buffer.byteLength(trimmed) <= MAX_MESSAGE_BYTES;
          if (ok) detail = trimmed;
        }
      } catch (e) {
        if (e instanceof CostExceeded || st.meter.exceeded) {
          fail(
            `no further validation rules will be run due to call cost exceeds limit for messageExpression: ${JSON.stringify(rule.rule.messageExpression ?? '')}`,
          );
          st.stop = true;
          return;
        }
        // A failing messageExpression falls back to the static message, as upstream.
      }
    }
    const target = rule.fieldPath ? child(path, rule.fieldPath) : path;
    st.errors.push(reasonError(rendered(target), node.type, detail, rule.rule.reason));
  }
}

function errorText(e: unknown): string {
  if (typeof e === 'object' && e !== null) {
    const { summary, message } = e as { summary?: unknown; message?: unknown };
    if (typeof summary === 'string') return summary;
    if (typeof message === 'string') return message;
  }
  return String(e);
}

function reasonError(
  field: string,
  value: string,
  detail: string,
  reason: ValidationReason | undefined,
): FieldError {
  switch (reason) {
    case 'FieldValueForbidden':
      return forbidden(field, detail);
    case 'FieldValueRequired':
      return required(field, detail);
    case 'FieldValueDuplicate':
      return duplicate(field, value);
    default:
      return invalid(field, value, detail);
  }
}
