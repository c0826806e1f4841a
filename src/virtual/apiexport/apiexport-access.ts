/**
 * What a provider may reach through the APIExport virtual workspace, as rules apart from
 * serving (`apiexport-virtual-workspace.ts`): which requests into one workspace kcp's
 * bound-API check refuses, and the per-object filters of claimed resources and of the
 * APIBindings to the export. Pure functions of the binding, the export and the object,
 * table-tested in `apiexport-access.test.ts`.
 */
import type { APIBinding, APIExport } from '../../api/apis/types.ts';
import { APIS_GROUP } from '../../api/apis/types.ts';
import type { KubeObject } from '../../apimachinery/meta.ts';
import { type Grant, grantOf, live } from '../../apis/claims.ts';
import { CLUSTER_ANNOTATION } from '../../apiserver/rest/codec.ts';
import type { ObjectFilter } from '../../apiserver/rest/scope.ts';

/** Whether claim verbs allow `verb` (`*` all; an update through a patch counts as patch). */
export const grants = (verbs: readonly string[], verb: string): boolean =>
  verbs.includes('*') || verbs.includes(verb) || (verb === 'update' && verbs.includes('patch'));

export const clusterOf = (obj: KubeObject): string =>
  obj.metadata.annotations?.[CLUSTER_ANNOTATION] ?? '';

/**
 * Why a request into one workspace is refused, as kcp's bound-API authorizer decides:
 * the workspace must bind the export (`binding`, its binding there, in force), and the
 * resource be one it bound, a claim it accepted with the request's verb, or its
 * APIBindings (read). A claim reaches the resource and its status, never what another
 * subresource gives (a claim on ServiceAccounts with `create` would otherwise mint the
 * tenant's tokens). Undefined when it may go on.
 */
export function boundApiRefusal(
  binding: APIBinding | undefined,
  exp: APIExport,
  request: {
    readonly apiGroup: string;
    readonly resource: string;
    readonly subresource?: string;
    readonly verb: string;
  },
): string | undefined {
  if (!binding || !live(binding))
    return 'could not find suitable APIBinding in target logical cluster';
  const is = (r: { group?: string; resource: string }) =>
    (r.group ?? '') === request.apiGroup && r.resource === request.resource;
  if ((binding.status?.boundResources ?? []).some(is)) return undefined;
  const sub = request.subresource ?? '';
  let claimed = false;
  for (const claim of exp.spec.permissionClaims ?? []) {
    if (sub !== '' && sub !== 'status' && is(claim)) {
      return `a permission claim does not reach the ${sub} subresource`;
    }
    const grant = is(claim) ? grantOf(binding, claim) : undefined;
    if (grant && grants(grant.verbs, request.verb)) return undefined;
    claimed ||= grant !== undefined;
  }
  if (claimed) return 'not granted by the APIBinding to this export';
  if (request.apiGroup === APIS_GROUP && request.resource === 'apibindings') return undefined;
  return 'failed to find suitable reason to allow access in APIBinding';
}

/**
 * The filter of one claimed resource: only objects carrying the claim's label (set while
 * the claim is accepted and its selector matches), with the verbs the binding grants now.
 * `grantIn` answers per cluster from the bindings as they are at that moment, so a long
 * watch follows tenants binding, accepting and rejecting: a watch judges an object by the
 * label even when the grant is gone, so its unlabelling — the claim revoked — arrives as
 * DELETED, and its labelling as ADDED.
 */
export function claimFilter(input: {
  /** The claim label of the export, and the value of this claim. */
  readonly labelKey: string;
  readonly labelValue: string;
  /** `*` (every workspace) or the one workspace of the request. */
  readonly target: string;
  readonly wildcard: boolean;
  readonly grantIn: (cluster: string) => Grant | undefined;
}): ObjectFilter {
  const { labelKey, labelValue, target, wildcard, grantIn } = input;
  return {
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
  };
}

/**
 * The APIBindings to this export, in force, in the request's workspace (or all). Judged
 * by the binding itself, so its own events are never decided by a lagging index.
 */
export function bindingsFilter(input: {
  readonly exportCluster: string;
  readonly exportName: string;
  readonly target: string;
  readonly wildcard: boolean;
}): ObjectFilter {
  return {
    visible: (obj) => {
      const b = obj as APIBinding;
      return (
        live(b) &&
        b.status?.apiExportClusterName === input.exportCluster &&
        b.spec?.reference?.export?.name === input.exportName &&
        (input.wildcard || clusterOf(obj) === input.target)
      );
    },
  };
}

/** The grant of a claim in `cluster`'s binding to the export, while it is in force. */
export function grantInForce(
  binding: APIBinding | undefined,
  claim: { group?: string; resource: string; identityHash?: string },
): Grant | undefined {
  return binding && live(binding) ? grantOf(binding, claim) : undefined;
}
