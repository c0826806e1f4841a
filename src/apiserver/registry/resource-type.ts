/**
 * A resource type: everything the generic REST machinery needs to serve one resource in
 * one logical cluster — names, scope, versions, subresources, storage prefix and the
 * strategy (validation, defaulting, table columns) that makes it behave like upstream.
 * Built-ins, local CRDs and resources bound from APIExports all become ResourceTypes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorList, FieldError } from '../../apimachinery/field-errors.ts';
import type { GoStruct } from '../../apimachinery/go-decode.ts';
import type { JsonObject, KubeObject } from '../../apimachinery/meta.ts';
import type { JSONSchemaProps } from '../../apimachinery/schema/types.ts';
import type { TableColumnDefinition } from '../../apimachinery/table.ts';
import type { NameRule } from '../../apimachinery/validation/names.ts';
import type { UserInfo } from '../rest/scope.ts';

export type Verb =
  | 'get'
  | 'list'
  | 'watch'
  | 'create'
  | 'update'
  | 'patch'
  | 'delete'
  | 'deletecollection';

export const ALL_VERBS: readonly Verb[] = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
];

export interface ScaleSubresource {
  /** JSON path of the desired replicas, e.g. `.spec.replicas`. */
  readonly specReplicasPath: string;
  readonly statusReplicasPath: string;
  readonly labelSelectorPath?: string;
}

export interface Subresources {
  readonly status?: boolean;
  readonly scale?: ScaleSubresource;
}

/** Subresources the generic machinery writes through. */
export type Subresource = '' | 'status' | 'scale' | 'finalize';

/** What a strategy hook may know about the request. */
export interface StrategyContext {
  /** The logical cluster the object lives in. */
  readonly cluster: string;
  /** The API version the request was made in (for multi-version resources). */
  readonly version: string;
  /** The subresource being written ('' for the main resource). */
  readonly subresource: Subresource;
}

/**
 * One strategy per resource (the upstream RESTCreateStrategy/RESTUpdateStrategy plus table
 * printing and field selectors): the resource-specific part of create, update and list.
 */
export interface Strategy {
  /** Defaults and resets before validation on create (e.g. drop status, default fields). */
  prepareForCreate?(obj: KubeObject, ctx: StrategyContext): void;
  /** Same on update; `old` is the stored object. */
  prepareForUpdate?(obj: KubeObject, old: KubeObject, ctx: StrategyContext): void;
  /** Resource-specific validation on create (object metadata is validated generically). */
  validate(obj: KubeObject, ctx: StrategyContext): FieldError[];
  /** Resource-specific validation on update; defaults to `validate`. */
  validateUpdate?(obj: KubeObject, old: KubeObject, ctx: StrategyContext): FieldError[];
  /**
   * Whether something other than metadata.finalizers keeps a deleted object (a namespace's
   * spec.finalizers); the object then stays, marked with deletionTimestamp.
   */
  holdsDeletion?(obj: KubeObject): boolean;
  /** Changes an object gets when it is marked for deletion (a namespace turns Terminating). */
  prepareForDelete?(obj: KubeObject): void;
  /**
   * Warnings a valid new object earns (upstream's WarningsOnCreate), sent to the client in
   * `Warning` headers: e.g. that nothing runs the containers of a workload.
   */
  warningsOnCreate?(obj: KubeObject): string[];
  /** Does this update change what `metadata.generation` counts? Absent: no generation. */
  generationChanged?(obj: KubeObject, old: KubeObject): boolean;
  /** Name validation for metadata.name (DNS subdomain unless the resource says otherwise). */
  readonly nameValidation?: NameRule;
  /** Whether an update of a missing object creates it (PUT-to-create). */
  readonly allowCreateOnUpdate?: boolean;
  /** Whether an update without metadata.resourceVersion is allowed (last write wins). */
  readonly allowUnconditionalUpdate?: boolean;
  /** Whether DELETE answers with the deleted object rather than a Success Status. */
  readonly returnDeletedObject?: boolean;
  /** Table columns, upstream's for built-ins (most start with NAME_COLUMN). */
  readonly columns: readonly TableColumnDefinition[];
  /** The cells of those columns for one object; `now` is for ages. */
  cells(obj: KubeObject, now: number): unknown[];
  /** Fields selectable with fieldSelector beyond metadata.name and metadata.namespace. */
  fields?(obj: KubeObject): Record<string, string>;
  /** Names of the fields `fields` returns, to reject unknown ones with 400. */
  readonly fieldNames?: readonly string[];
}

