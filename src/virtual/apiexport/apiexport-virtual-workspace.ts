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
import { type APIExport, APIS_GROUP } from '../../api/apis/types.ts';
import { methodNotAllowed, notFoundPath } from '../../apimachinery/status.ts';
import type { ApiIndex } from '../../apis/api-index.ts';
import { claimLabelKey, claimLabelValue } from '../../apis/claims.ts';
import { apiBindings } from '../../apis/resources/apibindings.ts';
import type { Authorizer } from '../../apiserver/authz/authorizer.ts';
import { forbiddenError } from '../../apiserver/authz/authorizer.ts';
import { buildDocuments } from '../../apiserver/discovery/documents.ts';
import { serveDiscovery } from '../../apiserver/discovery/handler.ts';
import { requestInfo } from '../../apiserver/http/request-info.ts';
import { handleResource } from '../../apiserver/http/resource-handler.ts';
import { writeJson } from '../../apiserver/http/respond.ts';
import type { OpenApiHandler } from '../../apiserver/openapi/handler.ts';
import { atVersion, type ResourceType, type Verb } from '../../apiserver/registry/resource-type.ts';
import type { TypeLookup } from '../../apiserver/registry/type-registry.ts';
import type { ResourceStorage } from '../../apiserver/rest/resource-storage.ts';
import { type ObjectFilter, type UserInfo, WILDCARD_CLUSTER } from '../../apiserver/rest/scope.ts';
import {
  bindingsFilter,
  boundApiRefusal,
  claimFilter,
  grantInForce,
  grants,
} from './apiexport-access.ts';

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

export interface ApiExportVirtualWorkspaceDeps {
  readonly index: ApiIndex;
  readonly storage: ResourceStorage;
  readonly openapi: OpenApiHandler;
  readonly version: () => Record<string, string>;
  readonly authorizer: Authorizer;
  readonly resolveCluster: (pathOrName: string) => string | undefined;
}

export class ApiExportVirtualWorkspace {
  private readonly deps: ApiExportVirtualWorkspaceDeps;

  constructor(deps: ApiExportVirtualWorkspaceDeps) {
    this.deps = deps;
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
    const exportCluster = this.deps.resolveCluster(decodeURIComponent(m[1] as string));
    const exportName = decodeURIComponent(m[2] as string);
    const target = decodeURIComponent(m[3] as string);
    const rest = m[4] ?? '/';
    const info = requestInfo(req.method ?? 'GET', rest, url.searchParams);
    const exp = exportCluster ? this.deps.index.exportOf(exportCluster, exportName) : undefined;
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
    if (!exportCluster || !exp || !this.deps.authorizer.authorize(attrs).allowed)
      throw forbiddenError(attrs);

    const view = this.view(exportCluster, exportName, exp, target);
    if (!info.isResourceRequest) {
      // kubectl needs /version and OpenAPI (client-side validation, explain) here too.
      if (rest === '/version' || rest === '/version/')
        return writeJson(res, 200, this.deps.version());
      if (this.deps.openapi.handle(req, res, { types: view.types }, rest, url.searchParams)) return;
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
      const binding = this.deps.index.bindingIn(target, exportCluster, exportName);
      const reason = boundApiRefusal(binding, exp, info);
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
      { storage: this.deps.storage, registry: view },
    );
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
      const type = this.deps.index.typeFor(exportCluster, r.schema, identity as string);
      if (!type) continue;
      view.add(type);
      exported.add(`${r.group}/${r.name}`);
    }
    const labelKey = claimLabelKey(exportCluster, exportName);
    for (const claim of exp.spec.permissionClaims ?? []) {
      // A claim on one of the export's own resources means nothing (as kcp ignores it).
      if (exported.has(`${claim.group ?? ''}/${claim.resource}`)) continue;
      const type = this.deps.index.claimedType(claim);
      if (!type) continue;
      // Decided per object from the bindings as they are now (see claimFilter).
      const grantIn = (cluster: string) =>
        !wildcard && cluster !== target
          ? undefined
          : grantInForce(this.deps.index.bindingIn(cluster, exportCluster, exportName), claim);
      view.add(
        { ...type, verbs: type.verbs.filter((v) => grants(claim.verbs, v)) },
        claimFilter({
          labelKey,
          labelValue: claimLabelValue(claim),
          target,
          wildcard,
          grantIn,
        }),
      );
    }
    // The bindings to this export are always visible, never writable. Judged by the
    // binding itself, so its own events are never decided by a lagging index.
    view.add(
      { ...apiBindings, verbs: READ_ONLY },
      bindingsFilter({ exportCluster, exportName, target, wildcard }),
    );
    return view;
  }
}
