/**
 * The authorization.k8s.io/v1 review resources, built around the server's authorizer
 * (they answer from it, so they are made per server rather than declared statically).
 */
import type { Authorizer, RulesResolver } from '../../authz/authorizer.ts';
import type { ResourceType } from '../../registry/resource-type.ts';
import { localSubjectAccessReviews } from './localsubjectaccessreviews.ts';
import { selfSubjectAccessReviews } from './selfsubjectaccessreviews.ts';
import { selfSubjectRulesReviews } from './selfsubjectrulesreviews.ts';
import { subjectAccessReviews } from './subjectaccessreviews.ts';

export function authorizationTypes(authorizer: Authorizer & RulesResolver): ResourceType[] {
  return [
    localSubjectAccessReviews(authorizer),
    selfSubjectAccessReviews(authorizer),
    selfSubjectRulesReviews(authorizer),
    subjectAccessReviews(authorizer),
  ];
}