/** The type as a request in `version` sees it. */
export function atVersion(type: ResourceType, version: string): ResourceType {
  return type.byVersion?.[version] ?? type;
}

/** A compiled structural schema, as the REST machinery uses it. */
export interface ObjectSchema {
  /** The schema document it was compiled from (OpenAPI publishes it). */
  readonly raw: JSONSchemaProps;
  /** Validation of the whole object (and CEL rules, with `old` on update). */
  validate(obj: KubeObject, old: KubeObject | undefined): FieldError[];
  /** Applies schema defaults in place. */
  applyDefaults(obj: KubeObject): void;
  /** Drops fields the schema does not know, in place; returns their paths (`spec.foo`). */
  prune(obj: KubeObject): string[];
}

export interface ResourceNames {
  /** Plural, lower case: the path segment. */
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly listKind: string;
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
}

/**
 * The names of a kind as a definition gives them, with the list kind `<Kind>List` and the
 * short names and categories it has (built-in, system and virtual types alike).
 */
export function kindNames<L extends readonly string[]>(def: {
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly shortNames?: L;
  readonly categories?: L;
}) {
  return {
    plural: def.plural,
    singular: def.singular,
    kind: def.kind,
    listKind: `${def.kind}List`,
    ...(def.shortNames ? { shortNames: def.shortNames } : {}),
    ...(def.categories ? { categories: def.categories } : {}),
  };
}

/** What the create of a virtual (never stored) resource knows about its request. */
export interface VirtualCreateContext {
  /** The logical cluster of the request. */
  readonly cluster: string;
  /** The namespace in the URL (namespaced resources and subresources of namespaced ones). */
  readonly namespace: string | undefined;
  /** For a subresource, the name of the object it belongs to (serviceaccounts/<name>/token). */
  readonly name: string;
  /** The API version of the request's URL. */
  readonly version: string;
  /** Who asks (after impersonation). */
  readonly user: UserInfo;
  readonly dryRun: boolean;
}

/**
 * Answers a POST with an object computed for it (reviews, TokenRequest): the handler decodes
 * the body, checks its apiVersion and kind, calls this and answers 201 with the result.
 */
export type VirtualCreate = (ctx: VirtualCreateContext, body: KubeObject) => Promise<KubeObject>;

/** What a connect subresource (a pod's logs, port-forward, exec) is handed. */
export interface ConnectContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** The connection, when the request asks to switch protocols (`Upgrade`). */
  readonly upgrade: { readonly socket: Duplex; readonly head: Buffer } | undefined;
  readonly query: URLSearchParams;
  readonly cluster: string;
  readonly namespace: string | undefined;
  readonly name: string;
  readonly user: UserInfo;
  /** Reads the object the subresource belongs to (a 404 Status when there is none). */
  readonly object: () => Promise<KubeObject>;
}

/**
 * Serves a connect subresource: streams a response (logs) or takes the connection over
 * (port-forward), after authentication and authorization like every request.
 */
export type ConnectHandler = (ctx: ConnectContext) => Promise<void>;

/** A create-only subresource served by code, with the kind its body and answer have. */
export interface VirtualSubresource {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** The Go struct a body decodes into (its fields besides apiVersion, kind and metadata). */
  readonly goType: GoStruct;
  readonly create: VirtualCreate;
}

