/**
 * The structural-schema engine's façade: compile a CRD version's openAPIV3Schema once and
 * validate, default and prune custom objects with it. Compiled schemas are shared: compiling
 * an equal schema again (another workspace installing the same CRD) returns the same
 * instance, so CEL programs and environments exist once per distinct schema. Schemas are
 * treated as immutable once compiled.
 */
import { createHash } from 'node:crypto';
import type { FieldError } from '../field-errors.ts';
import type { JsonValue, KubeObject } from '../meta.ts';
import { compileRules } from './cel/compile.ts';
import type { CostLimits } from './cel/cost.ts';
import { evaluateRules } from './cel/evaluate.ts';
import { applyDefaults } from './defaults.ts';
import type { ObjectMetaValidator } from './embedded.ts';
import { deepCopy } from './json.ts';
import { canonicalJSON } from './list-types.ts';
import { prune, pruneNulls } from './prune.ts';
import type { JSONSchemaProps } from './types.ts';
import { jsonAsSchema, schemaAsJson } from './types.ts';
import { hasBlockingErrors, RULES_NOT_CHECKED, validateValue } from './validate.ts';

export type { FieldError } from '../field-errors.ts';
export { checkCelRules, compileRules } from './cel/compile.ts';
export { evaluateRules } from './cel/evaluate.ts';
export { applyDefaults } from './defaults.ts';
export { prune, pruneNulls } from './prune.ts';
export { checkStructural } from './structural.ts';
export type { JSONSchemaProps, ValidationRule } from './types.ts';
export { validateValue } from './validate.ts';

/** A whole custom object or any JSON value. */
export type SchemaValue = JsonValue | KubeObject;

export interface SchemaValidateOptions {
  /** Label/annotation/finalizer rules for metadata of embedded resources. */
  validateObjectMeta?: ObjectMetaValidator;
  costLimits?: Partial<CostLimits>;
}

export interface CompiledSchema {
  /** The schema as compiled (a private deep copy; do not mutate). */
  readonly raw: JSONSchemaProps;
  /**
   * Schema validation, then x-kubernetes-validations unless the object is too broken for them
   * to be meaningful. `old` (on update) enables transition rules and ratcheting.
   */
  validate(value: SchemaValue, old?: SchemaValue, options?: SchemaValidateOptions): FieldError[];
  /** Applies defaults in place; returns the same value. */
  default<T extends SchemaValue>(value: T): T;
  /** Same as `default`, for callers that only mutate. */
  applyDefaults(value: SchemaValue): void;
  /**
   * Drops unknown fields (and non-nullable nulls without defaults) in place and returns the
   * dropped field paths, sorted, as strict field validation reports them (`spec.foo`).
   */
  prune(value: SchemaValue): string[];
}

const CACHE_LIMIT = 256;
const cache = new Map<string, CompiledSchema>();
/** Callers usually hand in the same schema object again; skip hashing it then. */
const byObject = new WeakMap<JSONSchemaProps, CompiledSchema>();

export function compileSchema(openAPIV3Schema: JSONSchemaProps): CompiledSchema {
  const known = byObject.get(openAPIV3Schema);
  if (known !== undefined) return known;
  const compiled = compileByContent(openAPIV3Schema);
  byObject.set(openAPIV3Schema, compiled);
  return compiled;
}

function compileByContent(openAPIV3Schema: JSONSchemaProps): CompiledSchema {
  const key = createHash('sha256')
    .update(canonicalJSON(schemaAsJson(openAPIV3Schema)))
    .digest('base64');
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const compiled = build(jsonAsSchema(deepCopy(schemaAsJson(openAPIV3Schema))));
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(key, compiled);
  return compiled;
}

function build(raw: JSONSchemaProps): CompiledSchema {
  const hasRules = compileRules(raw).root !== undefined;
  const json = (v: SchemaValue) => v as JsonValue;
  const applyAll = <T extends SchemaValue>(value: T): T => {
    applyDefaults(raw, json(value));
    return value;
  };
  return {
    raw,
    validate(value, old, options = {}) {
      const oldValue = old === undefined ? undefined : json(old);
      const errs = validateValue(raw, json(value), '', {
        oldValue,
        validateObjectMeta: options.validateObjectMeta,
      });
      if (!hasRules) return errs;
      if (hasBlockingErrors(errs)) return [...errs, RULES_NOT_CHECKED];
      return [
        ...errs,
        ...evaluateRules(raw, json(value), oldValue, '', { costLimits: options.costLimits }),
      ];
    },
    default: applyAll,
    applyDefaults(value) {
      applyAll(value);
    },
    prune(value) {
      const unknown = prune(raw, json(value), { isResourceRoot: true });
      pruneNulls(raw, json(value));
      return unknown;
    },
  };
}
