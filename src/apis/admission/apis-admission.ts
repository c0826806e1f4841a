/**
 * Admission of the apis.kcp.io types, as kcp's:
 * - binding an export (an APIBinding or an APIExportEndpointSlice) needs the export to
 *   exist (when it is named by a path other than root's, as kcp looks it up) and the `bind`
 *   verb on it in the export's workspace; every failure reads the same, so nothing is
 *   learnt about exports one may not bind — and a typo in the name fails at once instead
 *   of leaving a binding that never binds;
 * - an APIExport's resources must name schemas for themselves (`.<name>.<group>`);
 * - an APIResourceSchema cannot be deleted while an export of its workspace uses it;
 * - only the system writes the status of exports, bindings and endpoint slices.
 */

import { type APIExport, APIS_GROUP } from '../../api/apis/types.ts';
import { forbidden, invalid } from '../../apimachinery/status.ts';
import type { AdmissionPlugin, AdmissionRequest } from '../../apiserver/admission/admission.ts';
import { isPrivileged } from '../../apiserver/authz/authorization.ts';
import type { Authorizer } from '../../apiserver/authz/authorizer.ts';
import { parseObjectKey } from '../../storage/keys.ts';
import { schemaNameSuffix } from '../resources/apiresourceschemas.ts';

const is = (request: AdmissionRequest, plural: string) =>
  request.scope.type.group === APIS_GROUP && request.scope.type.names.plural === plural;

/** What the plugin reads of the API index (`api-index.ts`). */
export interface ApisAdmissionIndex {
  exportCluster(from: string, path: string | undefined): string | undefined;
  /** Whether the export exists (also when it was created a moment ago). */
  exportExists(cluster: string, name: string): boolean | Promise<boolean>;
  readonly exports: { entries(): Iterable<[string, APIExport]> };
}

export function apisAdmission(index: ApisAdmissionIndex, authorizer: Authorizer): AdmissionPlugin {
  return {
    name: 'APIs',
    async validate(request) {
      const { scope, operation } = request;
      const user = scope.user;
      if (
        (is(request, 'apibindings') || is(request, 'apiexportendpointslices')) &&
        operation === 'CREATE'
      ) {
        const ref = request.object?.spec as
          | {
              export?: { path?: string; name: string };
              reference?: { export?: { path?: string; name: string } };
            }
          | undefined;
        const exp = is(request, 'apibindings') ? ref?.reference?.export : ref?.export;
        if (exp?.name) {
          const exportCluster = index.exportCluster(scope.cluster, exp.path);
          // kcp finds an export named by path before checking access; its own workspace's
          // and root's are taken on trust (bootstrapping binds exports not there yet).
          const mustExist = exp.path !== undefined && exp.path !== '' && exp.path !== 'root';
          const allowed =
            exportCluster !== undefined &&
            (!mustExist || (await index.exportExists(exportCluster, exp.name))) &&
            authorizer.authorize({
              user,
              verb: 'bind',
              cluster: exportCluster,
              apiGroup: APIS_GROUP,
              resource: 'apiexports',
              subresource: '',
              name: exp.name,
              path: '',
              isResourceRequest: true,
            }).allowed;
          if (!allowed) {
            const what = is(request, 'apibindings') ? 'APIBinding' : 'APIExportEndpointSlice';
            throw forbidden(
              { group: APIS_GROUP, resource: scope.type.names.plural },
              request.name,
              `unable to create ${what}: no permission to bind to export ${exp.path ? `${exp.path}:` : ''}${exp.name}`,
            );
          }
        }
      }
      if (
        is(request, 'apiexports') &&
        (operation === 'CREATE' || operation === 'UPDATE') &&
        request.subresource === ''
      ) {
        const resources = (request.object as APIExport | undefined)?.spec?.resources ?? [];
        const errors = resources.flatMap((r, i) =>
          r.schema?.endsWith(schemaNameSuffix(r.name, r.group))
            ? []
            : [
                {
                  type: 'FieldValueInvalid' as const,
                  field: `spec.resources[${i}].schema`,
                  value: r.schema,
                  detail: `must end in ${schemaNameSuffix(r.name, r.group)}`,
                },
              ],
        );
        if (errors.length > 0)
          throw invalid({ group: APIS_GROUP, kind: 'APIExport' }, request.name, errors);
      }
      if (is(request, 'apiresourceschemas') && operation === 'DELETE') {
        for (const [key, exp] of index.exports.entries()) {
          if (parseObjectKey(key).cluster !== scope.cluster) continue;
          if ((exp.spec?.resources ?? []).some((r) => r.schema === request.name)) {
            throw forbidden(
              { group: APIS_GROUP, resource: 'apiresourceschemas' },
              request.name,
              `the schema is used by APIExport "${exp.metadata.name}"; remove it from the export first`,
            );
          }
        }
      }
      if (
        (is(request, 'apiexports') ||
          is(request, 'apibindings') ||
          is(request, 'apiexportendpointslices')) &&
        request.subresource === 'status'
      ) {
        if (!isPrivileged(user)) {
          throw forbidden(
            { group: APIS_GROUP, resource: `${scope.type.names.plural}/status` },
            request.name,
            'only the system writes this status',
          );
        }
      }
    },
  };
}
