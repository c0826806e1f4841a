/**
 * TokenReview (authentication.k8s.io/v1, cluster-scoped, create-only): "whose is this
 * token, and is it good for these audiences?", for servers that delegate authentication
 * (`system:auth-delegator` may create them). Answers from the same token authenticators
 * requests go through: service account tokens and static bearer tokens.
 */
import type { IncomingMessage } from 'node:http';
import type { KubeObject } from '../../../apimachinery/meta.ts';
import { badRequest } from '../../../apimachinery/status.ts';
import { type Authenticator, withAuthenticatedGroup } from '../../authn/authenticator.ts';
import { InvalidTokenError, type ServiceAccountTokens } from '../../authn/service-accounts.ts';
import type { UserInfo } from '../../rest/scope.ts';
import {
  objectField,
  refuseNamespace,
  reviewAnswer,
  stringField,
  stringList,
  virtualType,
} from '../authorization/virtual.ts';
import { TOKEN_REVIEW } from './go-types.ts';
import { AUTHENTICATION_GROUP } from './selfsubjectreviews.ts';

export interface TokenReviewDeps {
  readonly tokens: ServiceAccountTokens;
  /** Audience-agnostic bearer token authenticators (the static token file, the admin token). */
  readonly bearerAuthenticators?: readonly Authenticator[];
}

/** A stand-in request carrying only the token, for authenticators that read requests. */
function bearerRequest(token: string): IncomingMessage {
  return { headers: { authorization: `Bearer ${token}` } } as unknown as IncomingMessage;
}

function userInfo(user: UserInfo): Record<string, unknown> {
  return {
    username: user.username,
    ...(user.uid ? { uid: user.uid } : {}),
    ...(user.groups.length ? { groups: [...user.groups] } : {}),
    ...(user.extra && Object.keys(user.extra).length ? { extra: user.extra } : {}),
  };
}

export async function reviewToken(
  deps: TokenReviewDeps,
  token: string,
  audiences: readonly string[],
): Promise<Record<string, unknown>> {
  try {
    const sa = await deps.tokens.verify(token, audiences);
    if (sa) {
      return { authenticated: true, user: userInfo(sa.user), audiences: sa.audiences };
    }
  } catch (err) {
    if (err instanceof InvalidTokenError) {
      return { authenticated: false, user: {}, error: `[invalid bearer token, ${err.message}]` };
    }
    throw err;
  }
  for (const a of deps.bearerAuthenticators ?? []) {
    let user: UserInfo | undefined;
    try {
      user = await a.authenticate(bearerRequest(token));
    } catch {
      user = undefined;
    }
    // Static tokens are good for any audience: they get the ones asked for.
    if (user) {
      return {
        authenticated: true,
        user: userInfo(withAuthenticatedGroup(user)),
        audiences: [...audiences],
      };
    }
  }
  return { authenticated: false, user: {}, error: '[invalid bearer token, token lookup failed]' };
}

export function tokenReviews(deps: TokenReviewDeps) {
  return virtualType({
    group: AUTHENTICATION_GROUP,
    versions: ['v1'],
    plural: 'tokenreviews',
    singular: 'tokenreview',
    kind: 'TokenReview',
    namespaced: false,
    goType: TOKEN_REVIEW,
    async create(ctx, body: KubeObject) {
      refuseNamespace(ctx.namespace);
      const spec = objectField(body, 'spec') ?? {};
      const token = stringField(spec, 'token');
      if (!token) throw badRequest('token is required for TokenReview in authentication');
      const asked = stringList(spec, 'audiences');
      const status = await reviewToken(
        deps,
        token,
        asked.length > 0 ? asked : deps.tokens.apiAudiences,
      );
      // The token itself is not echoed back: the answer may end up in logs.
      const { token: _token, ...rest } = spec;
      return reviewAnswer(AUTHENTICATION_GROUP, ctx.version, 'TokenReview', body, {
        spec: rest,
        status,
      });
    },
  });
}
