/**
 * The authentication.k8s.io kinds as Go's decoder sees them (their spec and status;
 * apiVersion, kind and metadata are checked for every kind): a TokenRequest whose
 * expirationSeconds is a string or whose audiences are not a list is a 400, as upstream,
 * never read as "use the default".
 */
import type { GoStruct, GoType } from '../../../apimachinery/go-decode.ts';

const strings: GoType = { slice: 'string' };

const USER_INFO: GoStruct = {
  name: 'v1.UserInfo',
  fields: { username: 'string', uid: 'string', groups: strings, extra: { map: strings } },
};

export const TOKEN_REVIEW: GoStruct = {
  name: 'v1.TokenReview',
  fields: {
    spec: { name: 'v1.TokenReviewSpec', fields: { token: 'string', audiences: strings } },
    status: {
      name: 'v1.TokenReviewStatus',
      fields: { authenticated: 'bool', user: USER_INFO, audiences: strings, error: 'string' },
    },
  },
};

export const SELF_SUBJECT_REVIEW: GoStruct = {
  name: 'v1.SelfSubjectReview',
  fields: { status: { name: 'v1.SelfSubjectReviewStatus', fields: { userInfo: USER_INFO } } },
};

export const TOKEN_REQUEST: GoStruct = {
  name: 'v1.TokenRequest',
  fields: {
    spec: {
      name: 'v1.TokenRequestSpec',
      fields: {
        audiences: strings,
        expirationSeconds: 'int64',
        boundObjectRef: {
          name: 'v1.BoundObjectReference',
          fields: { kind: 'string', apiVersion: 'string', name: 'string', uid: 'string' },
        },
      },
    },
    status: {
      name: 'v1.TokenRequestStatus',
      fields: { token: 'string', expirationTimestamp: 'time' },
    },
  },
};
