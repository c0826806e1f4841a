/**
 * The APIExport virtual workspace:
 * `/services/apiexport/<export cluster>/<export name>/clusters/<* | cluster>/…`.
 *
 * Through it a provider's controllers see their tenants: the exported resources in every
 * workspace that binds the export (one wildcard list or watch spans them all, objects
 * marked with kcp.io/cluster), the resources tenants accepted claims on — only in those
 * workspaces, only with the accepted verbs, only objects matching the claim's selector —
 * and the APIBindings to the export, read-only. Discovery and OpenAPI are the export's API
 * set whether anyone binds it or not (as kcp's), so informers start before the first
 * tenant and list nothing. Every request needs `apiexports/content` with its verb on the
 * export, in the export's workspace; one into a single workspace also needs that workspace
 * to bind the export and the resource to be bound or claimed there (kcp's bound-API check).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type APIBinding, type APIExport, APIS_GROUP } from '../../api/apis/types.ts';
import type { KubeObject } from '../../apimachinery/meta.ts';
import { methodNotAllowed, notFoundPath } from '../../apimachinery/status.ts';
import type { ApiIndex } from '../../apis/api-index.ts';
import { claimLabelKey, claimLabelValue, grantOf, live } from '../../apis/claims.ts';
import { apiBindings } from '../../apis/resources/apibindings.ts';
import type { Authorizer } from '../../apiserver/authz/authorizer.ts';
import { forbiddenError } from '../../apiserver/authz/authorizer.ts';
import { buildDocuments } from '../../apiserver/discovery/documents.ts';
import { serveDiscovery } from '../../apiserver/discovery/handler.ts';
import { type RequestInfo, requestInfo } from '../../apiserver/http/request-info.ts';
import { handleResource } from '../../apiserver/http/resource-handler.ts';
import { writeJson } from '../../apiserver/http/respond.ts';
import type { OpenApiHandler } from '../../apiserver/openapi/handler.ts';
import { atVersion, type ResourceType, type Verb } from '../../apiserver/registry/resource-type.ts';
import type { TypeLookup } from '../../apiserver/registry/type-registry.ts';
import { CLUSTER_ANNOTATION } from '../../apiserver/rest/codec.ts';
import type { ResourceStorage } from '../../apiserver/rest/resource-storage.ts';
import { type ObjectFilter, type UserInfo, WILDCARD_CLUSTER } from '../../apiserver/rest/scope.ts';

const READ_ONLY: readonly Verb[] = ['get', 'list', 'watch'];
const PREFIX = /^\/services\/apiexport\/([^/]+)\/([^/]+)\/clusters\/([^/]+)(\/.*)?$/;

/** The types one request may reach, and how each is narrowed. */
class ExportView implements TypeLookup {
  readonly types: ResourceType[] = [];
  /** By resource rather than by type object: lookups hand out per-version views of a type. */
  private readonly filters = new Map<string, ObjectFilter>();

  add(type: ResourceType, filter?: ObjectFilter): void {
    this.types.push(type);
    if (filter) this.filters.set(resourceOf(type), filter);
  }

  lookup(
    _cluster: string,
    group: string,
    version: string,
    plural: string,
  ): ResourceType | undefined {
    const type = this.types.find(
      (t) => t.group === group && t.names.plural === plural && t.versions.includes(version),
    );
    return type && atVersion(type, version);
  }

  filter(type: ResourceType): ObjectFilter | undefined {
    return this.filters.get(resourceOf(type));
  }
}

const resourceOf = (type: ResourceType) =>
  `${type.names.plural}.${type.group}:${type.identity ?? ''}`;

/** Whether claim verbs allow `verb` (`*` all; an update through a patch counts as patch). */
const grants = (verbs: readonly string[], verb: string) =>
  verbs.includes('*') || verbs.includes(verb) || (verb === 'update' && verbs.includes('patch'));

const clusterOf = (obj: KubeObject) => obj.metadata.annotations?.[CLUSTER_ANNOTATION] ?? '';

