/**
 * The authentication.k8s.io resources: SelfSubjectReview (`kubectl auth whoami`) and
 * TokenReview; the TokenRequest subresource is added to ServiceAccounts with
 * `withTokenRequest` (tokenrequests.ts).
 */
import type { ResourceType } from '../../registry/resource-type.ts';
import { selfSubjectReviews } from './selfsubjectreviews.ts';
import { type TokenReviewDeps, tokenReviews } from './tokenreviews.ts';

export function authenticationTypes(deps: TokenReviewDeps): ResourceType[] {
  return [selfSubjectReviews, tokenReviews(deps)];
}

export { type TokenRequestDeps, withTokenRequest } from './tokenrequests.ts';
