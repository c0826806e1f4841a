/**
 * Impersonation (k8s.io/apiserver/pkg/endpoints/filters/impersonation.go): the
 * `Impersonate-User`, `Impersonate-Group`, `Impersonate-Uid` and `Impersonate-Extra-<key>`
 * headers (`kubectl --as`, `--as-group`, `--as-uid`) make the request act as another
 * user, each part allowed by the `impersonate` verb for the requester: on `users`,
 * `groups` or `serviceaccounts` (core group), on `uids` and `userextras/<key>`
 * (authentication.k8s.io). A refusal is the upstream 403, e.g.
 * `users "x" is forbidden: User "u" cannot impersonate resource "users" in API group "" at the cluster scope`.
 *
 * On top of that, as kcp (pkg/server/filters/impersonation.go), because `impersonate` is
 * something every workspace admin holds in its own workspace:
 * - the gatekeeper: groups with a special meaning (`system:masters`, kcp's admin groups)
 *   can only be impersonated by their members, and extras under `kcp.io` keys (warrants,
 *   scopes, a service account's cluster) by nobody but `system:masters`; both are a 403
 *   whatever RBAC says;
 * - scoping: the impersonated user is valid only in the logical cluster where the
 *   impersonation was allowed (`authentication.kcp.io/scopes: cluster:<name>`), so checks
 *   made in other clusters (binding an export, using a workspace type) see it as
 *   `system:anonymous`. Impersonation by `system:masters` is neither gated nor scoped.
 *   An impersonated service account belongs to that cluster, as its token would.
 */
import type { IncomingMessage } from 'node:http';
import { forbiddenMessage, internalError } from '../../apimachinery/status.ts';
import { isPrivileged } from '../authz/authorization.ts';
import type { Attributes, Authorizer } from '../authz/authorizer.ts';
import { forbiddenError } from '../authz/authorizer.ts';
import {
  ANONYMOUS_USER,
  AUTHENTICATED,
  CLUSTER_NAME_EXTRA,
  SCOPES_EXTRA,
  UNAUTHENTICATED,
} from '../authz/scopes.ts';
import { type UserInfo, WILDCARD_CLUSTER } from '../rest/scope.ts';
import { MASTERS_GROUP } from './authenticator.ts';
import {
  serviceAccountGroups,
  serviceAccountUsername,
  splitServiceAccountUsername,
} from './service-accounts.ts';

export const IMPERSONATE_USER_HEADER = 'impersonate-user';
export const IMPERSONATE_GROUP_HEADER = 'impersonate-group';
export const IMPERSONATE_UID_HEADER = 'impersonate-uid';
export const IMPERSONATE_EXTRA_PREFIX = 'impersonate-extra-';

const AUTHENTICATION_GROUP = 'authentication.k8s.io';

/**
 * Groups that only their members may impersonate (kcp's `specialGroups`): allowing
 * `impersonate` on groups does not reach them.
 */
export const PRIVILEGED_GROUPS: ReadonlySet<string> = new Set([
  MASTERS_GROUP,
  'system:kcp:admin',
  'system:kcp:logical-cluster-admin',
  'system:kcp:external-logical-cluster-admin',
  'system:kcp:workspace-bootstrapper',
  AUTHENTICATED,
]);

/** Extra keys that grant authority (warrants, scopes, a token's cluster) contain this. */
const RESERVED_EXTRA = 'kcp.io';

type ImpersonationRequest =
  | { kind: 'ServiceAccount'; namespace: string; name: string }
  | { kind: 'User'; name: string }
  | { kind: 'Group'; name: string }
  | { kind: 'UserExtra'; key: string; value: string }
  | { kind: 'UID'; name: string };

