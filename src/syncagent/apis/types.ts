/**
 * PublishedResource (`syncagent.kcp.io/v1alpha1`) as users write it, in both shapes
 * api-syncagent has accepted: v0.2 (the kcp workshop: related objects by `kind` +
 * `reference.name.path`, `$remoteClusterName`-style naming) and the current one
 * (`resource.versions`, `projection.group`, related `object.reference|selector|template`,
 * GVR related resources, `synchronization.enabled`, cleanup policies). `normalize` turns
 * either into one internal model with api-syncagent's defaults applied.
 */
import type { KubeObject, LabelSelector } from '../../apimachinery/meta.ts';

export const PR_GROUP = 'syncagent.kcp.io';
export const PR_VERSION = 'v1alpha1';
export const PR_PLURAL = 'publishedresources';

export interface RegularExpression {
  pattern?: string;
  replacement?: string;
}

export interface ResourceMutation {
  delete?: { path: string };
  regex?: { path: string; pattern?: string; replacement?: string };
  template?: { path: string; template: string };
  cel?: { path: string; expression: string };
}

export interface ResourceMutationSpec {
  spec?: ResourceMutation[];
  status?: ResourceMutation[];
}

export interface RelatedObjectSelector extends LabelSelector {
  rewrite?: { regex?: RegularExpression; template?: { template?: string } };
}

export interface RelatedObjectSpec {
  selector?: RelatedObjectSelector;
  reference?: { path: string; regex?: RegularExpression };
  template?: { template?: string };
}

export interface RelatedResourceSpec {
  identifier: string;
  origin: 'kcp' | 'service';
  /** Deprecated (v0.2 and later): ConfigMap or Secret. */
  kind?: string;
  group?: string;
  version?: string;
  resource?: string;
  identityHash?: string;
  /** v0.2 shape. */
  reference?: {
    name?: { path: string; regex?: RegularExpression };
    namespace?: { path: string; regex?: RegularExpression };
  };
  /** Current shape. */
  object?: RelatedObjectSpec & { namespace?: RelatedObjectSpec };
  projection?: { group?: string; version?: string; resource?: string };
  mutation?: ResourceMutationSpec;
  cleanup?: boolean;
  cleanupPolicy?: 'Orphan' | 'OnPrimaryDeletion' | 'MatchOrigin';
  watch?: { byOwner?: Record<string, never>; bySelector?: LabelSelector };
  syncStatus?: boolean;
}

export interface PublishedResourceSpec {
  resource: { apiGroup: string; kind: string; version?: string; versions?: string[] };
  naming?: { namespace?: string; name?: string };
  projection?: {
    group?: string;
    version?: string;
    versions?: Record<string, string>;
    kind?: string;
    plural?: string;
    scope?: 'Cluster' | 'Namespaced';
    shortNames?: string[] | null;
    categories?: string[] | null;
  };
  filter?: { namespace?: LabelSelector; resource?: LabelSelector };
  enableWorkspacePaths?: boolean;
  mutation?: ResourceMutationSpec;
  related?: RelatedResourceSpec[];
  synchronization?: { enabled?: boolean };
}

export interface PublishedResource extends KubeObject {
  spec: PublishedResourceSpec;
  status?: { resourceSchemaName?: string };
}

// ---- the internal model --------------------------------------------------------------

/** How one side finds a related object's name (or namespace). */
export type Locator =
  | { readonly kind: 'reference'; readonly path: string; readonly regex?: RegularExpression }
  | { readonly kind: 'template'; readonly template: string }
  | {
      readonly kind: 'selector';
      readonly selector: LabelSelector;
      readonly rewrite: { regex?: RegularExpression; template?: string };
    };

export interface RelatedResource {
  readonly identifier: string;
  readonly origin: 'kcp' | 'service';
  /** The GVR on the origin side. */
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly kind: string;
  /** The GVR on the destination side (the projection applied). */
  readonly destGroup: string;
  readonly destVersion: string;
  readonly destResource: string;
  readonly identityHash?: string;
  readonly name: Locator;
  readonly namespace?: Locator;
  readonly mutation?: ResourceMutationSpec;
  /** Canopy defaults to OnPrimaryDeletion (api-syncagent #116): copies never outlive their primary. */
  readonly cleanupPolicy: 'Orphan' | 'OnPrimaryDeletion' | 'MatchOrigin';
}

export interface NormalizedSpec {
  readonly source: { group: string; kind: string; versions: string[] };
  readonly naming: { namespace: string; name: string };
  readonly projection: NonNullable<PublishedResourceSpec['projection']>;
  readonly filter: PublishedResourceSpec['filter'];
  readonly enableWorkspacePaths: boolean;
  readonly mutation: ResourceMutationSpec;
  readonly related: RelatedResource[];
  readonly syncEnabled: boolean;
}

/** api-syncagent's defaults (v0.3+): namespace per workspace, name hashed from namespace and name. */
export const DEFAULT_NAMING = {
  namespace: '{{ .ClusterName }}',
  name: '{{ .Object.metadata.namespace | sha3short }}-{{ .Object.metadata.name | sha3short }}',
};

const BUILTIN_RELATED: Record<string, { resource: string; kind: string }> = {
  secret: { resource: 'secrets', kind: 'Secret' },
  secrets: { resource: 'secrets', kind: 'Secret' },
  configmap: { resource: 'configmaps', kind: 'ConfigMap' },
  configmaps: { resource: 'configmaps', kind: 'ConfigMap' },
};

/** A kind for a plural the agent only knows by resource name (best effort, used in events). */
function kindFromResource(resource: string): string {
  const singular = resource.endsWith('ies')
    ? `${resource.slice(0, -3)}y`
    : resource.endsWith('s')
      ? resource.slice(0, -1)
      : resource;
  return singular.charAt(0).toUpperCase() + singular.slice(1);
}

