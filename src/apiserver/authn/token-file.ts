/**
 * Static bearer tokens: the admin token Canopy generates, and the kube-apiserver token
 * file format (`token,user,uid,"group1,group2"`) for `--token-auth-file`.
 */
import type { IncomingMessage } from 'node:http';
import type { UserInfo } from '../rest/scope.ts';
import { type Authenticator, bearerToken, withAuthenticatedGroup } from './authenticator.ts';

export class TokenAuthenticator implements Authenticator {
  private readonly tokens = new Map<string, UserInfo>();

  add(token: string, user: UserInfo): void {
    // Complete once here, not on every request that presents the token.
    this.tokens.set(token, withAuthenticatedGroup(user));
  }

  authenticate(req: IncomingMessage): UserInfo | undefined {
    const token = bearerToken(req);
    if (!token) return undefined;
    return this.tokens.get(token);
  }
}

/** Parses a kube-apiserver token file; throws with the line number on a malformed line. */
export function parseTokenFile(text: string): Array<{ token: string; user: UserInfo }> {
  const out: Array<{ token: string; user: UserInfo }> = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const fields = parseCsvLine(line);
    const [token, name, uid, groups] = fields;
    if (!token || !name || fields.length < 3) {
      throw new Error(`token file line ${i + 1}: expected token,user,uid[,"group1,group2"]`);
    }
    out.push({
      token,
      user: {
        username: name,
        ...(uid ? { uid } : {}),
        groups: groups
          ? groups
              .split(',')
              .map((g) => g.trim())
              .filter(Boolean)
          : [],
      },
    });
  });
  return out;
}

function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  fields.push(cur.trim());
  return fields;
}
