/**
 * LocalSubjectAccessReview (authorization.k8s.io/v1, namespaced, create-only): a
 * SubjectAccessReview confined to one namespace, which namespace admins may create
 * (`admin` aggregates `create localsubjectaccessreviews`).
 */
import { FieldPath, invalid } from '../../../apimachinery/field-errors.ts';
import { type KubeObject, objectOrEmpty } from '../../../apimachinery/meta.ts';
import { badRequest } from '../../../apimachinery/status.ts';
import type { Authorizer } from '../../authz/authorizer.ts';
import { LOCAL_SUBJECT_ACCESS_REVIEW } from './go-types.ts';
import {
  AUTHORIZATION_GROUP,
  attributesFromSpec,
  reviewStatus,
  userFromSpec,
  validateAttributeChoice,
} from './subjectaccessreviews.ts';
import {
  checkEmptyMetadata,
  objectField,
  reviewAnswer,
  reviewInvalid,
  stringField,
  stringList,
  virtualType,
} from './virtual.ts';

export function localSubjectAccessReviews(authorizer: Authorizer) {
  return virtualType({
    group: AUTHORIZATION_GROUP,
    versions: ['v1'],
    plural: 'localsubjectaccessreviews',
    singular: 'localsubjectaccessreview',
    kind: 'LocalSubjectAccessReview',
    namespaced: true,
    goType: LOCAL_SUBJECT_ACCESS_REVIEW,
    async create(ctx, body: KubeObject) {
      const namespace = ctx.namespace ?? '';
      if (!namespace) throw badRequest('namespace is required on this type: ');
      // The generic create path fills metadata.namespace from the URL, or refuses a mismatch.
      const meta = objectOrEmpty(body.metadata);
      if (typeof meta.namespace === 'string' && meta.namespace && meta.namespace !== namespace) {
        throw badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      const withNamespace = { ...body, metadata: { ...meta, namespace } } as KubeObject;
      const spec = objectField(body, 'spec') ?? {};
      const path = FieldPath.root('spec');
      const errs = validateAttributeChoice(spec, path);
      if (!stringField(spec, 'user') && stringList(spec, 'groups').length === 0) {
        errs.push(
          invalid(
            path.child('user'),
            stringField(spec, 'user'),
            'at least one of user or group must be specified',
          ),
        );
      }
      const metaErr = checkEmptyMetadata(withNamespace, true);
      if (metaErr) errs.push(metaErr);
      const resource = objectField(spec, 'resourceAttributes');
      if (resource && stringField(resource, 'namespace') !== namespace) {
        errs.push(
          invalid(
            'spec.resourceAttributes.namespace',
            stringField(resource, 'namespace'),
            'must match metadata.namespace',
          ),
        );
      }
      const nonResource = objectField(spec, 'nonResourceAttributes');
      if (nonResource) {
        errs.push(
          invalid('spec.nonResourceAttributes', nonResource, 'disallowed on this kind of request'),
        );
      }
      if (errs.length > 0) {
        throw reviewInvalid(AUTHORIZATION_GROUP, 'LocalSubjectAccessReview', errs);
      }
      const decision = authorizer.authorize(
        attributesFromSpec(userFromSpec(spec), ctx.cluster, spec),
      );
      return reviewAnswer(
        AUTHORIZATION_GROUP,
        ctx.version,
        'LocalSubjectAccessReview',
        withNamespace,
        {
          spec,
          status: reviewStatus(decision),
        },
      );
    },
  });
}
