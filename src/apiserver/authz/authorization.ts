/**
 * The server's authorizer chain, as kube-apiserver orders it: members of `system:masters`
 * are always allowed (no lookup at all: the admin fast path), then RBAC of the request's
 * logical cluster. Owns the RBAC index and its lifecycle.
 *
 * kcp's further checks (workspace `access`, maximal permission policies, `bind` on
 * APIExports) are separate decisions the request path makes with this same authorizer.
 */

import type { RoleRef } from '../../api/rbac/types.ts';
import type { Store } from '../../storage/store.ts';
import { MASTERS_GROUP } from '../authn/authenticator.ts';
import type { UserInfo } from '../rest/scope.ts';
import type { Attributes, Authorizer, Decision, RulesResolver, RulesReview } from './authorizer.ts';
import type { Rule } from './policy-rules.ts';
import { RbacAuthorizer } from './rbac.ts';
import { RbacIndex, type RbacIndexOptions } from './rbac-index.ts';

const ALLOWED: Decision = Object.freeze({ allowed: true });

export function isPrivileged(user: UserInfo): boolean {
  return user.groups.includes(MASTERS_GROUP);
}

export type AuthorizationOptions = RbacIndexOptions;

export class Authorization implements Authorizer, RulesResolver {
  readonly index: RbacIndex;
  readonly rbac: RbacAuthorizer;

  constructor(options: AuthorizationOptions = {}) {
    this.index = new RbacIndex(options);
    this.rbac = new RbacAuthorizer(this.index);
  }

  /** Loads the RBAC objects of every cluster; resolves once decisions reflect the store. */
  start(store: Store): Promise<void> {
    return this.index.start(store);
  }

  stop(): void {
    this.index.stop();
  }

  authorize(attrs: Attributes): Decision {
    if (isPrivileged(attrs.user)) return ALLOWED;
    return this.rbac.authorize(attrs);
  }

  rulesReview(user: UserInfo, cluster: string, namespace: string): RulesReview {
    return this.rbac.rulesReview(user, cluster, namespace);
  }

  /** The rules `user` holds in `namespace` ('' = cluster-wide), for escalation checks. */
  rulesFor(
    user: UserInfo,
    cluster: string,
    namespace: string,
  ): { rules: Rule[]; errors: string[] } {
    return this.rbac.rulesFor(user, cluster, namespace);
  }

  roleReferenceRules(
    cluster: string,
    ref: RoleRef,
    namespace: string,
  ): readonly Rule[] | undefined {
    return this.rbac.roleReferenceRules(cluster, ref, namespace);
  }
}
