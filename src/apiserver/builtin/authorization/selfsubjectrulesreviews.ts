/**
 * SelfSubjectRulesReview (authorization.k8s.io/v1, cluster-scoped, create-only): every
 * rule the requesting user holds in a namespace — what `kubectl auth can-i --list` prints.
 */
import type { KubeObject } from '../../../apimachinery/meta.ts';
import { badRequest } from '../../../apimachinery/status.ts';
import type { RulesResolver } from '../../authz/authorizer.ts';
import { SELF_SUBJECT_RULES_REVIEW } from './go-types.ts';
import { AUTHORIZATION_GROUP } from './subjectaccessreviews.ts';
import { objectField, refuseNamespace, reviewAnswer, stringField, virtualType } from './virtual.ts';

/** Lists are `omitempty` in ResourceRule and NonResourceRule, verbs aside. */
function omitEmpty(rule: Readonly<Record<string, readonly string[]>>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(rule)) {
    if (key === 'verbs' || value.length > 0) out[key] = [...value];
  }
  return out;
}

export function selfSubjectRulesReviews(resolver: RulesResolver) {
  return virtualType({
    group: AUTHORIZATION_GROUP,
    versions: ['v1'],
    plural: 'selfsubjectrulesreviews',
    singular: 'selfsubjectrulesreview',
    kind: 'SelfSubjectRulesReview',
    namespaced: false,
    goType: SELF_SUBJECT_RULES_REVIEW,
    async create(ctx, body: KubeObject) {
      refuseNamespace(ctx.namespace);
      const spec = objectField(body, 'spec') ?? {};
      const namespace = stringField(spec, 'namespace');
      if (!namespace) throw badRequest('no namespace on request');
      const review = resolver.rulesReview(ctx.user, ctx.cluster, namespace);
      return reviewAnswer(AUTHORIZATION_GROUP, ctx.version, 'SelfSubjectRulesReview', body, {
        spec,
        status: {
          resourceRules: review.resourceRules.map((r) => omitEmpty({ ...r })),
          nonResourceRules: review.nonResourceRules.map((r) => omitEmpty({ ...r })),
          incomplete: review.incomplete,
          ...(review.evaluationError ? { evaluationError: review.evaluationError } : {}),
        },
      });
    },
  });
}
