/**
 * Accepting a permission claim hands the provider the claimed verbs on the claimed
 * resource in this workspace, so, as RBAC's escalation prevention for roles, only someone
 * who holds them may: creating or changing an APIBinding so that it accepts a claim (or
 * more verbs of one) needs each verb it grants (the binding's verbs as the export claims
 * them) on that resource, cluster-wide, in the binding's workspace; so does changing an
 * accepted claim's selector (it may cover more objects). Otherwise a user
 * allowed to enable providers, or a provider through a claim on APIBindings, could hand
 * a provider the workspace's Secrets. System users are exempt; rejecting is always free.
 *
 * (kcp lets anyone who may write the APIBinding accept; see kcp-dev/kcp#1337 and #2462.)
 */
import { isDeepStrictEqual } from 'node:util';
import type { APIBinding, APIExport, BindingPermissionClaim } from '../../api/apis/types.ts';
import { APIS_GROUP } from '../../api/apis/types.ts';
import { forbidden } from '../../apimachinery/status.ts';
import type { AdmissionPlugin } from '../../apiserver/admission/admission.ts';
import { isPrivileged } from '../../apiserver/authz/authorization.ts';
import type { Attributes, Authorizer } from '../../apiserver/authz/authorizer.ts';
import { forbiddenReason } from '../../apiserver/authz/authorizer.ts';
import { sameClaim } from '../claims.ts';

/** The export a binding names, as the API index knows it (undefined if unknown). */
export type ExportLookup = (
  cluster: string,
  path: string | undefined,
  name: string,
) => APIExport | undefined;

const accepted = (b: APIBinding | undefined): BindingPermissionClaim[] =>
  (b?.spec?.permissionClaims ?? []).filter((c) => c.state === 'Accepted');

/** The verbs both sides agree on: the binding's, within what the export claims. */
function grantedVerbs(claim: BindingPermissionClaim, exp: APIExport | undefined): string[] {
  const mine = claim.verbs ?? [];
  const theirs = exp?.spec.permissionClaims?.find((c) => sameClaim(c, claim))?.verbs;
  if (!theirs || theirs.includes('*')) return mine;
  if (mine.includes('*')) return theirs;
  return mine.filter((v) => theirs.includes(v));
}

export function claimAcceptanceAdmission(
  authorizer: Authorizer,
  exportOf: ExportLookup,
): AdmissionPlugin {
  return {
    name: 'ClaimAcceptance',
    validate(request) {
      const { scope, operation, subresource } = request;
      if (scope.type.group !== APIS_GROUP || scope.type.names.plural !== 'apibindings') return;
      if ((operation !== 'CREATE' && operation !== 'UPDATE') || subresource !== '') return;
      if (isPrivileged(scope.user)) return;
      const binding = request.object as APIBinding | undefined;
      const ref = binding?.spec?.reference?.export;
      const exp = ref ? exportOf(scope.cluster, ref.path, ref.name) : undefined;
      const before = accepted(request.oldObject as APIBinding | undefined);
      for (const claim of accepted(binding)) {
        // The same claim, accepted before over the same objects: only added verbs count.
        const prev = before.find(
          (b) => sameClaim(b, claim) && isDeepStrictEqual(b.selector, claim.selector),
        );
        const had = prev ? grantedVerbs(prev, exp) : [];
        for (const verb of grantedVerbs(claim, exp)) {
          if (had.includes(verb) || had.includes('*')) continue;
          const attrs: Attributes = {
            user: scope.user,
            verb,
            cluster: scope.cluster,
            namespace: '',
            apiGroup: claim.group ?? '',
            resource: claim.resource,
            subresource: '',
            name: '',
            path: '',
            isResourceRequest: true,
          };
          if (authorizer.authorize(attrs).allowed) continue;
          const what = claim.group ? `${claim.resource}.${claim.group}` : claim.resource;
          throw forbidden(
            { group: APIS_GROUP, resource: 'apibindings' },
            request.name,
            `accepting the claim on ${what} needs what it grants: ${forbiddenReason(attrs)}`,
          );
        }
      }
    },
  };
}
