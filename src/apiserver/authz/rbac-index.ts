/**
 * The in-memory RBAC index: every Role, ClusterRole, RoleBinding and ClusterRoleBinding of
 * every logical cluster, compiled for evaluation and indexed by subject, built from the
 * store (one follower per RBAC prefix across all clusters).
 *
 * Memory is per cluster that has RBAC objects: a cluster without any has no entry at all
 * and is served by the shared bootstrap policy alone. Objects are kept compiled (rules
 * normalised, labels, selectors), never as their stored JSON.
 *
 * Bindings are indexed by subject (`u:<user>`, `g:<group>`, `s:<namespace>:<name>`), so a
 * decision looks only at the bindings naming the requester, however many bindings the
 * cluster has.
 */

import {
  GROUP_KIND,
  RBAC_GROUP,
  type RoleRef,
  SERVICE_ACCOUNT_KIND,
  type Subject,
  USER_KIND,
} from '../../api/rbac/types.ts';
import { type LabelSelectorMatcher, labelSelectorFromObject } from '../../apimachinery/labels.ts';
import {
  isJsonObject,
  type KubeObject,
  type LabelSelector,
  objectOrEmpty,
} from '../../apimachinery/meta.ts';
import { StoreFollower } from '../../controller/store-follower.ts';
import { parseObjectKey, resourcePrefix } from '../../storage/keys.ts';
import type { Store } from '../../storage/store.ts';
import type { UserInfo } from '../rest/scope.ts';
import { BOOTSTRAP_CLUSTER_ROLE_BINDINGS, BOOTSTRAP_CLUSTER_ROLES } from './bootstrap-policy.ts';
import { type Rule, toRules } from './policy-rules.ts';
import { SERVICE_ACCOUNT_PREFIX } from './scopes.ts';

export type RbacResource = 'roles' | 'clusterroles' | 'rolebindings' | 'clusterrolebindings';
export const RBAC_RESOURCES: readonly RbacResource[] = [
  'roles',
  'clusterroles',
  'rolebindings',
  'clusterrolebindings',
];

export interface CompiledRole {
  readonly name: string;
  /** '' for ClusterRoles. */
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly rules: readonly Rule[];
  /** The aggregation rule's selectors (ClusterRoles), raw and compiled. */
  readonly aggregation?: {
    readonly selectors: readonly LabelSelector[];
    readonly matchers: readonly LabelSelectorMatcher[];
  };
}

export type BindingKind = 'ClusterRoleBinding' | 'RoleBinding';

export interface CompiledBinding {
  readonly kind: BindingKind;
  readonly name: string;
  /** '' for ClusterRoleBindings. */
  readonly namespace: string;
  readonly roleRef: RoleRef;
  readonly subjects: readonly Subject[];
}

/** The index key of a binding subject; undefined for subjects that can match nobody. */
export function subjectKey(subject: Subject, bindingNamespace: string): string | undefined {
  switch (subject.kind) {
    case USER_KIND:
      return `u:${subject.name}`;
    case GROUP_KIND:
      return `g:${subject.name}`;
    case SERVICE_ACCOUNT_KIND: {
      // A RoleBinding's service account defaults to the binding's namespace.
      const ns = subject.namespace || bindingNamespace;
      return ns ? `s:${ns}:${subject.name}` : undefined;
    }
    default:
      return undefined;
  }
}

/** The keys a user's bindings are indexed under (upstream appliesToUser, inverted). */
export function userKeys(user: UserInfo): string[] {
  const keys = [`u:${user.username}`];
  if (user.username.startsWith(SERVICE_ACCOUNT_PREFIX)) {
    keys.push(`s:${user.username.slice(SERVICE_ACCOUNT_PREFIX.length)}`);
  }
  for (const g of user.groups) keys.push(`g:${g}`);
  return keys;
}

