/**
 * The structural schema of rbac.authorization.k8s.io/v1 RoleBinding, and the Subject and
 * RoleRef types bindings share.
 */
import { array, type BuiltinSchema, object, string } from '../../../apimachinery/schema/dsl.ts';

/** rbac/v1 Subject: a user, group or service account (atomic). */
export function subject(description: string): BuiltinSchema {
  return object(
    description,
    {
      kind: string('`User`, `Group` or `ServiceAccount`.'),
      apiGroup: string(
        'API group of the subject: `rbac.authorization.k8s.io` for users and groups, `""` for service accounts (the defaults).',
      ),
      name: string('Name of the user, group or service account.'),
      namespace: string('Namespace of a service account; must be empty for users and groups.'),
    },
    { required: ['kind', 'name'], mapType: 'atomic' },
  );
}

export function subjects(description: string): BuiltinSchema {
  return array(description, subject('Who is granted the role.'), { listType: 'atomic' });
}

/** rbac/v1 RoleRef: the role a binding grants (atomic). */
export function roleRef(description: string): BuiltinSchema {
  return object(
    description,
    {
      apiGroup: string('API group of the role: `rbac.authorization.k8s.io`.'),
      kind: string('`Role` or `ClusterRole`.'),
      name: string('Name of the role.'),
    },
    { required: ['apiGroup', 'kind', 'name'], mapType: 'atomic' },
  );
}

export const roleBindingSchema: BuiltinSchema = object(
  'Grants the permissions of a Role in this namespace, or of a ClusterRole limited to this namespace, to users, groups and service accounts.',
  {
    subjects: subjects('The users, groups and service accounts granted the role.'),
    roleRef: roleRef(
      'The Role in this namespace or the ClusterRole to grant. Cannot be changed; create a new binding instead.',
    ),
  },
  { required: ['roleRef'] },
);
