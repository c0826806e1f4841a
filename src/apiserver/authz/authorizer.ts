/**
 * Authorization vocabulary: the attributes of a request an authorizer decides on (who,
 * which verb, which logical cluster, which resource or non-resource path), the decision,
 * and the upstream 403 a denied request answers with
 * (`configmaps "x" is forbidden: User "u" cannot get resource "configmaps" in API group ""
 * in the namespace "default"`).
 *
 * Decisions are synchronous: RBAC is evaluated from in-memory indexes, so a request pays
 * no await for authorization.
 */
import { goQuote } from '../../apimachinery/labels.ts';
import { forbidden, forbiddenMessage, type StatusError } from '../../apimachinery/status.ts';
import type { RequestInfo } from '../http/request-info.ts';
import type { UserInfo } from '../rest/scope.ts';

export interface Attributes {
  readonly user: UserInfo;
  readonly verb: string;
  /** The logical cluster the request is in; RBAC of that cluster decides. */
  readonly cluster: string;
  /** '' (or absent) for cluster-scoped resources and non-resource requests. */
  readonly namespace?: string;
  readonly apiGroup: string;
  /** Used only to build the 403 (upstream sends the error in the request's group version). */
  readonly apiVersion?: string;
  readonly resource: string;
  readonly subresource: string;
  readonly name: string;
  /** The path of a non-resource request, relative to the cluster (`/version`, `/apis`). */
  readonly path: string;
  readonly isResourceRequest: boolean;
}

export interface Decision {
  readonly allowed: boolean;
  /** An explicit deny (RBAC never denies; it has no opinion when it does not allow). */
  readonly denied?: boolean;
  /** Why: `RBAC: allowed by ClusterRoleBinding …`, or the role lookups that failed. */
  readonly reason?: string;
  readonly evaluationError?: string;
}

export interface Authorizer {
  authorize(attrs: Attributes): Decision;
}

/** The rules of one user in one namespace, for SelfSubjectRulesReview and escalation checks. */
export interface ResourceRuleInfo {
  readonly verbs: string[];
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly resourceNames: string[];
}

export interface NonResourceRuleInfo {
  readonly verbs: string[];
  readonly nonResourceURLs: string[];
}

export interface RulesReview {
  readonly resourceRules: ResourceRuleInfo[];
  readonly nonResourceRules: NonResourceRuleInfo[];
  readonly incomplete: boolean;
  readonly evaluationError?: string;
}

export interface RulesResolver {
  /** The rules `user` holds in `namespace` of `cluster` (cluster-wide ones included). */
  rulesReview(user: UserInfo, cluster: string, namespace: string): RulesReview;
}

/** Attributes of an HTTP request once its RequestInfo is known. */
export function attributesFor(user: UserInfo, cluster: string, info: RequestInfo): Attributes {
  return {
    user,
    verb: info.verb,
    cluster,
    namespace: info.namespace,
    apiGroup: info.apiGroup,
    apiVersion: info.apiVersion,
    resource: info.resource,
    subresource: info.subresource,
    name: info.name || (info.selectedName ?? ''),
    path: info.path,
    isResourceRequest: info.isResourceRequest,
  };
}

/** Attributes of a non-resource check such as kcp's `access` on `/`. */
export function nonResourceAttributes(
  user: UserInfo,
  cluster: string,
  verb: string,
  path: string,
): Attributes {
  return {
    user,
    verb,
    cluster,
    apiGroup: '',
    resource: '',
    subresource: '',
    name: '',
    path,
    isResourceRequest: false,
  };
}

const SANITIZE: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/** `User "u" cannot get resource "configmaps" in API group "" in the namespace "default"`. */
export function forbiddenReason(attrs: Attributes): string {
  const username = goQuote(attrs.user.username);
  let msg: string;
  if (!attrs.isResourceRequest) {
    msg = `User ${username} cannot ${attrs.verb} path ${goQuote(attrs.path)}`;
  } else {
    const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
    const where = attrs.namespace
      ? `in the namespace ${goQuote(attrs.namespace)}`
      : 'at the cluster scope';
    msg = `User ${username} cannot ${attrs.verb} resource ${goQuote(resource)} in API group ${goQuote(attrs.apiGroup)} ${where}`;
  }
  // Upstream escapes these so a name cannot smuggle markup into an HTML-rendered error.
  return msg.replace(/[&<>]/g, (c) => SANITIZE[c] as string);
}

/**
 * The 403 of a denied request (responsewriters.Forbidden): the resource and name when it
 * is a resource request, `forbidden: …` otherwise, and the authorizer's reason after `: `.
 */
export function forbiddenError(attrs: Attributes, reason?: string): StatusError {
  const why = reason ? `${forbiddenReason(attrs)}: ${reason}` : forbiddenReason(attrs);
  if (!attrs.isResourceRequest || attrs.resource === '')
    return forbiddenMessage(`forbidden: ${why}`);
  return forbidden(
    { group: attrs.apiGroup, resource: attrs.resource },
    attrs.name || undefined,
    why,
  );
}
