/**
 * Who a user counts as inside one logical cluster, as kcp decides it
 * (pkg/registry/rbac/validation/kcp.go in kcp's Kubernetes fork):
 *
 * - a service account token is scoped to the cluster it was minted in (the
 *   `authentication.kcp.io/cluster-name` extra); elsewhere it is *foreign*;
 * - `authentication.kcp.io/scopes` (`cluster:<name>`, comma = or, several values = and)
 *   restricts any user to the listed clusters;
 * - a user out of scope is reduced to `system:anonymous` with only `system:authenticated`
 *   (or `system:unauthenticated`), so bindings to that group still apply but nothing bound
 *   to its name or its other groups does;
 * - a service account with a cluster also acts as the global name
 *   `system:kcp:serviceaccount:<cluster>:<namespace>:<name>`, which other clusters can bind
 *   (within the account's scopes, as kcp's global service-account rewrite keeps them);
 * - warrants (`authorization.kcp.io/warrant`, JSON user infos) add the permissions of
 *   further users, themselves scoped.
 */
import type { UserInfo } from '../rest/scope.ts';

export const CLUSTER_NAME_EXTRA = 'authentication.kcp.io/cluster-name';
export const SCOPES_EXTRA = 'authentication.kcp.io/scopes';
export const WARRANT_EXTRA = 'authorization.kcp.io/warrant';

export const ANONYMOUS_USER = 'system:anonymous';
export const AUTHENTICATED = 'system:authenticated';
export const UNAUTHENTICATED = 'system:unauthenticated';
export const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

const CLUSTER_SCOPE = 'cluster:';

const AUTHENTICATED_ANONYMOUS: UserInfo = { username: ANONYMOUS_USER, groups: [AUTHENTICATED] };
const UNAUTHENTICATED_ANONYMOUS: UserInfo = { username: ANONYMOUS_USER, groups: [UNAUTHENTICATED] };

export function isServiceAccount(user: UserInfo): boolean {
  return user.username.startsWith(SERVICE_ACCOUNT_PREFIX);
}

/** A service account authenticated against another cluster (unqualified ones are local). */
export function isForeign(user: UserInfo, cluster: string): boolean {
  const clusters = user.extra?.[CLUSTER_NAME_EXTRA];
  if (!clusters || clusters.length === 0) return false;
  if (clusters.length !== 1) return true;
  return clusters[0] !== cluster;
}

export function isInScope(user: UserInfo, cluster: string): boolean {
  if (isServiceAccount(user) && isForeign(user, cluster)) return false;
  return scopesAllow(user, cluster);
}

/** Whether the user's `authentication.kcp.io/scopes` (if any) include `cluster`. */
function scopesAllow(user: UserInfo, cluster: string): boolean {
  for (const value of user.extra?.[SCOPES_EXTRA] ?? []) {
    const found = value
      .split(',')
      .some((s) => s.startsWith(CLUSTER_SCOPE) && s.slice(CLUSTER_SCOPE.length) === cluster);
    if (!found) return false;
  }
  return true;
}

interface Warrant {
  user?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

function parseWarrant(text: string): UserInfo | undefined {
  try {
    const w = JSON.parse(text) as Warrant;
    if (typeof w !== 'object' || w === null) return undefined;
    return {
      username: typeof w.user === 'string' ? w.user : '',
      ...(typeof w.uid === 'string' ? { uid: w.uid } : {}),
      groups: Array.isArray(w.groups) ? w.groups.filter((g) => typeof g === 'string') : [],
      ...(w.extra && typeof w.extra === 'object' ? { extra: w.extra } : {}),
    };
  } catch {
    return undefined;
  }
}

/**
 * The users whose bindings apply to `user` in `cluster`. Most users have no extras at all
 * and come back as themselves without any work.
 */
export function effectiveUsers(cluster: string, user: UserInfo): readonly UserInfo[] {
  if (!user.extra) return [user];
  const out: UserInfo[] = [];
  let wantAuthenticated = false;
  let wantUnauthenticated = false;
  const visit = (u: UserInfo): void => {
    if (isInScope(u, cluster)) out.push(u);
    else {
      const authenticated = u.groups.includes(AUTHENTICATED);
      wantAuthenticated ||= authenticated;
      wantUnauthenticated ||= !authenticated;
    }
    const clusters = u.extra?.[CLUSTER_NAME_EXTRA];
    // The global name reaches other clusters, but never past the account's own scopes.
    if (isServiceAccount(u) && clusters?.length === 1 && scopesAllow(u, cluster)) {
      out.push({
        username: `system:kcp:serviceaccount:${clusters[0]}:${u.username.slice(SERVICE_ACCOUNT_PREFIX.length)}`,
        groups: u.groups.includes(AUTHENTICATED) ? [AUTHENTICATED] : [],
      });
    }
    for (const text of u.extra?.[WARRANT_EXTRA] ?? []) {
      const w = parseWarrant(text);
      if (!w) continue;
      // Warrants for service accounts must say which cluster the account is from.
      if (isServiceAccount(w) && !(w.extra?.[CLUSTER_NAME_EXTRA]?.length ?? 0)) continue;
      visit(w);
    }
  };
  visit(user);
  if (wantAuthenticated) out.push(AUTHENTICATED_ANONYMOUS);
  if (wantUnauthenticated) out.push(UNAUTHENTICATED_ANONYMOUS);
  return out;
}
