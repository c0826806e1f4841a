/**
 * Impersonation (k8s.io/apiserver/pkg/endpoints/filters/impersonation.go): the
 * `Impersonate-User`, `Impersonate-Group`, `Impersonate-Uid` and `Impersonate-Extra-<key>`
 * headers (`kubectl --as`, `--as-group`, `--as-uid`) make the request act as another
 * user, each part allowed by the `impersonate` verb for the requester: on `users`,
 * `groups` or `serviceaccounts` (core group), on `uids` and `userextras/<key>`
 * (authentication.k8s.io). A refusal is the upstream 403, e.g.
 * `users "x" is forbidden: User "u" cannot impersonate resource "users" in API group "" at the cluster scope`.
 */
import type { IncomingMessage } from 'node:http';
import { internalError } from '../../apimachinery/status.ts';
import type { Attributes, Authorizer } from '../authz/authorizer.ts';
import { forbiddenError } from '../authz/authorizer.ts';
import { ANONYMOUS_USER, AUTHENTICATED, UNAUTHENTICATED } from '../authz/scopes.ts';
import type { UserInfo } from '../rest/scope.ts';
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
 * The user the request acts as: `requester` itself when no impersonation header is set,
 * otherwise the impersonated user once every part of it is allowed in `cluster`. Throws
 * the upstream 403 on the first part refused.
 */
export function impersonate(
  req: IncomingMessage,
  requester: UserInfo,
  cluster: string,
  authorizer: Authorizer,
): UserInfo {
  if (!wantsImpersonation(req)) return requester;
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
  return {
    username,
    ...(uid ? { uid } : {}),
    groups,
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
}