/** Upstream appliesToUser: does `subject` (of a binding in `namespace`) name `user`? */
export function subjectApplies(user: UserInfo, subject: Subject, namespace: string): boolean {
  switch (subject.kind) {
    case USER_KIND:
      return user.username === subject.name;
    case GROUP_KIND:
      return user.groups.includes(subject.name);
    case SERVICE_ACCOUNT_KIND: {
      const ns = subject.namespace || namespace;
      return ns !== '' && user.username === `${SERVICE_ACCOUNT_PREFIX}${ns}:${subject.name}`;
    }
    default:
      return false;
  }
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function compileRole(obj: KubeObject, namespace: string): CompiledRole {
  const name = obj.metadata.name ?? '';
  const labels = obj.metadata.labels ?? {};
  const rules = toRules(obj.rules);
  const agg = isJsonObject(obj.aggregationRule) ? obj.aggregationRule : undefined;
  if (!agg || !Array.isArray(agg.clusterRoleSelectors)) return { name, namespace, labels, rules };
  const selectors: LabelSelector[] = [];
  const matchers: LabelSelectorMatcher[] = [];
  for (const s of agg.clusterRoleSelectors) {
    if (!isJsonObject(s)) continue;
    // Read as a selector; labelSelectorFromObject refuses one that is not.
    const selector = s as LabelSelector;
    try {
      matchers.push(labelSelectorFromObject(selector));
      selectors.push(selector);
    } catch {
      // Validation refuses bad selectors; one that slipped in selects nothing.
    }
  }
  return { name, namespace, labels, rules, aggregation: { selectors, matchers } };
}

function compileBinding(obj: KubeObject, kind: BindingKind, namespace: string): CompiledBinding {
  const ref = objectOrEmpty(obj.roleRef);
  const subjects: Subject[] = [];
  for (const s of Array.isArray(obj.subjects) ? obj.subjects : []) {
    if (!isJsonObject(s)) continue;
    subjects.push({
      kind: str(s.kind),
      name: str(s.name),
      ...(typeof s.apiGroup === 'string' ? { apiGroup: s.apiGroup } : {}),
      ...(typeof s.namespace === 'string' && s.namespace ? { namespace: s.namespace } : {}),
    });
  }
  return {
    kind,
    name: obj.metadata.name ?? '',
    namespace,
    roleRef: { apiGroup: str(ref.apiGroup), kind: str(ref.kind), name: str(ref.name) },
    subjects,
  };
}

function addIndexed(map: Map<string, Set<CompiledBinding>>, key: string, b: CompiledBinding): void {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(b);
}

function removeIndexed(
  map: Map<string, Set<CompiledBinding>>,
  key: string,
  b: CompiledBinding,
): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(b);
  if (set.size === 0) map.delete(key);
}

/** The RBAC objects of one logical cluster. */
export class ClusterPolicy {
  readonly name: string;
  /** Roles by `<namespace>/<name>`. */
  readonly roles = new Map<string, CompiledRole>();
  readonly clusterRoles = new Map<string, CompiledRole>();
  readonly clusterRoleBindings = new Map<string, CompiledBinding>();
  /** RoleBindings by `<namespace>/<name>`. */
  readonly roleBindings = new Map<string, CompiledBinding>();
  private readonly crbBySubject = new Map<string, Set<CompiledBinding>>();
  /** RoleBindings by `<namespace> <subject key>`. */
  private readonly rbBySubject = new Map<string, Set<CompiledBinding>>();
  /**
   * Effective rules of the virtual aggregated bootstrap roles (`admin`, `edit`, `view`) in
   * this cluster, computed on first use; dropped whenever a ClusterRole here changes.
   */
  aggregated: Map<string, readonly Rule[]> | undefined;

  constructor(name: string) {
    this.name = name;
  }

  get size(): number {
    return (
      this.roles.size +
      this.clusterRoles.size +
      this.clusterRoleBindings.size +
      this.roleBindings.size
    );
  }

  clusterRoleBindingsFor(key: string): ReadonlySet<CompiledBinding> | undefined {
    return this.crbBySubject.get(key);
  }

  roleBindingsFor(namespace: string, key: string): ReadonlySet<CompiledBinding> | undefined {
    return this.rbBySubject.get(`${namespace} ${key}`);
  }

  setRole(role: CompiledRole | undefined, namespace: string, name: string): void {
    if (role) this.roles.set(`${namespace}/${name}`, role);
    else this.roles.delete(`${namespace}/${name}`);
  }

  setClusterRole(role: CompiledRole | undefined, name: string): void {
    if (role) this.clusterRoles.set(name, role);
    else this.clusterRoles.delete(name);
    this.aggregated = undefined;
  }

  setClusterRoleBinding(binding: CompiledBinding | undefined, name: string): void {
    const old = this.clusterRoleBindings.get(name);
    if (old) {
      for (const s of old.subjects) {
        const key = subjectKey(s, '');
        if (key) removeIndexed(this.crbBySubject, key, old);
      }
      this.clusterRoleBindings.delete(name);
    }
    if (!binding) return;
    this.clusterRoleBindings.set(name, binding);
    for (const s of binding.subjects) {
      const key = subjectKey(s, '');
      if (key) addIndexed(this.crbBySubject, key, binding);
    }
  }

