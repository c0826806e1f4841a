/**
 * The apiextensions.k8s.io/v1 JSONSchemaProps shape: the OpenAPI v3 subset a
 * CustomResourceDefinition version carries in `schema.openAPIV3Schema`, plus the Kubernetes
 * vendor extensions. Schemas arrive as user JSON, so every field is optional and the checkers
 * never trust the declared unions (an unknown `x-kubernetes-list-type` is reported, not assumed
 * away).
 */
import type { JsonObject, JsonValue } from '../meta.ts';

export type ListType = 'atomic' | 'set' | 'map';
export type MapType = 'granular' | 'atomic';

/** The cause a failed x-kubernetes-validations rule is reported with. */
export type ValidationReason =
  | 'FieldValueInvalid'
  | 'FieldValueForbidden'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate';

export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: ValidationReason;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

export interface ExternalDocumentation {
  description?: string;
  url?: string;
}

export interface JSONSchemaProps {
  id?: string;
  $schema?: string;
  $ref?: string;
  description?: string;
  type?: string;
  format?: string;
  title?: string;
  default?: JsonValue;
  example?: JsonValue;
  maximum?: number;
  exclusiveMaximum?: boolean;
  minimum?: number;
  exclusiveMinimum?: boolean;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  maxItems?: number;
  minItems?: number;
  uniqueItems?: boolean;
  multipleOf?: number;
  enum?: JsonValue[];
  maxProperties?: number;
  minProperties?: number;
  required?: string[];
  /** A single schema; the array form is JSON-Schema-legal but rejected for CRDs. */
  items?: JSONSchemaProps | JSONSchemaProps[];
  allOf?: JSONSchemaProps[];
  oneOf?: JSONSchemaProps[];
  anyOf?: JSONSchemaProps[];
  not?: JSONSchemaProps;
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps | boolean;
  /** Rejected for CRDs; typed so the checker can report it. */
  patternProperties?: Record<string, JSONSchemaProps>;
  /** Rejected for CRDs; typed so the checker can report it. */
  dependencies?: Record<string, JSONSchemaProps | string[]>;
  /** Rejected for CRDs; typed so the checker can report it. */
  additionalItems?: JSONSchemaProps | boolean;
  /** Rejected for CRDs; typed so the checker can report it. */
  definitions?: Record<string, JSONSchemaProps>;
  externalDocs?: ExternalDocumentation;
  nullable?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-list-type'?: ListType;
  'x-kubernetes-map-type'?: MapType;
  'x-kubernetes-validations'?: ValidationRule[];
}

/** The single item schema, or undefined for none and for the unsupported array form. */
/** Go zero values (false, '', empty lists and maps) do not count as specified. */
export function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.keys(v).length === 0;
}

export function itemsOf(s: JSONSchemaProps): JSONSchemaProps | undefined {
  return s.items !== undefined && !Array.isArray(s.items) ? s.items : undefined;
}

/** The additionalProperties schema; `true`/`false` carry no schema. */
export function additionalPropertiesOf(s: JSONSchemaProps): JSONSchemaProps | undefined {
  const ap = s.additionalProperties;
  return ap !== undefined && typeof ap !== 'boolean' ? ap : undefined;
}

/** Upstream treats `default: null` exactly like no default at all. */
export function hasDefault(s: JSONSchemaProps | undefined): s is JSONSchemaProps & {
  default: Exclude<JsonValue, null>;
} {
  return s !== undefined && s.default !== undefined && s.default !== null;
}

export function preservesUnknownFields(s: JSONSchemaProps | undefined): boolean {
  return s?.['x-kubernetes-preserve-unknown-fields'] === true;
}

export function isEmbeddedResource(s: JSONSchemaProps | undefined): boolean {
  return s?.['x-kubernetes-embedded-resource'] === true;
}

export function isIntOrString(s: JSONSchemaProps | undefined): boolean {
  return s?.['x-kubernetes-int-or-string'] === true;
}

/**
 * A schema seen as the JSON it is (schemas are parsed from JSON or written in code from
 * JSON values), for hashing, copying and serving it. No copy is made.
 */
export function schemaAsJson(schema: JSONSchemaProps): JsonObject {
  return schema as unknown as JsonObject;
}

/** A JSON object seen as a schema (no copy; validated by `structural.ts` where it matters). */
export function jsonAsSchema(json: JsonObject): JSONSchemaProps {
  return json as unknown as JSONSchemaProps;
}
