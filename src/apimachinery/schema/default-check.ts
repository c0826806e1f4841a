/**
 * CRD-time checks of `default` values: a default must survive pruning unchanged ("must not
 * have unknown fields"), be a valid embedded resource where one is expected, validate against
 * its own schema node, and pass the node's x-kubernetes-validations. Like upstream, only the
 * first failing category is reported per default, and defaults under additionalProperties are
 * not visited. Errors sit under `<node>.default`.
 */
import type { FieldError } from '../field-errors.ts';
import { fieldErrorMessage, invalid } from '../field-errors.ts';
import type { JsonValue } from '../meta.ts';
import { evaluateRules } from './cel/evaluate.ts';
import { validateEmbeddedResources } from './embedded.ts';
import { deepCopy, deepEqual } from './json.ts';
import { validateOpenAPI } from './openapi.ts';
import { prune } from './prune.ts';
import type { JSONSchemaProps } from './types.ts';
import { hasDefault, isEmbeddedResource, itemsOf } from './types.ts';

const META_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

export function checkDefaults(
  schema: JSONSchemaProps,
  path: string,
  withRules = true,
): FieldError[] {
  const root = isEmbeddedResource(schema)
    ? schema
    : { ...schema, 'x-kubernetes-embedded-resource': true };
  return walk(root, path, undefined, withRules);
}

/**
 * `meta` is undefined outside resource metadata, the TypeMeta/ObjectMeta field name for a
 * default sitting directly on it, and '' deeper inside metadata.
 */
function walk(
  s: JSONSchemaProps,
  path: string,
  meta: string | undefined,
  withRules: boolean,
): FieldError[] {
  const errs: FieldError[] = [];
  if (hasDefault(s)) errs.push(...checkDefault(s, s.default, `${path}.default`, meta, withRules));
  const items = itemsOf(s);
  if (items)
    errs.push(...walk(items, `${path}.items`, meta === undefined ? undefined : '', withRules));
  for (const [k, prop] of Object.entries(s.properties ?? {})) {
    let sub = meta === undefined ? undefined : '';
    if (meta === undefined && isEmbeddedResource(s) && META_FIELDS.has(k)) sub = k;
    errs.push(...walk(prop, `${path}.properties[${k}]`, sub, withRules));
  }
  return errs;
}

/** A default for TypeMeta/ObjectMeta must make a valid object when put in its place. */
function metaProblems(field: string, value: JsonValue): FieldError[] {
  const obj = { apiVersion: 'validation/v1', kind: 'Validation', [field]: value };
  return validateEmbeddedResources(EMBEDDED, obj, '', { isResourceRoot: true });
}

const EMBEDDED: JSONSchemaProps = {
  type: 'object',
  'x-kubernetes-embedded-resource': true,
  'x-kubernetes-preserve-unknown-fields': true,
};

function checkDefault(
  s: JSONSchemaProps,
  value: JsonValue,
  path: string,
  meta: string | undefined,
  withRules: boolean,
): FieldError[] {
  if (meta !== undefined) {
    const problems = meta === '' ? [] : metaProblems(meta, value);
    if (problems.length > 0) {
      const msgs = problems.map(fieldErrorMessage);
      const aggregate = msgs.length === 1 ? msgs[0] : `[${msgs.join(', ')}]`;
      return [invalid(path, value, `must result in valid metadata: ${aggregate}`)];
    }
  } else {
    const pruned = deepCopy(value);
    prune(s, pruned, { isResourceRoot: isEmbeddedResource(s) });
    if (!deepEqual(pruned, value)) return [invalid(path, value, 'must not have unknown fields')];
    const embedded = validateEmbeddedResources(s, value, path, {
      isResourceRoot: isEmbeddedResource(s),
    });
    if (embedded.length > 0) return embedded;
  }
  const schemaErrors = validateOpenAPI(s, value, { base: path, ratcheting: false });
  if (schemaErrors.length > 0) return schemaErrors;
  if (!withRules) return [];
  // Transition rules see the default as both old and new value; nothing ratchets.
  return evaluateRules(s, value, value, path, {
    isResourceRoot: isEmbeddedResource(s),
    ratcheting: false,
  });
}
