/**
 * The RBAC authorizer (plugin/pkg/auth/authorizer/rbac), per logical cluster: a request is
 * allowed when a ClusterRoleBinding, or a RoleBinding in the request's namespace, names
 * the user (by user name, group or service account) and its role has a rule allowing the
 * request. RBAC never denies; without an allowing rule it has no opinion, and the reason
 * lists roles that bindings referenced but that do not exist.
 *
 * Each cluster sees its own objects plus the bootstrap policy (bootstrap-policy.ts) as
 * virtual defaults: a stored object of the same name wins. The aggregated defaults
 * (`admin`, `edit`, `view`) also gather ClusterRoles of the cluster carrying their
 * aggregate-to labels, as upstream's aggregation controller would have written them.
 *
 * Users are first reduced to who they are in the cluster (scopes.ts): a service account
 * of another cluster only keeps `system:authenticated`.
 */

import { type RoleRef, SERVICE_ACCOUNT_KIND, type Subject } from '../../api/rbac/types.ts';
import { goQuote } from '../../apimachinery/labels.ts';
import type { UserInfo } from '../rest/scope.ts';
import type {
  Attributes,
  Authorizer,
  Decision,
  NonResourceRuleInfo,
  ResourceRuleInfo,
  RulesResolver,
  RulesReview,
} from './authorizer.ts';
import { type Rule, ruleAllows, ruleEquals } from './policy-rules.ts';
import {
  type ClusterPolicy,
  type CompiledBinding,
  type CompiledRole,
  type RbacIndex,
  subjectApplies,
  userKeys,
} from './rbac-index.ts';
import { effectiveUsers } from './scopes.ts';

/** What a binding visit yields: the binding's role rules, or why they could not be read. */
type Visitor = (
  binding: CompiledBinding,
  users: readonly UserInfo[],
  rules: readonly Rule[] | undefined,
  error: string | undefined,
) => boolean;

/** A ClusterRole as a cluster sees it: its own, or the bootstrap default. */
export interface EffectiveClusterRole {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly rules: readonly Rule[];
  readonly stored: boolean;
  readonly aggregation?: CompiledRole['aggregation'];
}

/** utilerrors.NewAggregate(...).Error(): one message alone, several as `[a, b]`, deduplicated. */
export function aggregateErrors(errors: readonly string[]): string {
  const unique = [...new Set(errors)];
  if (unique.length <= 1) return unique[0] ?? '';
  return `[${unique.join(', ')}]`;
}

function notFoundMessage(kind: 'role' | 'clusterrole', name: string): string {
  return `${kind}.rbac.authorization.k8s.io ${goQuote(name)} not found`;
}

function describeSubject(subject: Subject, bindingNamespace: string): string {
  if (subject.kind === SERVICE_ACCOUNT_KIND) {
    return `${subject.kind} ${goQuote(`${subject.name}/${subject.namespace || bindingNamespace}`)}`;
  }
  return `${subject.kind} ${goQuote(subject.name)}`;
}

/** `ClusterRoleBinding "x" of ClusterRole "y" to Group "z"`, as upstream's describers. */
export function describeBinding(binding: CompiledBinding, users: readonly UserInfo[]): string {
  const subject =
    binding.subjects.find((s) => users.some((u) => subjectApplies(u, s, binding.namespace))) ??
    binding.subjects[0];
  const name =
    binding.kind === 'RoleBinding' ? `${binding.name}/${binding.namespace}` : binding.name;
  const who = subject ? describeSubject(subject, binding.namespace) : '';
  return `${binding.kind} ${goQuote(name)} of ${binding.roleRef.kind} ${goQuote(binding.roleRef.name)} to ${who}`;
}

export class RbacAuthorizer implements Authorizer, RulesResolver {
  readonly index: RbacIndex;
  /** Effective rules of the aggregated bootstrap roles in a cluster with no ClusterRoles. */
  private readonly bootstrapAggregated = new Map<string, readonly Rule[]>();

  constructor(index: RbacIndex) {
    this.index = index;
    for (const [name, role] of index.bootstrap.clusterRoles) {
      if (role.aggregation) {
        this.bootstrapAggregated.set(name, this.aggregate(undefined, role, new Set()));
      }
    }
  }

