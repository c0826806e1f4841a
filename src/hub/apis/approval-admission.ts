/**
 * The approval gate on untrusted permission claims, enforced by the control plane so that
 * no client can go around the hub: setting, changing or removing the
 * `kedge.faros.sh/accept-untrusted-claims` annotation of a CatalogEntry needs the `approve`
 * verb on that entry, and so does changing the set of claims that are not tenant-scoped
 * while an entry is approved (an approval covers the claims it was given for). So does
 * naming an export outside the hub's provider workspaces (`spec.apiExport.path`, Canopy's
 * addition): the hub, as an administrator, grants every authenticated user `bind` on that
 * export and makes a provider identity that reads its tenants' data there, so offering a
 * workspace's export is an administrator's decision, not any catalog writer's.
 */

import {
  ACCEPT_UNTRUSTED_CLAIMS_ANNOTATION,
  APPROVE_VERB,
  CATALOG_RESOURCE,
  type CatalogEntry,
  PROVIDERS_GROUP,
} from '../../api/providers/types.ts';
import { forbidden } from '../../apimachinery/status.ts';
import type { AdmissionPlugin, AdmissionRequest } from '../../apiserver/admission/admission.ts';
import type { Authorizer } from '../../apiserver/authz/authorizer.ts';

/** The claims an approval covers, in a canonical form. */
export function untrustedClaims(entry: CatalogEntry | undefined): string {
  const claims = (entry?.spec?.apiExport?.permissionClaims ?? [])
    .filter((c) => c.tenantScoped !== true)
    .map((c) => `${c.group ?? ''}/${c.resource}:${[...(c.verbs ?? [])].sort().join(',')}`);
  return JSON.stringify(claims.sort());
}

const approval = (entry: CatalogEntry | undefined) =>
  entry?.metadata?.annotations?.[ACCEPT_UNTRUSTED_CLAIMS_ANNOTATION];

/** Whether this write needs the approve verb, and why (for the message). */
export function needsApproval(
  object: CatalogEntry | undefined,
  old: CatalogEntry | undefined,
): string | undefined {
  if (approval(object) !== approval(old))
    return `setting or changing the ${ACCEPT_UNTRUSTED_CLAIMS_ANNOTATION} annotation`;
  if (approval(object) === 'true' && untrustedClaims(object) !== untrustedClaims(old))
    return `changing claims that are not tenant-scoped while ${ACCEPT_UNTRUSTED_CLAIMS_ANNOTATION} is set`;
  const path = object?.spec?.apiExport?.path;
  if (path && path !== old?.spec?.apiExport?.path)
    return `offering the export of workspace ${path} (spec.apiExport.path), which the hub makes bindable by every authenticated user,`;
  return undefined;
}

export function approvalAdmission(authorizer: Authorizer): AdmissionPlugin {
  return {
    name: 'CatalogEntryApproval',
    validate(request: AdmissionRequest) {
      const { scope } = request;
      if (
        scope.type.group !== PROVIDERS_GROUP ||
        scope.type.names.plural !== CATALOG_RESOURCE ||
        request.subresource !== '' ||
        request.operation === 'DELETE'
      )
        return;
      const why = needsApproval(
        request.object as CatalogEntry | undefined,
        request.oldObject as CatalogEntry | undefined,
      );
      if (!why) return;
      const allowed = authorizer.authorize({
        user: scope.user,
        verb: APPROVE_VERB,
        cluster: scope.cluster,
        apiGroup: PROVIDERS_GROUP,
        resource: CATALOG_RESOURCE,
        subresource: '',
        name: request.name,
        path: '',
        isResourceRequest: true,
      }).allowed;
      if (!allowed) {
        throw forbidden(
          { group: PROVIDERS_GROUP, resource: CATALOG_RESOURCE },
          request.name,
          `${why} needs the "${APPROVE_VERB}" verb on ${CATALOG_RESOURCE}.${PROVIDERS_GROUP}; ask a catalog administrator to approve the entry`,
        );
      }
    },
  };
}
