/**
 * Who calls the hub: the request's bearer token and the user the control plane says it
 * belongs to (a TokenReview, cached by `ControlPlane.reviewToken`). The providers API and
 * a provider's backend need one; a provider's UI files may be fetched without.
 */
import type { IncomingMessage } from 'node:http';
import { unauthorized } from '../../apimachinery/status.ts';
import { bearerToken } from '../../apiserver/authn/authenticator.ts';
import type { UserInfo } from '../../apiserver/rest/scope.ts';
import type { ControlPlane } from '../control-plane.ts';

export interface Caller {
  readonly token: string;
  readonly user: UserInfo;
}

type TokenReviewer = Pick<ControlPlane, 'reviewToken'>;

/** The caller, or undefined when the request has no bearer token; 401 for one refused. */
export async function optionalCaller(
  controlPlane: TokenReviewer,
  req: IncomingMessage,
): Promise<Caller | undefined> {
  const token = bearerToken(req);
  if (!token) return undefined;
  const user = await controlPlane.reviewToken(token);
  if (!user) throw unauthorized('the control plane does not accept this token');
  return { token, user };
}

/** The caller; 401 without a bearer token the control plane accepts. */
export async function requiredCaller(
  controlPlane: TokenReviewer,
  req: IncomingMessage,
): Promise<Caller> {
  const caller = await optionalCaller(controlPlane, req);
  if (!caller) throw unauthorized('send a bearer token (Authorization: Bearer <token>)');
  return caller;
}
