/**
 * One JWT authenticator: verifies a token of its issuer and maps its claims to a user, in
 * kube-apiserver's order and with its meaning (plugin/pkg/authenticator/token/oidc):
 *
 * 1. the signature, by a key of the issuer's key set, with an allowed algorithm (jose: `none`
 *    and HMAC algorithms never verify against a key set, so neither `alg: none` nor an HS256
 *    token signed with the public key as secret gets through);
 * 2. `iss` equal to the issuer URL, `aud` containing one of the audiences, `exp` not passed
 *    (`exp` is required), `nbf` not more than a minute ahead (go-oidc's leeway);
 * 3. the username (a string claim, prefixed, or a CEL expression; with the claim `email`, an
 *    `email_verified` claim that is present must be true), groups (a string or a list of
 *    strings), uid, extra;
 * 4. required claims, claim validation rules, user validation rules.
 *
 * Every refusal is a `TokenRefused` with the reason, for the server's log; the client learns
 * only "Unauthorized". Canopy adds one refusal: a username or group beginning with `system:`,
 * the prefix of identities the control plane mints itself (service accounts, masters, kcp's
 * system users), which no identity provider may claim.
 */
import { compactVerify } from 'jose';
import { isJsonObject, type JsonObject, type JsonValue } from '../../../apimachinery/meta.ts';
import type { UserInfo } from '../../rest/scope.ts';
import type { ClaimMapping, JwtAuthenticatorSpec } from './authentication-config.ts';
import type { IssuerKeys } from './issuer-keys.ts';

/** Why a token of this issuer was refused (logged, never sent). */
export class TokenRefused extends Error {
  override readonly name = 'TokenRefused';
}

export interface VerifiedToken {
  readonly user: UserInfo;
  /** `exp`, in seconds since the epoch. */
  readonly expiresAt: number;
}

/** go-oidc's tolerance for an `nbf` in the future, in seconds. */
const NBF_LEEWAY_SECONDS = 60;
const RESERVED_PREFIX = 'system:';

const textDecoder = new TextDecoder();

export class JwtVerifier {
  readonly spec: JwtAuthenticatorSpec;
  private readonly keys: IssuerKeys;
  private readonly now: () => number;

  /** `now` in milliseconds since the epoch (tests). */
  constructor(spec: JwtAuthenticatorSpec, keys: IssuerKeys, now: () => number = Date.now) {
    this.spec = spec;
    this.keys = keys;
    this.now = now;
  }

  async verify(token: string): Promise<VerifiedToken> {
    let payload: Uint8Array;
    try {
      ({ payload } = await compactVerify(token, this.keys.getKey, {
        algorithms: [...this.spec.signingAlgorithms],
      }));
    } catch (err) {
      throw new TokenRefused(`oidc: verify token: ${(err as Error).message}`);
    }
    let claims: JsonObject;
    try {
      const parsed: unknown = JSON.parse(textDecoder.decode(payload));
      if (!isJsonObject(parsed)) throw new Error('not an object');
      claims = parsed;
    } catch {
      throw new TokenRefused('oidc: verify token: the payload is not a JSON object');
    }
    const expiresAt = this.checkRegisteredClaims(claims);
    return { user: this.userOf(claims), expiresAt };
  }

  /** iss, aud, exp, nbf; returns exp. */
  private checkRegisteredClaims(claims: JsonObject): number {
    const { issuerUrl, audiences } = this.spec;
    if (claims.iss !== issuerUrl) {
      throw new TokenRefused(
        `oidc: verify token: id token issued by a different provider, expected "${issuerUrl}" got "${String(claims.iss)}"`,
      );
    }
    const aud = typeof claims.aud === 'string' ? [claims.aud] : claims.aud;
    if (!Array.isArray(aud) || !aud.some((a) => typeof a === 'string' && audiences.includes(a))) {
      throw new TokenRefused(
        `oidc: verify token: oidc: expected audience in ${JSON.stringify(audiences)} got ${JSON.stringify(aud ?? [])}`,
      );
    }
    const now = this.now() / 1000;
    const exp = claims.exp;
    if (typeof exp !== 'number' || !Number.isFinite(exp)) {
      throw new TokenRefused('oidc: verify token: oidc: token has no expiry');
    }
    if (exp < now) {
      throw new TokenRefused(
        `oidc: verify token: oidc: token is expired (Token Expiry: ${new Date(exp * 1000).toISOString()})`,
      );
    }
    const nbf = claims.nbf;
    if (nbf !== undefined) {
      if (typeof nbf !== 'number' || !Number.isFinite(nbf)) {
        throw new TokenRefused('oidc: verify token: malformed nbf claim');
      }
      if (now + NBF_LEEWAY_SECONDS < nbf) {
        throw new TokenRefused(
          `oidc: verify token: oidc: current time ${new Date(now * 1000).toISOString()} before the nbf (not before) time: ${new Date(nbf * 1000).toISOString()}`,
        );
      }
    }
    return exp;
  }

