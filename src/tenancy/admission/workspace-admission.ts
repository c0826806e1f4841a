/**
 * Workspace admission, as kcp's:
 * - the type defaults to the parent type's defaultChildWorkspaceType, and a type given by
 *   name alone is looked up from the parent workspace up to root;
 * - the type must exist, and the parent and child types must allow each other
 *   (limitAllowedChildren / limitAllowedParents, extended types counting as themselves);
 * - creating a workspace of a type needs the `use` verb on it, in the type's workspace;
 * - the creator is recorded (experimental.tenancy.kcp.io/owner) and the type's
 *   additional labels added;
 * - spec.cluster and spec.URL are the system's to set.
 */

import {
  OWNER_ANNOTATION,
  TENANCY_GROUP,
  type Workspace,
  type WorkspaceTypeReference,
} from '../../api/tenancy/types.ts';
import { isJsonObject } from '../../apimachinery/meta.ts';
import { badRequest, forbidden, invalid } from '../../apimachinery/status.ts';
import type { AdmissionPlugin, AdmissionRequest } from '../../apiserver/admission/admission.ts';
import { isPrivileged } from '../../apiserver/authz/authorization.ts';
import type { Authorizer } from '../../apiserver/authz/authorizer.ts';
import type { ClusterIndex } from '../cluster-index.ts';
import type { ResolvedType, WorkspaceTypeResolver } from '../workspace-types.ts';

const WORKSPACES = { group: TENANCY_GROUP, resource: 'workspaces' };

export function workspaceAdmission(
  index: Pick<ClusterIndex, 'info'>,
  types: WorkspaceTypeResolver,
  authorizer: Authorizer,
): AdmissionPlugin {
  return {
    name: 'WorkspaceAdmission',
    async admit(request) {
      if (!isWorkspace(request) || request.operation !== 'CREATE') return;
      const ws = request.object as Workspace;
      if (!isJsonObject(ws.spec)) ws.spec = {};
      const parentCluster = request.scope.cluster;
      const parent = index.info(parentCluster);
      if (!parent) throw badRequest(`the parent workspace ${parentCluster} is not ready`);
      const parentType = await types.resolveForCluster(parentCluster);
      let ref: WorkspaceTypeReference | undefined = ws.spec.type;
      if (!ref?.name) {
        ref = parentType?.object.spec.defaultChildWorkspaceType;
        if (!ref) {
          throw invalid({ group: TENANCY_GROUP, kind: 'Workspace' }, request.name, [
            {
              type: 'FieldValueRequired',
              field: 'spec.type',
              detail: `parent workspace type ${parent.type} has no default child type; specify one`,
            },
          ]);
        }
      }
      const resolved = await types.resolve(ref, parent.path);
      if (!resolved) {
        throw invalid({ group: TENANCY_GROUP, kind: 'Workspace' }, request.name, [
          {
            type: 'FieldValueInvalid',
            field: 'spec.type',
            value: ref,
            detail: `WorkspaceType ${ref.path ? `${ref.path}:` : ''}${ref.name} does not exist`,
          },
        ]);
      }
      ws.spec.type = { name: resolved.name, path: resolved.path };
      checkConstraints(types, request.name, parentType, resolved);
      if (!isPrivileged(request.scope.user)) {
        const decision = authorizer.authorize({
          user: request.scope.user,
          verb: 'use',
          cluster: resolved.cluster,
          apiGroup: TENANCY_GROUP,
          resource: 'workspacetypes',
          subresource: '',
          name: resolved.name,
          path: '',
          isResourceRequest: true,
        });
        if (!decision.allowed) {
          throw forbidden(
            WORKSPACES,
            request.name,
            `unable to create workspace: missing verb='use' permission on workspacetype ${resolved.path}:${resolved.name}`,
          );
        }
      }
      const user = request.scope.user;
      ws.metadata.annotations = {
        ...ws.metadata.annotations,
        [OWNER_ANNOTATION]: JSON.stringify({
          username: user.username,
          ...(user.uid ? { uid: user.uid } : {}),
          groups: user.groups,
          ...(user.extra ? { extra: user.extra } : {}),
        }),
      };
      const labels = resolved.object.spec.additionalWorkspaceLabels;
      if (labels) ws.metadata.labels = { ...labels, ...ws.metadata.labels };
    },
    validate(request) {
      if (!isWorkspace(request) || request.subresource === 'status') return;
      if (isPrivileged(request.scope.user)) return;
      const ws = request.object as Workspace | undefined;
      const old = request.oldObject as Workspace | undefined;
      for (const field of ['cluster', 'URL'] as const) {
        if (ws?.spec?.[field] !== undefined && ws.spec[field] !== old?.spec?.[field]) {
          throw invalid({ group: TENANCY_GROUP, kind: 'Workspace' }, request.name, [
            {
              type: 'FieldValueForbidden',
              field: `spec.${field}`,
              detail: `spec.${field} can only be set by system privileged users`,
            },
          ]);
        }
      }
    },
  };
}

function isWorkspace(request: AdmissionRequest): boolean {
  return (
    request.scope.type.group === TENANCY_GROUP && request.scope.type.names.plural === 'workspaces'
  );
}

function checkConstraints(
  types: WorkspaceTypeResolver,
  name: string,
  parent: ResolvedType | undefined,
  child: ResolvedType,
): void {
  const fail = (detail: string) =>
    invalid({ group: TENANCY_GROUP, kind: 'Workspace' }, name, [
      {
        type: 'FieldValueInvalid',
        field: 'spec.type',
        value: { name: child.name, path: child.path },
        detail,
      },
    ]);
  if (parent) {
    const children = parent.object.spec.limitAllowedChildren;
    if (children?.none)
      throw fail(
        `workspace type ${parent.path}:${parent.name} does not allow any child workspaces`,
      );
    if (children?.types?.length && !types.matchesAny(child, children.types)) {
      throw fail(
        `workspace type ${child.path}:${child.name} is not allowed as a child of ${parent.path}:${parent.name}`,
      );
    }
  }
  const parents = child.object.spec.limitAllowedParents;
  if (parents?.none)
    throw fail(`workspace type ${child.path}:${child.name} does not allow any parent workspace`);
  if (parents?.types?.length && (!parent || !types.matchesAny(parent, parents.types))) {
    throw fail(
      `workspace type ${child.path}:${child.name} only allows ${parents.types.map((t) => `${t.path}:${t.name}`).join(', ')} as parent`,
    );
  }
}
