/**
 * Small builders for the OpenAPI v3 schemas of the CRDs components outside the server
 * install (structural, as Kubernetes requires): the PostgreSQL operator's, the sync agent's.
 */

export interface Schema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'boolean' | 'number';
  description?: string;
  format?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema;
  items?: Schema;
  required?: string[];
  enum?: (string | number | boolean)[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  nullable?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-validations'?: { rule: string; message?: string }[];
}

/** `schema` with a description (what `kubectl explain` shows for the field). */
export const about = (schema: Schema, description: string): Schema => ({ ...schema, description });
export const str = (extra: Schema = {}): Schema => ({ type: 'string', ...extra });
export const int = (extra: Schema = {}): Schema => ({ type: 'integer', ...extra });
export const int32 = (extra: Schema = {}): Schema => ({
  type: 'integer',
  format: 'int32',
  ...extra,
});
export const bool = (extra: Schema = {}): Schema => ({ type: 'boolean', ...extra });
export const obj = (properties: Record<string, Schema>, extra: Schema = {}): Schema => ({
  type: 'object',
  properties,
  ...extra,
});
export const arr = (items: Schema, extra: Schema = {}): Schema => ({
  type: 'array',
  items,
  ...extra,
});
export const stringMap = (extra: Schema = {}): Schema => ({
  type: 'object',
  additionalProperties: { type: 'string' },
  ...extra,
});
/**
 * A sub-tree the component does not model: accepted as is (the PostgreSQL operator reports
 * CloudNativePG's as ignored).
 */
export const anyObject = (description?: string): Schema => ({
  type: 'object',
  'x-kubernetes-preserve-unknown-fields': true,
  ...(description ? { description } : {}),
});
export const anyList = (): Schema => ({
  type: 'array',
  items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
});
export const localRef = (): Schema =>
  obj({ name: about(str(), 'Name of the object, in the same namespace.') }, { required: ['name'] });
/** A CRD's root schema: apiVersion, kind and metadata, then the kind's spec and status. */
export const rootSchema = (spec: Schema, status: Schema, extra: Schema = {}): Schema =>
  obj({ apiVersion: str(), kind: str(), metadata: { type: 'object' }, spec, status }, extra);
