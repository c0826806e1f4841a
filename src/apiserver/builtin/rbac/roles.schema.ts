/** The structural schema of rbac.authorization.k8s.io/v1 Role, and the PolicyRule it shares. */
import {
  array,
  atomicStrings,
  type BuiltinSchema,
  object,
} from '../../../apimachinery/schema/dsl.ts';

/** rbac/v1 PolicyRule: verbs on resources or on non-resource URLs. */
export function policyRule(description: string): BuiltinSchema {
  return object(
    description,
    {
      verbs: atomicStrings('The verbs allowed, e.g. `get`, `list`, `create`; `*` allows all.'),
      apiGroups: atomicStrings(
        'API groups of the resources; `""` is the core group and `*` any group.',
      ),
      resources: atomicStrings(
        'Resources the verbs apply to, by plural name, optionally with a subresource (`pods/log`); `*` means all.',
      ),
      resourceNames: atomicStrings(
        'Restricts the rule to objects with these names; empty means any name.',
      ),
      nonResourceURLs: atomicStrings(
        'URL paths outside the resource API (e.g. `/healthz`) the verbs apply to; a trailing `*` matches a prefix. Only meaningful in ClusterRoles bound cluster-wide, and never together with resources.',
      ),
    },
    { required: ['verbs'] },
  );
}

export function policyRules(description: string): BuiltinSchema {
  return array(description, policyRule('One set of permissions.'), { listType: 'atomic' });
}

export const roleSchema: BuiltinSchema = object(
  'A set of permissions within one namespace, granted to subjects by RoleBindings there.',
  { rules: policyRules('The permissions the role grants; anything not listed is denied.') },
);