export interface ResourceType {
  readonly group: string;
  /** Served versions, preferred first. */
  readonly versions: readonly string[];
  /** The version objects are stored in. */
  readonly storageVersion: string;
  readonly names: ResourceNames;
  readonly namespaced: boolean;
  readonly verbs: readonly Verb[];
  readonly subresources: Subresources;
  /**
   * Subresources served by their own handlers (serviceaccounts/token), listed in discovery
   * next to status and scale.
   */
  readonly extraSubresources?: readonly {
    readonly name: string;
    readonly group: string;
    readonly version: string;
    readonly kind: string;
    readonly verbs: readonly string[];
  }[];
  /**
   * Built-in kinds accept strategic merge patches (merge keys come from their schema);
   * custom resources answer them with 415, as upstream.
   */
  readonly strategicMergePatch?: boolean;
  /**
   * Built-in kinds and the server's own APIs are decoded into typed structs: what that decode
   * refuses among the kind's own fields in a version (apiVersion, kind and metadata aside), as
   * field errors. Custom resources are unstructured; their schema validates them instead.
   */
  readonly typedDecode?: (obj: KubeObject, version: string) => ErrorList;
  /**
   * For kinds described by a Go struct table rather than a schema (the reviews, which are
   * never stored): the struct a body decodes into, besides apiVersion, kind and metadata.
   */
  readonly goType?: GoStruct;
  /**
   * A virtual resource: POST runs this instead of storing anything (SubjectAccessReview,
   * SelfSubjectReview, ...); every other verb answers 405. Its `verbs` should be ['create'].
   */
  readonly virtualCreate?: VirtualCreate;
  /**
   * Create-only subresources served by code (serviceaccounts/token), by subresource name.
   * List them in `extraSubresources` too, so discovery shows them.
   */
  readonly virtualSubresources?: Readonly<Record<string, VirtualSubresource>>;
  /**
   * Subresources served by code that streams or switches protocols (pods/log,
   * pods/portforward), by subresource name. List them in `extraSubresources` too.
   */
  readonly connect?: Readonly<Record<string, ConnectHandler>>;
  /** APIExport identity hash for resources bound from an export. */
  readonly identity?: string;
  readonly strategy: Strategy;
  /**
   * For custom resources whose versions declare printer columns, selectable fields or
   * subresources other than the storage version's: the type a request in that version
   * sees, built once (the same but for `strategy` and `subresources`). The registry hands
   * it out on lookup; versions alike are not listed.
   */
  readonly byVersion?: Readonly<Record<string, ResourceType>>;
  /**
   * The structural schema of each served version, for resources described by one (CRDs
   * and bound APIResourceSchemas); built-ins validate in code.
   */
  readonly schemas?: Readonly<Record<string, ObjectSchema>>;
  /** Deprecation warning per served version, for CRDs that declare one. */
  readonly deprecationWarnings?: Readonly<Record<string, string>>;
  /**
   * Conversion between served versions whose shapes differ (kcp's APIExport and APIBinding);
   * absent, versions differ only in apiVersion (CRD conversion `None`).
   */
  readonly conversion?: {
    /** An object in `version` as the storage version holds it. */
    toStorage(obj: KubeObject, version: string): KubeObject;
    /** A stored object as `version` shows it. */
    fromStorage(obj: KubeObject, version: string): KubeObject;
  };
  /** OpenAPI of built-ins: their schema per version and definition names. */
  readonly openapi?: {
    schema(version: string): JsonObject | undefined;
    definitionName?(version: string): string;
  };
  /**
   * Where objects are stored when another type owns the storage (events.k8s.io/v1 events
   * are core events), with the conversion between the two shapes.
   */
  readonly storedAs?: {
    readonly type: ResourceType;
    toStorage(obj: KubeObject): KubeObject;
    fromStorage(obj: KubeObject): KubeObject;
  };
}

export function resourceRef(type: ResourceType): { group: string; resource: string } {
  return { group: type.group, resource: type.names.plural };
}
