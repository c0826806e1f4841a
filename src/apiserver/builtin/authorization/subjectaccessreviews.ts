/**
 * SubjectAccessReview (authorization.k8s.io/v1, cluster-scoped, create-only): "may this
 * user do this?", asked by a delegating server or an administrator about anyone. Owns the
 * parts every access review shares: resource and non-resource attributes, their
 * validation, and the status a decision becomes (pkg/registry/authorization/util).
 */
import { type FieldError, FieldPath, invalid } from '../../../apimachinery/field-errors.ts';
import type { JsonObject, KubeObject } from '../../../apimachinery/meta.ts';
import type { Attributes, Authorizer, Decision } from '../../authz/authorizer.ts';
import type { UserInfo } from '../../rest/scope.ts';
import { SUBJECT_ACCESS_REVIEW } from './go-types.ts';
import {
  checkEmptyMetadata,
  objectField,
  refuseNamespace,
  reviewAnswer,
  reviewInvalid,
  stringField,
  stringList,
  virtualType,
} from './virtual.ts';

export const AUTHORIZATION_GROUP = 'authorization.k8s.io';

/** `spec.resourceAttributes` / `spec.nonResourceAttributes`: exactly one of them. */
export function validateAttributeChoice(spec: JsonObject, path: FieldPath): FieldError[] {
  const resource = objectField(spec, 'resourceAttributes');
  const nonResource = objectField(spec, 'nonResourceAttributes');
  const errs: FieldError[] = [];
  if (resource && nonResource) {
    errs.push(
      invalid(
        path.child('nonResourceAttributes'),
        nonResource,
        'cannot be specified in combination with resourceAttributes',
      ),
    );
  }
  if (!resource && !nonResource) {
    errs.push(
      invalid(
        path.child('resourceAttributes'),
        null,
        'exactly one of nonResourceAttributes or resourceAttributes must be specified',
      ),
    );
  }
  return errs;
}

/** The attributes a review asks about, for `user` in `cluster` (ResourceAttributesFrom). */
export function attributesFromSpec(user: UserInfo, cluster: string, spec: JsonObject): Attributes {
  const resource = objectField(spec, 'resourceAttributes');
  if (resource) {
    return {
      user,
      verb: stringField(resource, 'verb'),
      cluster,
      namespace: stringField(resource, 'namespace'),
      apiGroup: stringField(resource, 'group'),
      apiVersion: stringField(resource, 'version') || '*',
      resource: stringField(resource, 'resource'),
      subresource: stringField(resource, 'subresource'),
      name: stringField(resource, 'name'),
      path: '',
      isResourceRequest: true,
    };
  }
  const nonResource = objectField(spec, 'nonResourceAttributes');
  return {
    user,
    verb: stringField(nonResource, 'verb'),
    cluster,
    apiGroup: '',
    resource: '',
    subresource: '',
    name: '',
    path: stringField(nonResource, 'path'),
    isResourceRequest: false,
  };
}

/** SubjectAccessReviewStatus of a decision (empty fields left out, as upstream). */
export function reviewStatus(decision: Decision): Record<string, unknown> {
  return {
    allowed: decision.allowed,
    ...(decision.denied ? { denied: true } : {}),
    ...(decision.reason ? { reason: decision.reason } : {}),
    ...(decision.evaluationError ? { evaluationError: decision.evaluationError } : {}),
  };
}

/** The user a SubjectAccessReview asks about: exactly as given, no groups added. */
export function userFromSpec(spec: JsonObject): UserInfo {
  const extraIn = objectField(spec, 'extra');
  const extra: Record<string, string[]> = {};
  for (const key of Object.keys(extraIn ?? {})) extra[key] = stringList(extraIn, key);
  const uid = stringField(spec, 'uid');
  return {
    username: stringField(spec, 'user'),
    ...(uid ? { uid } : {}),
    groups: stringList(spec, 'groups'),
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
}

export function subjectAccessReviews(authorizer: Authorizer) {
  return virtualType({
    group: AUTHORIZATION_GROUP,
    versions: ['v1'],
    plural: 'subjectaccessreviews',
    singular: 'subjectaccessreview',
    kind: 'SubjectAccessReview',
    namespaced: false,
    goType: SUBJECT_ACCESS_REVIEW,
    async create(ctx, body: KubeObject) {
      refuseNamespace(ctx.namespace);
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
      const meta = checkEmptyMetadata(body, false);
      if (meta) errs.push(meta);
      if (errs.length > 0) throw reviewInvalid(AUTHORIZATION_GROUP, 'SubjectAccessReview', errs);
      const decision = authorizer.authorize(
        attributesFromSpec(userFromSpec(spec), ctx.cluster, spec),
      );
      return reviewAnswer(AUTHORIZATION_GROUP, ctx.version, 'SubjectAccessReview', body, {
        spec,
        status: reviewStatus(decision),
      });
    },
  });
}