  authorize(attrs: Attributes): Decision {
    this.index.drain();
    let allowedBy: { binding: CompiledBinding; users: readonly UserInfo[] } | undefined;
    const errors: string[] = [];
    this.visit(attrs.user, attrs.cluster, attrs.namespace ?? '', (binding, users, rules, err) => {
      if (err !== undefined) {
        errors.push(err);
        return true;
      }
      for (const rule of rules ?? []) {
        if (ruleAllows(attrs, rule)) {
          allowedBy = { binding, users };
          return false;
        }
      }
      return true;
    });
    if (allowedBy) {
      const { binding, users } = allowedBy;
      let reason: string | undefined;
      // Described on first read: only audit lines and access reviews read it, and building
      // it for every request was most of an allowed decision's cost.
      return {
        allowed: true,
        get reason() {
          reason ??= `RBAC: allowed by ${describeBinding(binding, users)}`;
          return reason;
        },
      };
    }
    return errors.length > 0
      ? { allowed: false, reason: `RBAC: ${aggregateErrors(errors)}` }
      : { allowed: false };
  }

  /** Every rule `user` holds in `namespace` ('' = cluster-wide only), and lookup failures. */
  rulesFor(
    user: UserInfo,
    cluster: string,
    namespace: string,
  ): { rules: Rule[]; errors: string[] } {
    this.index.drain();
    const rules: Rule[] = [];
    const errors: string[] = [];
    this.visit(user, cluster, namespace, (_binding, _users, found, err) => {
      if (err !== undefined) errors.push(err);
      else if (found) rules.push(...found);
      return true;
    });
    return { rules, errors };
  }

  rulesReview(user: UserInfo, cluster: string, namespace: string): RulesReview {
    const { rules, errors } = this.rulesFor(user, cluster, namespace);
    const resourceRules: ResourceRuleInfo[] = [];
    const nonResourceRules: NonResourceRuleInfo[] = [];
    for (const r of rules) {
      if (r.resources.length > 0) {
        resourceRules.push({
          verbs: [...r.verbs],
          apiGroups: [...r.apiGroups],
          resources: [...r.resources],
          resourceNames: [...r.resourceNames],
        });
      }
      if (r.nonResourceURLs.length > 0) {
        nonResourceRules.push({ verbs: [...r.verbs], nonResourceURLs: [...r.nonResourceURLs] });
      }
    }
    return {
      resourceRules,
      nonResourceRules,
      incomplete: false,
      ...(errors.length > 0 ? { evaluationError: aggregateErrors(errors) } : {}),
    };
  }

  /**
   * The rules a role reference grants (GetRoleReferenceRules): a ClusterRole, or a Role in
   * `namespace`. Undefined when the role does not exist (or the kind is not a role kind).
   */
  roleReferenceRules(
    cluster: string,
    ref: RoleRef,
    namespace: string,
  ): readonly Rule[] | undefined {
    this.index.drain();
    const policy = this.index.cluster(cluster);
    if (ref.kind === 'ClusterRole') return this.clusterRoleRules(policy, ref.name);
    if (ref.kind === 'Role') return policy?.roles.get(`${namespace}/${ref.name}`)?.rules;
    return undefined;
  }

  /** Every ClusterRole the cluster sees, by name: its own and the defaults it did not replace. */
  clusterRoles(cluster: string): Map<string, EffectiveClusterRole> {
    this.index.drain();
    const policy = this.index.cluster(cluster);
    const out = new Map<string, EffectiveClusterRole>();
    for (const [name, role] of this.index.bootstrap.clusterRoles) {
      out.set(name, {
        name,
        labels: role.labels,
        rules: this.clusterRoleRules(policy, name) ?? [],
        stored: false,
        ...(role.aggregation ? { aggregation: role.aggregation } : {}),
      });
    }
    for (const [name, role] of policy?.clusterRoles ?? []) {
      out.set(name, {
        name,
        labels: role.labels,
        rules: role.rules,
        stored: true,
        ...(role.aggregation ? { aggregation: role.aggregation } : {}),
      });
    }
    return out;
  }

  /**
   * The rules an aggregation rule gathers in a cluster (the aggregation controller's
   * computation): for each selector, matching ClusterRoles by name, their rules in order,
   * duplicates dropped, the role itself skipped.
   */
  aggregatedRules(cluster: string, role: CompiledRole): Rule[] {
    return this.aggregate(this.index.cluster(cluster), role, new Set());
  }