  setRoleBinding(binding: CompiledBinding | undefined, namespace: string, name: string): void {
    const id = `${namespace}/${name}`;
    const old = this.roleBindings.get(id);
    if (old) {
      for (const s of old.subjects) {
        const key = subjectKey(s, namespace);
        if (key) removeIndexed(this.rbBySubject, `${namespace} ${key}`, old);
      }
      this.roleBindings.delete(id);
    }
    if (!binding) return;
    this.roleBindings.set(id, binding);
    for (const s of binding.subjects) {
      const key = subjectKey(s, namespace);
      if (key) addIndexed(this.rbBySubject, `${namespace} ${key}`, binding);
    }
  }
}

export type RbacChangeListener = (cluster: string, resource: RbacResource) => void;

/** The bootstrap policy compiled once and shared by every cluster. */
export function compileBootstrapPolicy(
  clusterRoles: readonly KubeObject[] = BOOTSTRAP_CLUSTER_ROLES,
  bindings: readonly KubeObject[] = BOOTSTRAP_CLUSTER_ROLE_BINDINGS,
): ClusterPolicy {
  const policy = new ClusterPolicy('');
  for (const r of clusterRoles) policy.setClusterRole(compileRole(r, ''), r.metadata.name ?? '');
  for (const b of bindings) {
    policy.setClusterRoleBinding(
      compileBinding(b, 'ClusterRoleBinding', ''),
      b.metadata.name ?? '',
    );
  }
  return policy;
}

export interface RbacIndexOptions {
  /** The default policy every cluster has; upstream's bootstrap policy unless given. */
  readonly bootstrap?: ClusterPolicy;
  readonly onError?: (err: unknown) => void;
}

export class RbacIndex {
  readonly bootstrap: ClusterPolicy;
  private readonly clusters = new Map<string, ClusterPolicy>();
  private readonly listeners: RbacChangeListener[] = [];
  private readonly followers: StoreFollower[] = [];
  private readonly onError: (err: unknown) => void;

  constructor(options: RbacIndexOptions = {}) {
    this.bootstrap = options.bootstrap ?? compileBootstrapPolicy();
    this.onError = options.onError ?? (() => {});
  }

  /** The policy of a cluster, undefined when it has no RBAC objects of its own. */
  cluster(name: string): ClusterPolicy | undefined {
    return this.clusters.get(name);
  }

  clusterNames(): IterableIterator<string> {
    return this.clusters.keys();
  }

  onChange(listener: RbacChangeListener): void {
    this.listeners.push(listener);
  }

  /** Applies one stored object (or its deletion) from its storage key. */
  apply(key: string, value: string | undefined): void {
    const parts = parseObjectKey(key);
    if (parts.group !== RBAC_GROUP || parts.identity) return;
    const resource = parts.resource as RbacResource;
    if (!RBAC_RESOURCES.includes(resource)) return;
    let obj: KubeObject | undefined;
    if (value !== undefined) {
      try {
        obj = JSON.parse(value) as KubeObject;
      } catch (err) {
        this.onError(err);
        obj = undefined;
      }
    }
    this.set(parts.cluster, resource, parts.namespace ?? '', parts.name, obj);
  }

  /** Sets (or with `obj` undefined removes) one object; what `apply` and tests call. */
  set(
    cluster: string,
    resource: RbacResource,
    namespace: string,
    name: string,
    obj: KubeObject | undefined,
  ): void {
    let policy = this.clusters.get(cluster);
    if (!policy) {
      if (!obj) return;
      policy = new ClusterPolicy(cluster);
      this.clusters.set(cluster, policy);
    }
    switch (resource) {
      case 'roles':
        policy.setRole(obj && compileRole(obj, namespace), namespace, name);
        break;
      case 'clusterroles':
        policy.setClusterRole(obj && compileRole(obj, ''), name);
        break;
      case 'rolebindings':
        policy.setRoleBinding(
          obj && compileBinding(obj, 'RoleBinding', namespace),
          namespace,
          name,
        );
        break;
      case 'clusterrolebindings':
        policy.setClusterRoleBinding(obj && compileBinding(obj, 'ClusterRoleBinding', ''), name);
        break;
    }
    if (policy.size === 0) this.clusters.delete(cluster);
    for (const l of this.listeners) l(cluster, resource);
  }

  /** Loads every RBAC object of every cluster and follows changes. */
  async start(store: Store): Promise<void> {
    for (const resource of RBAC_RESOURCES) {
      const follower = new StoreFollower(
        store,
        resourcePrefix({ group: RBAC_GROUP, resource }),
        (key, value) => this.apply(key, value),
        { onError: this.onError },
      );
      this.followers.push(follower);
      await follower.start();
    }
  }

  /** Applies every committed change not yet seen; cheap when there is none. */
  drain(): void {
    for (const f of this.followers) f.drain();
  }

  stop(): void {
    for (const f of this.followers) f.stop();
    this.followers.length = 0;
  }
}