export interface ApiExportVirtualWorkspaceDeps {
  readonly index: ApiIndex;
  readonly storage: ResourceStorage;
  readonly openapi: OpenApiHandler;
  readonly version: () => Record<string, string>;
  readonly authorizer: Authorizer;
  readonly resolveCluster: (pathOrName: string) => string | undefined;
}

export class ApiExportVirtualWorkspace {
  private readonly d: ApiExportVirtualWorkspaceDeps;

  constructor(deps: ApiExportVirtualWorkspaceDeps) {
    this.d = deps;
  }

  handles(pathname: string): boolean {
    return PREFIX.test(pathname);
  }

  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    requester: UserInfo,
    actAs: (cluster: string) => UserInfo,
  ): Promise<void> {
    const m = PREFIX.exec(url.pathname);
    if (!m) throw notFoundPath();
    const exportCluster = this.d.resolveCluster(decodeURIComponent(m[1] as string));
    const exportName = decodeURIComponent(m[2] as string);
    const target = decodeURIComponent(m[3] as string);
    const rest = m[4] ?? '/';
    const info = requestInfo(req.method ?? 'GET', rest, url.searchParams);
    const exp = exportCluster ? this.d.index.exportOf(exportCluster, exportName) : undefined;
    // The export's workspace governs the provider's access, so impersonation is decided
    // (and scoped) there; without one, the request is refused below as it comes.
    const user = exportCluster ? actAs(exportCluster) : requester;

    // apiexports/content with the request's verb, on the export, in its workspace.
    const verb = info.isResourceRequest ? info.verb : (req.method ?? 'GET').toLowerCase();
    const attrs = {
      user,
      verb,
      cluster: exportCluster ?? '',
      apiGroup: APIS_GROUP,
      resource: 'apiexports',
      subresource: 'content',
      name: exportName,
      path: '',
      isResourceRequest: true,
    };
    if (!exportCluster || !exp || !this.d.authorizer.authorize(attrs).allowed)
      throw forbiddenError(attrs);

    const view = this.view(exportCluster, exportName, exp, target);
    if (!info.isResourceRequest) {
      // kubectl needs /version and OpenAPI (client-side validation, explain) here too.
      if (rest === '/version' || rest === '/version/') return writeJson(res, 200, this.d.version());
      if (this.d.openapi.handle(req, res, { types: view.types }, rest, url.searchParams)) return;
      if (serveDiscovery(req, res, () => buildDocuments(view.types), rest)) return;
      if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed();
      throw notFoundPath();
    }
    const denied = (reason: string) =>
      forbiddenError(
        {
          ...attrs,
          cluster: target,
          ...(info.namespace ? { namespace: info.namespace } : {}),
          apiGroup: info.apiGroup,
          resource: info.resource,
          subresource: info.subresource,
          name: info.name,
        },
        reason,
      );
    const type = view.lookup(target, info.apiGroup, info.apiVersion, info.resource);
    if (target === WILDCARD_CLUSTER) {
      // Across workspaces a provider reads; it writes in one workspace at a time.
      if (type && !READ_ONLY.includes(info.verb as Verb)) throw methodNotAllowed();
    } else {
      const reason = this.refusal(exportCluster, exportName, exp, target, info);
      if (reason) throw denied(reason);
    }
    // A verb the export does not claim (or read-only APIBindings) is forbidden, as kcp's
    // virtual workspace authorizer decides — not an unsupported method.
    if (type && !type.verbs.includes(info.verb as Verb)) {
      throw denied('not granted by the APIBinding to this export');
    }
    return handleResource(
      {
        req,
        res,
        info,
        query: url.searchParams,
        cluster: target,
        user,
        filter: (t) => view.filter(t),
      },
      { storage: this.d.storage, registry: view },
    );
  }

  /**
   * Why a request into one workspace is refused, as kcp's bound-API authorizer decides:
   * the workspace must bind the export, and the resource be one it bound, a claim it
   * accepted with the request's verb, or its APIBindings (read).
   */
  private refusal(
    exportCluster: string,
    exportName: string,
    exp: APIExport,
    target: string,
    info: RequestInfo,
  ): string | undefined {
    const binding = this.d.index.bindingIn(target, exportCluster, exportName);
    if (!binding || !live(binding))
      return 'could not find suitable APIBinding in target logical cluster';
    const is = (r: { group?: string; resource: string }) =>
      (r.group ?? '') === info.apiGroup && r.resource === info.resource;
    if ((binding.status?.boundResources ?? []).some(is)) return undefined;
    let claimed = false;
    for (const claim of exp.spec.permissionClaims ?? []) {
      const grant = is(claim) ? grantOf(binding, claim) : undefined;
      if (grant && grants(grant.verbs, info.verb)) return undefined;
      claimed ||= grant !== undefined;
    }
    if (claimed) return 'not granted by the APIBinding to this export';
    if (info.apiGroup === APIS_GROUP && info.resource === 'apibindings') return undefined;
    return 'failed to find suitable reason to allow access in APIBinding';
  }

  /**
   * What the provider may reach through this URL: the export's API set — its resources and
   * its claims — whether or not anyone binds it yet (so informers can start before the
   * first tenant; their lists are empty), and the APIBindings to it. Which workspace's
   * objects a request sees is decided per object (claims) and per target (`refusal`).
   */
  private view(
    exportCluster: string,
    exportName: string,
    exp: APIExport,
    target: string,
  ): ExportView {
    const view = new ExportView();
    const wildcard = target === WILDCARD_CLUSTER;
    const identity = exp.status?.identityHash;
    const exported = new Set<string>();
    for (const r of identity ? (exp.spec.resources ?? []) : []) {
      const type = this.d.index.typeFor(exportCluster, r.schema, identity as string);
      if (!type) continue;
      view.add(type);
      exported.add(`${r.group}/${r.name}`);
    }
    const labelKey = claimLabelKey(exportCluster, exportName);
    for (const claim of exp.spec.permissionClaims ?? []) {
      // A claim on one of the export's own resources means nothing (as kcp ignores it).
      if (exported.has(`${claim.group ?? ''}/${claim.resource}`)) continue;
      const type = this.d.index.claimedType(claim);
      if (!type) continue;
      // Decided per object from the bindings as they are now, not as they were when the
      // request came: a long watch follows tenants binding, accepting and rejecting.
      const grantIn = (cluster: string) => {
        if (!wildcard && cluster !== target) return undefined;
        const binding = this.d.index.bindingIn(cluster, exportCluster, exportName);
        return binding && live(binding) ? grantOf(binding, claim) : undefined;
      };
      const labelValue = claimLabelValue(claim);
      view.add(
        { ...type, verbs: type.verbs.filter((v) => grants(claim.verbs, v)) },
        {
          // Only objects carrying the claim's label (set while the claim is accepted and
          // its selector matches). A watch judges an object by the label even when the
          // grant is gone, so its unlabelling — the claim revoked — arrives as DELETED,
          // and its labelling as ADDED.
          visible: (obj, verb) => {
            if (obj.metadata.labels?.[labelKey] !== labelValue) return false;
            const cluster = clusterOf(obj);
            const grant = grantIn(cluster);
            if (!grant) return verb === 'watch' && (wildcard || cluster === target);
            return grants(grant.verbs, verb);
          },
          prepareCreate: (obj) => {
            const labels = grantIn(target)?.selector?.matchLabels;
            if (labels) obj.metadata.labels = { ...obj.metadata.labels, ...labels };
          },
          // Admission has set the claim label if the object is inside the claim's selector:
          // a provider writes nothing it could not see, and moves nothing out of its sight.
          refusal: (obj) =>
            obj.metadata.labels?.[labelKey] === labelValue
              ? undefined
              : 'the object would be outside what the APIBinding grants (the claim’s selector)',
        },
      );
    }
    // The bindings to this export are always visible, never writable. Judged by the
    // binding itself, so its own events are never decided by a lagging index.
    view.add(
      { ...apiBindings, verbs: READ_ONLY },
      {
        visible: (obj) => {
          const b = obj as APIBinding;
          return (
            live(b) &&
            b.status?.apiExportClusterName === exportCluster &&
            b.spec?.reference?.export?.name === exportName &&
            (wildcard || clusterOf(obj) === target)
          );
        },
      },
    );
    return view;
  }
}