  // ---- evaluation ------------------------------------------------------------------------

  private clusterRoleRules(
    policy: ClusterPolicy | undefined,
    name: string,
    visiting?: Set<string>,
  ): readonly Rule[] | undefined {
    const local = policy?.clusterRoles.get(name);
    if (local) return local.rules;
    const boot = this.index.bootstrap.clusterRoles.get(name);
    if (!boot) return undefined;
    if (!boot.aggregation) return boot.rules;
    if (!policy || policy.clusterRoles.size === 0) {
      const shared = this.bootstrapAggregated.get(name);
      if (shared) return shared;
    }
    if (visiting || !policy) return this.aggregate(policy, boot, visiting ?? new Set());
    policy.aggregated ??= new Map();
    let rules = policy.aggregated.get(name);
    if (!rules) {
      rules = this.aggregate(policy, boot, new Set());
      policy.aggregated.set(name, rules);
    }
    return rules;
  }

  private aggregate(
    policy: ClusterPolicy | undefined,
    role: CompiledRole,
    visiting: Set<string>,
  ): Rule[] {
    const out: Rule[] = [];
    if (!role.aggregation) return out;
    visiting.add(role.name);
    const names = new Set<string>(this.index.bootstrap.clusterRoles.keys());
    for (const name of policy?.clusterRoles.keys() ?? []) names.add(name);
    const sorted = [...names].sort();
    for (const matcher of role.aggregation.matchers) {
      for (const name of sorted) {
        if (name === role.name) continue;
        const candidate =
          policy?.clusterRoles.get(name) ?? this.index.bootstrap.clusterRoles.get(name);
        if (!candidate || !matcher.matches(candidate.labels)) continue;
        let rules: readonly Rule[];
        if (policy?.clusterRoles.has(name) || !candidate.aggregation) rules = candidate.rules;
        else if (visiting.has(name)) continue;
        else rules = this.clusterRoleRules(policy, name, visiting) ?? [];
        for (const r of rules) if (!out.some((o) => ruleEquals(o, r))) out.push(r);
      }
    }
    visiting.delete(role.name);
    return out;
  }

  private roleRules(
    policy: ClusterPolicy | undefined,
    ref: RoleRef,
    namespace: string,
  ): { rules?: readonly Rule[]; error?: string } {
    if (ref.kind === 'ClusterRole') {
      const rules = this.clusterRoleRules(policy, ref.name);
      return rules ? { rules } : { error: notFoundMessage('clusterrole', ref.name) };
    }
    if (ref.kind === 'Role') {
      const role = policy?.roles.get(`${namespace}/${ref.name}`);
      return role ? { rules: role.rules } : { error: notFoundMessage('role', ref.name) };
    }
    return { error: `unsupported role reference kind: ${goQuote(ref.kind)}` };
  }

  /**
   * Calls `visitor` with each binding that names the user (ClusterRoleBindings, then
   * RoleBindings of `namespace`) until it returns false (upstream VisitRulesFor).
   */
  private visit(user: UserInfo, cluster: string, namespace: string, visitor: Visitor): void {
    const policy = this.index.cluster(cluster);
    const boot = this.index.bootstrap;
    const users = effectiveUsers(cluster, user);
    // Most users are only themselves; one out of its scope is only someone else.
    const keys = users.length === 1 && users[0] === user ? userKeys(user) : users.flatMap(userKeys);
    const seen = new Set<CompiledBinding>();
    const each = (binding: CompiledBinding): boolean => {
      if (seen.has(binding)) return true;
      seen.add(binding);
      const { rules, error } = this.roleRules(policy, binding.roleRef, binding.namespace);
      return visitor(binding, users, rules, error);
    };
    for (const key of keys) {
      for (const b of policy?.clusterRoleBindingsFor(key) ?? []) if (!each(b)) return;
      for (const b of boot.clusterRoleBindingsFor(key) ?? []) {
        // A stored binding of the same name replaces the default.
        if (policy?.clusterRoleBindings.has(b.name)) continue;
        if (!each(b)) return;
      }
    }
    if (!namespace || !policy) return;
    for (const key of keys) {
      for (const b of policy.roleBindingsFor(namespace, key) ?? []) if (!each(b)) return;
    }
  }
}