function locator(spec: RelatedObjectSpec | undefined, what: string): Locator | undefined {
  if (!spec) return undefined;
  const set = [spec.reference, spec.template, spec.selector].filter((x) => x !== undefined);
  if (set.length > 1) throw new Error(`${what}: reference, template and selector are exclusive`);
  if (spec.reference) {
    if (!spec.reference.path) throw new Error(`${what}: reference.path is required`);
    return {
      kind: 'reference',
      path: spec.reference.path,
      ...(spec.reference.regex ? { regex: spec.reference.regex } : {}),
    };
  }
  if (spec.template) {
    if (!spec.template.template) throw new Error(`${what}: template.template is required`);
    return { kind: 'template', template: spec.template.template };
  }
  if (spec.selector) {
    const { rewrite, matchLabels, matchExpressions } = spec.selector;
    if (!rewrite || (!rewrite.regex && !rewrite.template?.template))
      throw new Error(`${what}: selector.rewrite needs a regex or a template`);
    return {
      kind: 'selector',
      selector: {
        ...(matchLabels ? { matchLabels } : {}),
        ...(matchExpressions ? { matchExpressions } : {}),
      },
      rewrite: {
        ...(rewrite.regex ? { regex: rewrite.regex } : {}),
        ...(rewrite.template?.template ? { template: rewrite.template.template } : {}),
      },
    };
  }
  return undefined;
}

function normalizeRelated(r: RelatedResourceSpec, index: number): RelatedResource {
  const what = `related[${index}] (${r.identifier || 'no identifier'})`;
  if (!r.identifier) throw new Error(`${what}: identifier is required`);
  if (!/^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/.test(r.identifier))
    throw new Error(`${what}: identifier must be alphanumeric (dashes inside allowed)`);
  if (r.origin !== 'kcp' && r.origin !== 'service')
    throw new Error(`${what}: origin must be "kcp" or "service"`);
  let group = r.group ?? '';
  let version = r.version ?? 'v1';
  let resource = r.resource ?? '';
  let kind = '';
  if (r.kind) {
    if (r.resource) throw new Error(`${what}: kind and resource are exclusive`);
    const builtin = BUILTIN_RELATED[r.kind.toLowerCase()];
    if (!builtin) throw new Error(`${what}: kind must be ConfigMap or Secret`);
    group = '';
    version = 'v1';
    resource = builtin.resource;
    kind = builtin.kind;
  } else if (!resource) {
    throw new Error(`${what}: kind or resource is required`);
  } else {
    kind = (group === '' && BUILTIN_RELATED[resource]?.kind) || kindFromResource(resource);
  }
  // v0.2: reference.name / reference.namespace; current: object.{reference|template|selector}.
  let name: Locator | undefined;
  let namespace: Locator | undefined;
  if (r.object) {
    name = locator(r.object, what);
    namespace = locator(r.object.namespace, `${what}.namespace`);
  } else if (r.reference) {
    if (r.reference.name)
      name = {
        kind: 'reference',
        path: r.reference.name.path,
        ...(r.reference.name.regex ? { regex: r.reference.name.regex } : {}),
      };
    if (r.reference.namespace)
      namespace = {
        kind: 'reference',
        path: r.reference.namespace.path,
        ...(r.reference.namespace.regex ? { regex: r.reference.namespace.regex } : {}),
      };
  }
  if (!name) throw new Error(`${what}: object (or v0.2 reference.name) is required`);
  const cleanupPolicy = r.cleanupPolicy ?? (r.cleanup === false ? 'Orphan' : 'OnPrimaryDeletion');
  return {
    identifier: r.identifier,
    origin: r.origin,
    group,
    version,
    resource,
    kind,
    destGroup: r.projection?.group ?? group,
    destVersion: r.projection?.version ?? version,
    destResource: r.projection?.resource ?? resource,
    ...(r.identityHash ? { identityHash: r.identityHash } : {}),
    name,
    ...(namespace ? { namespace } : {}),
    ...(r.mutation ? { mutation: r.mutation } : {}),
    cleanupPolicy,
  };
}

/** Validates a PublishedResource and applies api-syncagent's defaults. Throws on bad input. */
export function normalize(pr: PublishedResource): NormalizedSpec {
  const spec = pr.spec ?? ({} as PublishedResourceSpec);
  const res = spec.resource;
  if (!res?.apiGroup || !res.kind) throw new Error('spec.resource needs apiGroup and kind');
  if (res.version && res.versions?.length)
    throw new Error('spec.resource: version and versions are exclusive');
  const projection = spec.projection ?? {};
  if (projection.version && projection.versions && Object.keys(projection.versions).length)
    throw new Error('spec.projection: version and versions are exclusive');
  if (projection.scope && projection.scope !== 'Cluster' && projection.scope !== 'Namespaced')
    throw new Error('spec.projection.scope must be Cluster or Namespaced');
  const related = (spec.related ?? []).map(normalizeRelated);
  const ids = new Set<string>();
  for (const r of related) {
    if (ids.has(r.identifier)) throw new Error(`related identifier ${r.identifier} is not unique`);
    ids.add(r.identifier);
  }
  return {
    source: {
      group: res.apiGroup,
      kind: res.kind,
      versions: res.versions?.length ? [...res.versions] : res.version ? [res.version] : [],
    },
    naming: {
      namespace: spec.naming?.namespace || DEFAULT_NAMING.namespace,
      name: spec.naming?.name || DEFAULT_NAMING.name,
    },
    projection,
    filter: spec.filter,
    enableWorkspacePaths: spec.enableWorkspacePaths === true,
    mutation: spec.mutation ?? {},
    related,
    syncEnabled: spec.synchronization?.enabled !== false,
  };
}
