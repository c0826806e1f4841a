/**
 * Validation of a custom object against its structural schema, everything except
 * x-kubernetes-validations: the OpenAPI checks with kube-openapi's messages (openapi.ts),
 * embedded-resource checks (embedded.ts) and list-type set/map uniqueness (list-types.ts).
 * All errors are collected.
 *
 * `path` prefixes every reported field ('' for an object root, so errors read `spec.replicas`).
 * Root `metadata`, `apiVersion` and `kind` are only checked as far as the schema mentions them;
 * the API server validates ObjectMeta itself.
 */
import type { FieldError } from '../field-errors.ts';
import type { JsonValue } from '../meta.ts';
import type { ObjectMetaValidator } from './embedded.ts';
import { validateEmbeddedResources } from './embedded.ts';
import { validateListTypes } from './list-types.ts';
import { validateOpenAPI } from './openapi.ts';
import type { JSONSchemaProps } from './types.ts';

export interface ValidateOptions {
  /**
   * The object before an update. Enables ratcheting: errors inside parts that correlate with
   * the old object and did not change are dropped, as kube-apiserver does.
   */
  oldValue?: JsonValue;
  /** Turn ratcheting off even when oldValue is given (default: on). */
  ratcheting?: boolean;
  /** Check apiVersion/kind/metadata at the value's own root too (defaults of embedded resources). */
  isResourceRoot?: boolean;
  /** Label/annotation/finalizer rules for the metadata of embedded resources. */
  validateObjectMeta?: ObjectMetaValidator;
}

export function validateValue(
  schema: JSONSchemaProps,
  value: JsonValue,
  path = '',
  options: ValidateOptions = {},
): FieldError[] {
  const ratcheting = options.oldValue !== undefined && options.ratcheting !== false;
  return [
    ...validateOpenAPI(
      schema,
      value,
      { base: path, ratcheting },
      ratcheting ? options.oldValue : undefined,
    ),
    ...validateEmbeddedResources(schema, value, path, {
      isResourceRoot: options.isResourceRoot,
      validateObjectMeta: options.validateObjectMeta,
    }),
    ...validateListTypes(schema, value, path),
  ];
}

/**
 * Errors after which x-kubernetes-validations are not evaluated (their input is malformed):
 * unsupported, required, too long, too many and wrong-type values.
 */
export function hasBlockingErrors(errors: readonly FieldError[]): boolean {
  return errors.some((e) =>
    [
      'FieldValueNotSupported',
      'FieldValueRequired',
      'FieldValueTooLong',
      'FieldValueTooMany',
      'FieldValueTypeInvalid',
    ].includes(e.type),
  );
}

/** The error upstream adds in place of CEL results when blocking errors exist. */
export const RULES_NOT_CHECKED: FieldError = {
  type: 'FieldValueInvalid',
  field: '<nil>',
  value: null,
  detail:
    'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
};
