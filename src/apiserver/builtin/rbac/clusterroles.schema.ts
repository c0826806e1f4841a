/** The structural schema of rbac.authorization.k8s.io/v1 ClusterRole. */
import {
  array,
  type BuiltinSchema,
  labelSelector,
  object,
} from '../../../apimachinery/schema/dsl.ts';
import { policyRules } from './roles.schema.ts';

export const clusterRoleSchema: BuiltinSchema = object(
  'A set of permissions usable cluster-wide (through a ClusterRoleBinding) or within a namespace (through a RoleBinding).',
  {
    rules: policyRules(
      'The permissions the role grants; anything not listed is denied. Maintained by the server when aggregationRule is set.',
    ),
    aggregationRule: object(
      'Makes this role the union of other ClusterRoles: its rules are computed from the roles the selectors match, and direct edits to them are overwritten.',
      {
        clusterRoleSelectors: array(
          'Label selectors for the ClusterRoles to aggregate; a role matching any of them contributes its rules.',
          labelSelector('Selects ClusterRoles by their labels.'),
          { listType: 'atomic' },
        ),
      },
    ),
  },
);
