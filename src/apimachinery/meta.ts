/**
 * The object model shared by every resource: TypeMeta, ObjectMeta, lists, owner
 * references, conditions and managed fields, as meta.k8s.io/v1 defines them. Objects are
 * plain JSON values; these interfaces document the parts Canopy reads and writes.
 */

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue | undefined;
}

export interface TypeMeta {
  apiVersion?: string;
  kind?: string;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** A type literal, so that an entry is also a JSON object (its messages print it). */
export type ManagedFieldsEntry = {
  manager?: string;
  operation?: 'Apply' | 'Update';
  apiVersion?: string;
  time?: string;
  fieldsType?: 'FieldsV1';
  fieldsV1?: JsonObject;
  subresource?: string;
};

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string | null;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: ManagedFieldsEntry[];
  selfLink?: string;
}

/** Any Kubernetes object: type meta, object meta, and whatever else its kind carries. */
export interface KubeObject extends TypeMeta {
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface ListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
  selfLink?: string;
}

export interface KubeList<T extends KubeObject = KubeObject> extends TypeMeta {
  metadata: ListMeta;
  items: T[];
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** metav1.Condition; older APIs use the same shape without observedGeneration. */
export interface Condition {
  type: string;
  status: ConditionStatus;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

/**
 * A label selector in object form (metav1.LabelSelector), for every API type that holds
 * one. Type literals rather than interfaces, so that objects holding one stay assignable
 * to the JSON value types.
 */
export type LabelSelector = {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
};

export type LabelSelectorRequirement = {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
};

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `value` when it is a JSON object, else a new empty one: how a strategy or controller reads
 * the fields of something that may be absent or of the wrong shape (`objectOrEmpty(obj.spec)`).
 */
export function objectOrEmpty(value: unknown): JsonObject {
  return isJsonObject(value) ? value : {};
}

/**
 * The name of an object that has one (every stored or listed object does; only a create
 * with generateName lacks one until the server names it), '' otherwise.
 */
export function nameOf(obj: { readonly metadata: ObjectMeta }): string {
  return obj.metadata.name ?? '';
}

/**
 * An object seen as the JSON it is, for JSON-level code (patches, field paths, schemas).
 * Objects are plain JSON values, parsed from a body or the store or built from JSON
 * values; this is the one place that tells the type checker so. No copy is made.
 */
export function asJson(obj: KubeObject): JsonObject {
  return obj as unknown as JsonObject;
}

/**
 * A JSON object seen as a Kubernetes object (no copy). Callers hand in what will be, or
 * already was, checked to carry object metadata (request bodies are, before any strategy
 * sees them; stored values always do).
 */
export function asKubeObject(json: Readonly<Record<string, unknown>>): KubeObject {
  return json as unknown as KubeObject;
}

/** Splits an apiVersion into group and version ("v1" → core group). */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

let lastSecond = Number.NaN;
let lastTimestamp = '';

/** RFC 3339 timestamp with second precision, as Kubernetes writes metav1.Time. */
export function timestamp(date: Date = new Date()): string {
  // Every write stamps the time, mostly within the same second: format each second once.
  const second = Math.floor(date.getTime() / 1000);
  if (second !== lastSecond) {
    lastTimestamp = `${date.toISOString().slice(0, 19)}Z`;
    lastSecond = second;
  }
  return lastTimestamp;
}

/** RFC 3339 with microseconds, as Kubernetes writes metav1.MicroTime (events, leases). */
export function microTimestamp(date: Date = new Date()): string {
  return `${date.toISOString().slice(0, 23)}000Z`;
}
