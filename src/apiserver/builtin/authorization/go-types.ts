/**
 * The authorization.k8s.io/v1 review kinds as Go's decoder sees them (their spec and status;
 * apiVersion, kind and metadata are checked for every kind): a review whose verb is a number
 * or whose groups are a string is a 400, as upstream, never read as an empty value.
 */
import type { GoStruct, GoType } from '../../../apimachinery/go-decode.ts';

const strings: GoType = { slice: 'string' };

const selectorAttributes = (kind: 'Field' | 'Label'): GoStruct => ({
  name: `v1.${kind}SelectorAttributes`,
  fields: {
    rawSelector: 'string',
    requirements: {
      slice: {
        name: `v1.${kind}SelectorRequirement`,
        fields: { key: 'string', operator: 'string', values: strings },
      },
    },
  },
});

const RESOURCE_ATTRIBUTES: GoStruct = {
  name: 'v1.ResourceAttributes',
  fields: {
    namespace: 'string',
    verb: 'string',
    group: 'string',
    version: 'string',
    resource: 'string',
    subresource: 'string',
    name: 'string',
    fieldSelector: selectorAttributes('Field'),
    labelSelector: selectorAttributes('Label'),
  },
};

const NON_RESOURCE_ATTRIBUTES: GoStruct = {
  name: 'v1.NonResourceAttributes',
  fields: { path: 'string', verb: 'string' },
};

const ACCESS_REVIEW_STATUS: GoStruct = {
  name: 'v1.SubjectAccessReviewStatus',
  fields: { allowed: 'bool', denied: 'bool', reason: 'string', evaluationError: 'string' },
};

const SUBJECT_ACCESS_REVIEW_SPEC: GoStruct = {
  name: 'v1.SubjectAccessReviewSpec',
  fields: {
    resourceAttributes: RESOURCE_ATTRIBUTES,
    nonResourceAttributes: NON_RESOURCE_ATTRIBUTES,
    user: 'string',
    groups: strings,
    extra: { map: strings },
    uid: 'string',
  },
};

export const SUBJECT_ACCESS_REVIEW: GoStruct = {
  name: 'v1.SubjectAccessReview',
  fields: { spec: SUBJECT_ACCESS_REVIEW_SPEC, status: ACCESS_REVIEW_STATUS },
};

export const LOCAL_SUBJECT_ACCESS_REVIEW: GoStruct = {
  name: 'v1.LocalSubjectAccessReview',
  fields: { spec: SUBJECT_ACCESS_REVIEW_SPEC, status: ACCESS_REVIEW_STATUS },
};

export const SELF_SUBJECT_ACCESS_REVIEW: GoStruct = {
  name: 'v1.SelfSubjectAccessReview',
  fields: {
    spec: {
      name: 'v1.SelfSubjectAccessReviewSpec',
      fields: {
        resourceAttributes: RESOURCE_ATTRIBUTES,
        nonResourceAttributes: NON_RESOURCE_ATTRIBUTES,
      },
    },
    status: ACCESS_REVIEW_STATUS,
  },
};

export const SELF_SUBJECT_RULES_REVIEW: GoStruct = {
  name: 'v1.SelfSubjectRulesReview',
  fields: {
    spec: { name: 'v1.SelfSubjectRulesReviewSpec', fields: { namespace: 'string' } },
    status: {
      name: 'v1.SubjectRulesReviewStatus',
      fields: {
        resourceRules: {
          slice: {
            name: 'v1.ResourceRule',
            fields: {
              verbs: strings,
              apiGroups: strings,
              resources: strings,
              resourceNames: strings,
            },
          },
        },
        nonResourceRules: {
          slice: {
            name: 'v1.NonResourceRule',
            fields: { verbs: strings, nonResourceURLs: strings },
          },
        },
        incomplete: 'bool',
        evaluationError: 'string',
      },
    },
  },
};
