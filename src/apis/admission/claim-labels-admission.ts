/**
 * Mutating admission that keeps the claim labels of every written object true (kcp's
 * permission-claim labelling): a new or changed object gets the label of each export whose
 * binding in this workspace accepted a claim covering it (selector included), and loses
 * any other, whoever wrote it — a tenant cannot hide an object from a provider, or show one,
 * by editing the label. Workspaces without bindings pay one map lookup.
 */
import type { AdmissionPlugin } from '../../apiserver/admission/admission.ts';
import type { ApiIndex } from '../api-index.ts';
import { CLAIM_LABEL_PREFIX, wantedClaimLabels, withClaimLabels } from '../claims.ts';

/** What the plugin asks of the API index: a workspace's bindings. */
export type WorkspaceBindings = Pick<ApiIndex, 'hasBindings' | 'bindingsIn'>;

export function claimLabelsAdmission(index: WorkspaceBindings): AdmissionPlugin {
  return {
    name: 'PermissionClaimLabels',
    admit({ operation, scope, object, subresource }) {
      // /status writes may change labels too.
      if (!object || operation === 'DELETE' || (subresource !== '' && subresource !== 'status'))
        return;
      const labels = object.metadata.labels;
      if (!index.hasBindings(scope.cluster)) {
        if (!labels || !Object.keys(labels).some((k) => k.startsWith(CLAIM_LABEL_PREFIX))) return;
      }
      const wanted = wantedClaimLabels(index.bindingsIn(scope.cluster), scope.type, object);
      const next = withClaimLabels(labels, wanted);
      if (!next) return;
      if (Object.keys(next).length > 0) object.metadata.labels = next;
      else delete object.metadata.labels;
    },
  };
}
