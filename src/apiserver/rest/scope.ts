/**
 * What every REST operation is about: which logical cluster, which resource type and
 * version, which namespace, and who asks. The HTTP layer and the in-process client both
 * build a Scope and call the same operations.
 */
import type { KubeObject } from '../../apimachinery/meta.ts';
import type { ResourceType } from '../registry/resource-type.ts';

export interface UserInfo {
  readonly username: string;
  readonly uid?: string;
  readonly groups: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

/**
 * Narrows what a request may see and write within its scope (virtual workspaces: objects
 * of workspaces that accepted a claim, matching its selector). Invisible objects are
 * treated as absent.
 */
export interface ObjectFilter {
  visible(obj: KubeObject, verb: string): boolean;
  /** Changes a new object so it is visible (labels a claim's selector requires). */
  prepareCreate?(obj: KubeObject): void;
  /**
   * Why an object written through the filter (after admission) may not be stored: a write
   * must not take it outside what the filter lets through. Undefined when it may.
   */
  refusal?(obj: KubeObject): string | undefined;
}

export interface Scope {
  /** Logical cluster name, or '*' for a read across every cluster. */
  readonly cluster: string;
  readonly type: ResourceType;
  /** The version the request speaks; objects are converted to and from it. */
  readonly version: string;
  /** The namespace of the request; undefined for cluster-scoped or all-namespace requests. */
  readonly namespace?: string;
  readonly user: UserInfo;
  readonly filter?: ObjectFilter;
  /**
   * The store revision a request's decisions were made at (authentication, RBAC, the
   * workspace, admission's indexes); its writes fail Stale if something that decides
   * requests changed since, and the request is decided again. Controllers leave it out.
   */
  readonly basis?: number;
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface WriteOptions {
  readonly dryRun?: boolean;
  /** Who writes: recorded in managedFields (the HTTP layer falls back to the user agent). */
  readonly fieldManager?: string;
  readonly fieldValidation?: FieldValidation;
  /** Keys the request body repeated (field validation reports them). */
  readonly duplicateFields?: readonly string[];
  /**
   * The object is a create or update request body, so a strict field validation error is
   * worded as failing to decode it (`ConfigMap in version "v1" cannot be handled as a
   * ConfigMap: strict decoding error: …`), as upstream's decoder does; patches are not.
   * The HTTP layer refused the body if it did not decode (400), so it is not checked again.
   */
  readonly decodedBody?: boolean;
  /** Server-side apply already settled managedFields; do not record an Update on top. */
  readonly managedFieldsSettled?: boolean;
  /**
   * The object given to create is the write's own (a request body just decoded): it is
   * changed in place instead of copied first.
   */
  readonly ownsInput?: boolean;
}

/** The manager in-process writers are recorded as unless they name themselves. */
export const DEFAULT_FIELD_MANAGER = 'canopy';

/** What a write produced: the object, whether it was created, and warnings for the client. */
export interface WriteResult<T> {
  readonly object: T;
  readonly created: boolean;
  readonly warnings: string[];
}

export const WILDCARD_CLUSTER = '*';
