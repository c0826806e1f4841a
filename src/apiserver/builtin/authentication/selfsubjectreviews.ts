/**
 * SelfSubjectReview (authentication.k8s.io, cluster-scoped, create-only): "who am I?" —
 * the requesting user's name, uid, groups and extra, as `kubectl auth whoami` prints them.
 * Served as v1 and v1beta1 (kubectl 1.27 asks v1beta1 first).
 */
import { type KubeObject, timestamp } from '../../../apimachinery/meta.ts';
import { refuseNamespace, reviewAnswer, virtualType } from '../authorization/virtual.ts';
import { SELF_SUBJECT_REVIEW } from './go-types.ts';

export const AUTHENTICATION_GROUP = 'authentication.k8s.io';

export const selfSubjectReviews = virtualType({
  group: AUTHENTICATION_GROUP,
  versions: ['v1', 'v1beta1'],
  plural: 'selfsubjectreviews',
  singular: 'selfsubjectreview',
  kind: 'SelfSubjectReview',
  namespaced: false,
  goType: SELF_SUBJECT_REVIEW,
  async create(ctx, body: KubeObject) {
    refuseNamespace(ctx.namespace);
    const user = ctx.user;
    const answer = reviewAnswer(AUTHENTICATION_GROUP, ctx.version, 'SelfSubjectReview', body, {
      status: {
        userInfo: {
          username: user.username,
          ...(user.uid ? { uid: user.uid } : {}),
          ...(user.groups.length ? { groups: [...user.groups] } : {}),
          ...(user.extra && Object.keys(user.extra).length ? { extra: user.extra } : {}),
        },
      },
    });
    // Upstream stamps the review with the time it was made.
    answer.metadata.creationTimestamp = timestamp();
    return answer;
  },
});
