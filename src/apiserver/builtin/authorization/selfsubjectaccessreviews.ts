/**
 * SelfSubjectAccessReview (authorization.k8s.io/v1, cluster-scoped, create-only): "may I
 * do this?" for the requesting user — what `kubectl auth can-i` asks. Every authenticated
 * user may create one (`system:basic-user`).
 */
import { FieldPath } from '../../../apimachinery/field-errors.ts';
import type { KubeObject } from '../../../apimachinery/meta.ts';
import type { Authorizer } from '../../authz/authorizer.ts';
import { SELF_SUBJECT_ACCESS_REVIEW } from './go-types.ts';
import {
  AUTHORIZATION_GROUP,
  attributesFromSpec,
  reviewStatus,
  validateAttributeChoice,
} from './subjectaccessreviews.ts';
import {
  checkEmptyMetadata,
  objectField,
  refuseNamespace,
  reviewAnswer,
  reviewInvalid,
  virtualType,
} from './virtual.ts';

export function selfSubjectAccessReviews(authorizer: Authorizer) {
  return virtualType({
    group: AUTHORIZATION_GROUP,
    versions: ['v1'],
    plural: 'selfsubjectaccessreviews',
    singular: 'selfsubjectaccessreview',
    kind: 'SelfSubjectAccessReview',
    namespaced: false,
    goType: SELF_SUBJECT_ACCESS_REVIEW,
    async create(ctx, body: KubeObject) {
      refuseNamespace(ctx.namespace);
      const spec = objectField(body, 'spec') ?? {};
      const errs = validateAttributeChoice(spec, FieldPath.root('spec'));
      const meta = checkEmptyMetadata(body, false);
      if (meta) errs.push(meta);
      if (errs.length > 0) {
        throw reviewInvalid(AUTHORIZATION_GROUP, 'SelfSubjectAccessReview', errs);
      }
      const decision = authorizer.authorize(attributesFromSpec(ctx.user, ctx.cluster, spec));
      return reviewAnswer(AUTHORIZATION_GROUP, ctx.version, 'SelfSubjectAccessReview', body, {
        spec,
        status: reviewStatus(decision),
      });
    },
  });
}
