/** The structural schema of rbac.authorization.k8s.io/v1 ClusterRoleBinding. */
import { type BuiltinSchema, object } from '../../../apimachinery/schema/dsl.ts';
import { roleRef, subjects } from './rolebindings.schema.ts';

export const clusterRoleBindingSchema: BuiltinSchema = object(
  'Grants the permissions of a ClusterRole across the whole cluster to users, groups and service accounts.',
  {
    subjects: subjects('The users, groups and service accounts granted the role.'),
    roleRef: roleRef('The ClusterRole to grant. Cannot be changed; create a new binding instead.'),
  },
  { required: ['roleRef'] },
);
