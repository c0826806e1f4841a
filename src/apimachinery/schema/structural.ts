/**
 * Everything kube-apiserver checks about `spec.versions[*].schema.openAPIV3Schema` of a
 * CustomResourceDefinition, in upstream's order: root restrictions (status subresource, root
 * nullable), structural invariants — or, when the schema is structural, its defaults — then the
 * per-node schema rules, then x-kubernetes-validations compile errors (only for a valid
 * structural schema, and only at nodes without schema errors beneath them).
 *
 * `path` is where the schema sits (`spec.versions[0].schema.openAPIV3Schema`); errors read
 * like `spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not
 * be empty for specified object fields`.
 */
import type { FieldError, FieldPath } from '../field-errors.ts';
import { forbidden, invalid } from '../field-errors.ts';
import { checkCelRules } from './cel/compile.ts';
import { checkDefaults } from './default-check.ts';
import { checkSchemaRules } from './schema-rules.ts';
import { checkStructuralInvariants } from './structural-invariants.ts';
import { isZero, type JSONSchemaProps } from './types.ts';

export { checkCelRules } from './cel/compile.ts';

export interface StructuralOptions {
  /** The version enables the status subresource, which restricts what the root may declare. */
  statusSubresource?: boolean;
}

/** JSONSchemaProps fields in Go declaration order, with upstream's names for them. */
const ROOT_FIELDS: ReadonlyArray<readonly [string, string]> = [
  ['id', 'ID'],
  ['$schema', 'Schema'],
  ['$ref', 'Ref'],
  ['description', 'Description'],
  ['type', 'Type'],
  ['format', 'Format'],
  ['title', 'Title'],
  ['default', 'Default'],
  ['maximum', 'Maximum'],
  ['exclusiveMaximum', 'ExclusiveMaximum'],
  ['minimum', 'Minimum'],
  ['exclusiveMinimum', 'ExclusiveMinimum'],
  ['maxLength', 'MaxLength'],
  ['minLength', 'MinLength'],
  ['pattern', 'Pattern'],
  ['maxItems', 'MaxItems'],
  ['minItems', 'MinItems'],
  ['uniqueItems', 'UniqueItems'],
  ['multipleOf', 'MultipleOf'],
  ['enum', 'Enum'],
  ['maxProperties', 'MaxProperties'],
  ['minProperties', 'MinProperties'],
  ['required', 'Required'],
  ['items', 'Items'],
  ['allOf', 'AllOf'],
  ['oneOf', 'OneOf'],
  ['anyOf', 'AnyOf'],
  ['not', 'Not'],
  ['properties', 'Properties'],
  ['additionalProperties', 'AdditionalProperties'],
  ['patternProperties', 'PatternProperties'],
  ['dependencies', 'Dependencies'],
  ['additionalItems', 'AdditionalItems'],
  ['definitions', 'Definitions'],
  ['externalDocs', 'ExternalDocs'],
  ['example', 'Example'],
  ['nullable', 'Nullable'],
  ['x-kubernetes-preserve-unknown-fields', 'XPreserveUnknownFields'],
  ['x-kubernetes-embedded-resource', 'XEmbeddedResource'],
  ['x-kubernetes-int-or-string', 'XIntOrString'],
  ['x-kubernetes-list-map-keys', 'XListMapKeys'],
  ['x-kubernetes-list-type', 'XListType'],
  ['x-kubernetes-map-type', 'XMapType'],
  ['x-kubernetes-validations', 'XValidations'],
];

const ALLOWED_AT_STATUS_ROOT = [
  'Description',
  'Type',
  'Format',
  'Title',
  'Maximum',
  'ExclusiveMaximum',
  'Minimum',
  'ExclusiveMinimum',
  'MaxLength',
  'MinLength',
  'Pattern',
  'MaxItems',
  'MinItems',
  'UniqueItems',
  'MultipleOf',
  'Required',
  'Items',
  'Properties',
  'ExternalDocs',
  'Example',
  'XPreserveUnknownFields',
  'XValidations',
];

function statusRootErrors(schema: JSONSchemaProps, path: string): FieldError[] {
  const fields = schema as Record<string, unknown>;
  for (const [json, goName] of ROOT_FIELDS) {
    const v = fields[json];
    if (isZero(v)) continue;
    if (goName === 'Type') {
      if (v !== 'object') {
        return [
          invalid(
            `${path}.type`,
            v,
            'only "object" is allowed as the type at the root of the schema if the status subresource is enabled',
          ),
        ];
      }
      continue;
    }
    if (!ALLOWED_AT_STATUS_ROOT.includes(goName)) {
      return [
        invalid(
          path,
          schema,
          `only [${ALLOWED_AT_STATUS_ROOT.join(' ')}] fields are allowed at the root of the schema if the status subresource is enabled`,
        ),
      ];
    }
  }
  return [];
}

/** The path of the schema node a CEL problem belongs to (before `.x-kubernetes-validations`). */
function ruleNodePath(field: string): string {
  const i = field.lastIndexOf('.x-kubernetes-validations');
  return i < 0 ? field : field.slice(0, i);
}

export function checkStructural(
  schema: JSONSchemaProps,
  fieldPath: FieldPath | string,
  options: StructuralOptions = {},
): FieldError[] {
  const path = String(fieldPath);
  const errs: FieldError[] = [];
  if (options.statusSubresource) errs.push(...statusRootErrors(schema, path));
  if (schema.nullable)
    errs.push(forbidden(`${path}.nullable`, 'nullable cannot be true at the root'));

  let celReady = false;
  const structural = checkStructuralInvariants(schema, path);
  if (structural.length > 0) errs.push(...structural);
  else {
    const defaults = checkDefaults(schema, path);
    errs.push(...defaults);
    celReady = defaults.length === 0;
  }

  const schemaErrors = checkSchemaRules(schema, path);
  errs.push(...schemaErrors);
  if (celReady) {
    for (const e of checkCelRules(schema, path)) {
      const node = ruleNodePath(e.field);
      // Schema errors at or below a node make its rules' types meaningless; upstream skips them.
      if (!schemaErrors.some((s) => s.field === node || s.field.startsWith(`${node}.`)))
        errs.push(e);
    }
  }
  return errs;
}
