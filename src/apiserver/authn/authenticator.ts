/**
 * Authentication: who sent a request. Each authenticator looks at the request (bearer
 * token, client certificate) and answers with a user, or with nothing when the request
 * carries no credential it understands. Every authenticated user is in
 * `system:authenticated`.
 */
import type { IncomingMessage } from 'node:http';
import { AUTHENTICATED } from '../authz/scopes.ts';
import type { UserInfo } from '../rest/scope.ts';

export const MASTERS_GROUP = 'system:masters';

export interface Authenticator {
  /** A user, `undefined` when the credential is not this authenticator's, or throws 401. */
  authenticate(req: IncomingMessage): Promise<UserInfo | undefined> | UserInfo | undefined;
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

export function withAuthenticatedGroup(user: UserInfo): UserInfo {
  return user.groups.includes(AUTHENTICATED)
    ? user
    : { ...user, groups: [...user.groups, AUTHENTICATED] };
}

/** Tries each authenticator in turn; the first that recognises the request wins. */
export class UnionAuthenticator implements Authenticator {
  private readonly authenticators: Authenticator[];

  constructor(authenticators: Authenticator[]) {
    this.authenticators = authenticators;
  }

  add(authenticator: Authenticator): void {
    this.authenticators.push(authenticator);
  }

  async authenticate(req: IncomingMessage): Promise<UserInfo | undefined> {
    for (const a of this.authenticators) {
      const answer = a.authenticate(req);
      // Most answers are synchronous; awaiting only promises saves a turn per request.
      const user = answer instanceof Promise ? await answer : answer;
      if (user) return withAuthenticatedGroup(user);
    }
    return undefined;
  }
}