  private userOf(claims: JsonObject): UserInfo {
    const spec = this.spec;
    const username = this.username(claims);
    const groups = spec.groups ? this.groups(spec.groups, claims) : [];
    const uid = spec.uid ? this.uid(spec.uid, claims) : '';
    const extra: Record<string, string[]> = {};
    for (const { key, expression } of spec.extra) {
      const values = stringsOf(
        run(expression, { claims }, `extra claim expression ${expression.text}`),
      ).filter((v) => v !== '');
      if (values.length > 0) extra[key] = values;
    }
    for (const { claim, value } of spec.requiredClaims) {
      if (!(claim in claims)) {
        throw new TokenRefused(`oidc: required claim ${claim} not present in ID token`);
      }
      const got = claims[claim];
      if (typeof got !== 'string')
        throw new TokenRefused(`oidc: parse claim ${claim}: not a string`);
      if (got !== value) {
        throw new TokenRefused(
          `oidc: required claim ${claim} value does not match. Got = ${got}, want = ${value}`,
        );
      }
    }
    for (const rule of spec.claimRules) {
      if (run(rule.expression, { claims }, 'claim validation expression') !== true) {
        throw new TokenRefused(
          `oidc: error evaluating claim validation expression: ${rule.message || `validation expression '${rule.expression.text}' failed`}`,
        );
      }
    }
    const user: UserInfo = {
      username,
      ...(uid ? { uid } : {}),
      groups,
      ...(Object.keys(extra).length > 0 ? { extra } : {}),
    };
    if (spec.userRules.length > 0) {
      const value: JsonObject = {
        username,
        uid,
        groups: [...groups],
        extra: Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, [...v]])),
      };
      for (const rule of spec.userRules) {
        if (run(rule.expression, { user: value }, 'user info validation rule') !== true) {
          throw new TokenRefused(
            `oidc: error evaluating user info validation rule: ${rule.message || `validation expression '${rule.expression.text}' failed`}`,
          );
        }
      }
    }
    if (username.startsWith(RESERVED_PREFIX)) {
      throw new TokenRefused(`oidc: the username "${username}" uses the reserved prefix "system:"`);
    }
    const reserved = groups.find((g) => g.startsWith(RESERVED_PREFIX));
    if (reserved !== undefined) {
      throw new TokenRefused(`oidc: the group "${reserved}" uses the reserved prefix "system:"`);
    }
    return user;
  }

  private username(claims: JsonObject): string {
    const m = this.spec.username;
    let name: string;
    if ('expression' in m) {
      const v = run(m.expression, { claims }, 'username claim expression');
      if (typeof v !== 'string') {
        throw new TokenRefused(
          'oidc: error evaluating username claim expression: username claim expression must return a string',
        );
      }
      name = v;
    } else {
      const v = claims[m.claim];
      if (typeof v !== 'string') {
        throw new TokenRefused(
          `oidc: parse username claims "${m.claim}": ${v === undefined ? 'claim not present' : 'not a string'}`,
        );
      }
      if (m.claim === 'email' && 'email_verified' in claims) {
        if (typeof claims.email_verified !== 'boolean') {
          throw new TokenRefused("oidc: parse 'email_verified' claim: not a boolean");
        }
        if (!claims.email_verified) throw new TokenRefused('oidc: email not verified');
      }
      name = m.prefix + v;
    }
    if (name === '' || ('claim' in m && name === m.prefix)) {
      throw new TokenRefused('oidc: the username is empty');
    }
    return name;
  }

  private groups(m: ClaimMapping, claims: JsonObject): string[] {
    if ('expression' in m) {
      return stringsOf(run(m.expression, { claims }, 'group claim expression'));
    }
    if (!(m.claim in claims)) return [];
    const v = claims[m.claim];
    // A single string is one group (some providers put a role there).
    const list = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(list) || !list.every((g): g is string => typeof g === 'string')) {
      throw new TokenRefused(
        `oidc: parse groups claim "${m.claim}": not a string or a list of strings`,
      );
    }
    return list.map((g) => m.prefix + g);
  }

  private uid(m: ClaimMapping, claims: JsonObject): string {
    if ('expression' in m) {
      const v = run(m.expression, { claims }, 'uid claim expression');
      if (typeof v !== 'string') {
        throw new TokenRefused(
          'oidc: error evaluating uid claim expression: uid claim expression must return a string',
        );
      }
      return v;
    }
    const v = claims[m.claim];
    if (typeof v !== 'string') {
      throw new TokenRefused(
        `oidc: parse uid claim "${m.claim}": ${v === undefined ? 'claim not present' : 'not a string'}`,
      );
    }
    return v;
  }
}

function run(
  e: { evaluate(values: Readonly<Record<string, JsonValue>>): unknown },
  values: Readonly<Record<string, JsonValue>>,
  what: string,
): unknown {
  try {
    return e.evaluate(values);
  } catch (err) {
    throw new TokenRefused(`oidc: error evaluating ${what}: ${(err as Error).message}`);
  }
}

/** A CEL string or list of strings as strings; "", [] and null are none. */
function stringsOf(v: unknown): string[] {
  if (v === null || v === undefined || v === '') return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x): x is string => typeof x === 'string')) return v;
  throw new TokenRefused('oidc: an expression must return a string or a list of strings');
}
