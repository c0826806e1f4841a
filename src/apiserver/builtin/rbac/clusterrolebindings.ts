/**
 * ClusterRoleBindings (rbac.authorization.k8s.io/v1): cluster-wide grants of a
 * ClusterRole. Shares defaulting, validation and the table with RoleBindings; differs in
 * accepting only ClusterRoles and in requiring a namespace on service account subjects.
 *
 * See also: Admission: RBACEscalation (apiserver/authz/escalation.ts). Read by
 * apiserver/authz/rbac-index.ts; the bootstrap bindings are
 * apiserver/authz/bootstrap-policy.ts.
 */

import { RBAC_GROUP } from '../../../api/rbac/types.ts';
import { builtin } from '../define.ts';
import { clusterRoleBindingSchema } from './clusterrolebindings.schema.ts';
import {
  bindingCells,
  bindingColumns,
  defaultBinding,
  validateBinding,
  validateBindingUpdate,
} from './rolebindings.ts';

export const clusterRoleBindings = builtin({
  group: RBAC_GROUP,
  version: 'v1',
  plural: 'clusterrolebindings',
  singular: 'clusterrolebinding',
  kind: 'ClusterRoleBinding',
  namespaced: false,
  schema: clusterRoleBindingSchema,
  definitionName: 'io.k8s.api.rbac.v1.ClusterRoleBinding',
  strategy: {
    nameValidation: 'PathSegmentName',
    prepareForCreate: defaultBinding,
    prepareForUpdate: defaultBinding,
    validate: (obj) => validateBinding(obj, false),
    validateUpdate: (obj, old) => validateBindingUpdate(obj, old, false),
    allowCreateOnUpdate: true,
    allowUnconditionalUpdate: true,
    columns: bindingColumns(
      'clusterRoleBinding',
      'RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.',
    ),
    cells: bindingCells,
  },
});