/** Every value of a header, repeated headers kept apart (Node would join them with ", "). */
function headerValues(req: IncomingMessage, name: string): string[] {
  const distinct = req.headersDistinct?.[name];
  if (distinct) return distinct;
  const value = req.headers[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Percent-decodes an extra key from its header name; a bad escape keeps the raw key. */
function unescapeExtraKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}

function describe(requests: readonly ImpersonationRequest[]): string {
  return `[${requests
    .map((r) => {
      switch (r.kind) {
        case 'UserExtra':
          return `{UserExtra ${r.key}=${r.value}}`;
        case 'ServiceAccount':
          return `{ServiceAccount ${r.namespace}/${r.name}}`;
        default:
          return `{${r.kind} ${r.name}}`;
      }
    })
    .join(' ')}]`;
}

/** The impersonation the headers ask for, in upstream's order; throws 500 when malformed. */
function buildRequests(req: IncomingMessage): ImpersonationRequest[] {
  const out: ImpersonationRequest[] = [];
  const userHeader = headerValues(req, IMPERSONATE_USER_HEADER)[0] ?? '';
  if (userHeader) {
    const sa = splitServiceAccountUsername(userHeader);
    out.push(sa ? { kind: 'ServiceAccount', ...sa } : { kind: 'User', name: userHeader });
  }
  const groups = headerValues(req, IMPERSONATE_GROUP_HEADER);
  for (const g of groups) out.push({ kind: 'Group', name: g });
  let hasExtra = false;
  for (const header of Object.keys(req.headers)) {
    if (!header.startsWith(IMPERSONATE_EXTRA_PREFIX)) continue;
    hasExtra = true;
    const key = unescapeExtraKey(header.slice(IMPERSONATE_EXTRA_PREFIX.length));
    for (const v of headerValues(req, header)) {
      out.push({ kind: 'UserExtra', key, value: v });
    }
  }
  const uid = headerValues(req, IMPERSONATE_UID_HEADER)[0] ?? '';
  if (uid) out.push({ kind: 'UID', name: uid });
  if ((groups.length > 0 || hasExtra || uid) && !userHeader) {
    throw internalError(new Error(`requested ${describe(out)} without impersonating a user`));
  }
  return out;
}

/** Whether the request asks to impersonate anyone. */
export function wantsImpersonation(req: IncomingMessage): boolean {
  for (const header of Object.keys(req.headers)) {
    if (header.startsWith('impersonate-')) return true;
  }
  return false;
}

/**
 * kcp's impersonation gatekeeper: a privileged group only by its members, a reserved
 * extra key by nobody; `system:masters` may impersonate anything.
 */
function gatekeep(req: IncomingMessage, requester: UserInfo): void {
  if (isPrivileged(requester)) return;
  for (const header of Object.keys(req.headers)) {
    if (!header.startsWith(IMPERSONATE_EXTRA_PREFIX)) continue;
    const key = unescapeExtraKey(header.slice(IMPERSONATE_EXTRA_PREFIX.length));
    if (key.toLowerCase().includes(RESERVED_EXTRA)) {
      throw forbiddenMessage(
        `forbidden: impersonating the extra key "${key}" is not allowed for the requestor`,
      );
    }
  }
  for (const group of headerValues(req, IMPERSONATE_GROUP_HEADER)) {
    if (PRIVILEGED_GROUPS.has(group) && !requester.groups.includes(group)) {
      throw forbiddenMessage('forbidden: impersonation is not allowed for the requestor');
    }
  }
}

/**
 * The user the request acts as: `requester` itself when no impersonation header is set,
 * otherwise the impersonated user once every part of it is allowed in `cluster`, scoped
 * to `cluster` unless the requester is `system:masters`. Throws the gatekeeper's 403, or
 * the upstream 403 on the first part refused.
 */
export function impersonate(
  req: IncomingMessage,
  requester: UserInfo,
  cluster: string,
  authorizer: Authorizer,
): UserInfo {
  if (!wantsImpersonation(req)) return requester;
  gatekeep(req, requester);
  const requests = buildRequests(req);
  if (requests.length === 0) return requester;
  // Groups given say everything, system:authenticated included; otherwise they are derived.
  const groupsSpecified = headerValues(req, IMPERSONATE_GROUP_HEADER).length > 0;
  let username = '';
  let uid = '';
  const groups: string[] = [];
  const extra: Record<string, string[]> = {};
  for (const r of requests) {
    const attrs: Attributes = {
      user: requester,
      verb: 'impersonate',
      cluster,
      namespace: r.kind === 'ServiceAccount' ? r.namespace : '',
      apiGroup: r.kind === 'UserExtra' || r.kind === 'UID' ? AUTHENTICATION_GROUP : '',
      apiVersion: r.kind === 'UserExtra' || r.kind === 'UID' ? 'v1' : '',
      resource: '',
      subresource: '',
      name: r.kind === 'UserExtra' ? r.value : r.name,
      path: '',
      isResourceRequest: true,
    };
    let checked: Attributes;
    switch (r.kind) {
      case 'ServiceAccount':
        checked = { ...attrs, resource: 'serviceaccounts' };
        username = serviceAccountUsername(r.namespace, r.name);
        if (!groupsSpecified) groups.push(...serviceAccountGroups(r.namespace));
        break;
      case 'User':
        checked = { ...attrs, resource: 'users' };
        username = r.name;
        break;
      case 'Group':
        checked = { ...attrs, resource: 'groups' };
        groups.push(r.name);
        break;
      case 'UserExtra':
        checked = { ...attrs, resource: 'userextras', subresource: r.key };
        extra[r.key] = [...(extra[r.key] ?? []), r.value];
        break;
      case 'UID':
        checked = { ...attrs, resource: 'uids' };
        uid = r.name;
        break;
    }
    const decision = authorizer.authorize(checked);
    if (!decision.allowed) throw forbiddenError(checked, decision.reason);
  }
  if (username !== ANONYMOUS_USER) {
    if (!groups.includes(AUTHENTICATED) && !groups.includes(UNAUTHENTICATED)) {
      groups.push(AUTHENTICATED);
    }
  } else if (!groups.includes(UNAUTHENTICATED)) {
    groups.push(UNAUTHENTICATED);
  }
  // An impersonated service account is one of the cluster it was impersonated in, as its
  // own token would say (unless system:masters named another).
  if (requests.some((r) => r.kind === 'ServiceAccount') && !extra[CLUSTER_NAME_EXTRA]) {
    if (cluster !== WILDCARD_CLUSTER) extra[CLUSTER_NAME_EXTRA] = [cluster];
  }
  if (!isPrivileged(requester)) extra[SCOPES_EXTRA] = [`cluster:${cluster}`];
  return {
    username,
    ...(uid ? { uid } : {}),
    groups,
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
}
