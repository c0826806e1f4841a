/**
 * RBAC escalation prevention (pkg/registry/rbac/*\/policybased), as a validating
 * admission plugin: nobody creates or updates a Role or ClusterRole granting more than
 * they hold in that scope unless allowed `escalate` on it, and nobody binds a role whose
 * permissions they do not hold unless allowed `bind` on it. Members of `system:masters`
 * (and the in-process system user, which is one) are exempt, as upstream.
 *
 * Upstream runs these checks in the RBAC storage before validation; here they run after
 * validation, so an invalid object reports its field errors first.
 */
import { isDeepStrictEqual } from 'node:util';
import { RBAC_GROUP, type RoleRef } from '../../api/rbac/types.ts';
import { goQuote, goQuoteList } from '../../apimachinery/labels.ts';
import type { KubeObject } from '../../apimachinery/meta.ts';
import { forbidden, notFound, type StatusError } from '../../apimachinery/status.ts';
import type { AdmissionPlugin, AdmissionRequest } from '../admission/admission.ts';
import type { UserInfo } from '../rest/scope.ts';
import { isPrivileged } from './authorization.ts';
import type { Authorizer } from './authorizer.ts';
import { compactRules, compactString, covers, type Rule, toRule, toRules } from './policy-rules.ts';

/** What the checks need from the authorizer: decisions, the user's rules, a role's rules. */
export interface EscalationResolver extends Authorizer {
  rulesFor(user: UserInfo, cluster: string, namespace: string): { rules: Rule[]; errors: string[] };
  roleReferenceRules(cluster: string, ref: RoleRef, namespace: string): readonly Rule[] | undefined;
}

const FULL_AUTHORITY: readonly Rule[] = [
  toRule({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }),
  toRule({ verbs: ['*'], nonResourceURLs: ['*'] }),
];

const ROLE_RESOURCES = new Set(['roles', 'clusterroles']);
const BINDING_RESOURCES = new Set(['rolebindings', 'clusterrolebindings']);

/** Metadata the garbage collector writes: changing only these needs no escalation check. */
const GC_FIELDS = [
  'ownerReferences',
  'finalizers',
  'managedFields',
  'resourceVersion',
  'selfLink',
  'generation',
];

function withoutGcFields(obj: KubeObject): KubeObject {
  const metadata: Record<string, unknown> = { ...obj.metadata };
  for (const f of GC_FIELDS) delete metadata[f];
  return { ...obj, metadata } as KubeObject;
}

/** IsOnlyMutatingGCFields: the update changes nothing but owner references and finalizers. */
export function isOnlyMutatingGcFields(obj: KubeObject, old: KubeObject | undefined): boolean {
  if (!old) return false;
  return isDeepStrictEqual(withoutGcFields(obj), withoutGcFields(old));
}

/**
 * ConfirmNoEscalation: the message when `wanted` rules are not all covered by what `user`
 * holds in `namespace` of `cluster`; undefined when they are.
 */
export function escalationMessage(
  resolver: EscalationResolver,
  user: UserInfo,
  cluster: string,
  namespace: string,
  wanted: readonly Rule[],
): string | undefined {
  const owner = resolver.rulesFor(user, cluster, namespace);
  const { covered, missing } = covers(owner.rules, wanted);
  if (covered) return undefined;
  const descriptions = [...new Set(compactRules(missing).map(compactString))].sort();
  let msg = `user ${goQuote(user.username)} (groups=${goQuoteList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${descriptions.join('\n')}`;
  if (owner.errors.length > 0) {
    const unique = [...new Set(owner.errors)];
    const agg = unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
    msg += `; resolution errors: [${agg}]`;
  }
  return msg;
}

function refused(request: AdmissionRequest, why: string): StatusError {
  return forbidden(
    { group: RBAC_GROUP, resource: request.scope.type.names.plural },
    request.name,
    why,
  );
}

function checkRole(resolver: EscalationResolver, request: AdmissionRequest, obj: KubeObject): void {
  const { scope } = request;
  const resource = scope.type.names.plural;
  const namespace = resource === 'roles' ? (request.namespace ?? '') : '';
  if (request.operation === 'UPDATE' && isOnlyMutatingGcFields(obj, request.oldObject)) return;
  // RoleEscalationAuthorized: upstream asks with the request's name, which a create lacks.
  const escalate = resolver.authorize({
    user: scope.user,
    verb: 'escalate',
    cluster: scope.cluster,
    namespace,
    apiGroup: RBAC_GROUP,
    resource,
    subresource: '',
    name: request.operation === 'CREATE' ? '' : request.name,
    path: '',
    isResourceRequest: true,
  });
  if (escalate.allowed) return;
  if (resource === 'clusterroles') {
    const aggregates = (o: KubeObject | undefined) =>
      o?.aggregationRule !== undefined && o.aggregationRule !== null;
    if (aggregates(obj) || (request.operation === 'UPDATE' && aggregates(request.oldObject))) {
      if (escalationMessage(resolver, scope.user, scope.cluster, '', FULL_AUTHORITY)) {
        throw refused(request, 'must have cluster-admin privileges to use the aggregationRule');
      }
    }
  }
  const msg = escalationMessage(resolver, scope.user, scope.cluster, namespace, toRules(obj.rules));
  if (msg) throw refused(request, msg);
}

function checkBinding(
  resolver: EscalationResolver,
  request: AdmissionRequest,
  obj: KubeObject,
): void {
  const { scope } = request;
  const namespace = scope.type.names.plural === 'rolebindings' ? (request.namespace ?? '') : '';
  if (request.operation === 'UPDATE' && isOnlyMutatingGcFields(obj, request.oldObject)) return;
  const ref = (obj.roleRef ?? {}) as RoleRef;
  // BindingAuthorized: `bind` on the referenced role, in the binding's namespace.
  if (ref.kind === 'ClusterRole' || ref.kind === 'Role') {
    const bind = resolver.authorize({
      user: scope.user,
      verb: 'bind',
      cluster: scope.cluster,
      namespace,
      apiGroup: ref.apiGroup,
      resource: ref.kind === 'ClusterRole' ? 'clusterroles' : 'roles',
      subresource: '',
      name: ref.name,
      path: '',
      isResourceRequest: true,
    });
    if (bind.allowed) return;
  }
  const rules = resolver.roleReferenceRules(scope.cluster, ref, namespace);
  if (!rules) {
    throw notFound(
      { group: RBAC_GROUP, resource: ref.kind === 'Role' ? 'roles' : 'clusterroles' },
      ref.name,
    );
  }
  const msg = escalationMessage(resolver, scope.user, scope.cluster, namespace, rules);
  if (msg) throw refused(request, msg);
}

/** The admission plugin; add it to the server's chain. */
export function rbacEscalation(resolver: EscalationResolver): AdmissionPlugin {
  return {
    name: 'RBACEscalation',
    validate(request) {
      const { scope, operation, object } = request;
      if (scope.type.group !== RBAC_GROUP || !object || request.subresource) return;
      if (operation !== 'CREATE' && operation !== 'UPDATE') return;
      if (isPrivileged(scope.user)) return;
      const resource = scope.type.names.plural;
      if (ROLE_RESOURCES.has(resource)) checkRole(resolver, request, object);
      else if (BINDING_RESOURCES.has(resource)) checkBinding(resolver, request, object);
    },
  };
}
