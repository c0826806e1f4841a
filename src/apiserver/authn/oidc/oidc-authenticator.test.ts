import { createHmac, createPublicKey } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { JWTAuthenticator } from '../../../api/apiserver/types.ts';
import { isStatusError } from '../../../apimachinery/status.ts';
import {
  compileAuthenticators,
  oidcFlagsAuthentication,
  VALID_SIGNING_ALGORITHMS,
} from './authentication-config.ts';
import { OidcAuthenticator, untrustedIssuer } from './oidc-authenticator.ts';

const ISSUER = 'https://idp.example.com';
const OTHER = 'https://other.example.com';

type Key = Awaited<ReturnType<typeof generateKeyPair>> & { jwk: JWK; kid: string };

async function key(kid: string, alg = 'RS256'): Promise<Key> {
  const pair = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' };
  return { ...pair, jwk, kid };
}

/** A stand-in issuer: discovery and JWKS served from memory, fetches counted. */
class FakeIssuer {
  keys: Key[] = [];
  fetches = 0;
  discoveryIssuer = ISSUER;
  down = false;
  fetch = async (url: string): Promise<unknown> => {
    this.fetches++;
    if (this.down) throw new Error('connect ECONNREFUSED');
    if (url === `${ISSUER}/.well-known/openid-configuration`) {
      return { issuer: this.discoveryIssuer, jwks_uri: `${ISSUER}/jwks` };
    }
    if (url === `${ISSUER}/jwks`) return { keys: this.keys.map((k) => k.jwk) };
    throw new Error(`GET ${url}: 404`);
  };
}

let clock = 1_700_000_000_000;
const now = () => clock;
const seconds = () => Math.floor(clock / 1000);

let k1: Key;
let k2: Key;
let es: Key;

beforeAll(async () => {
  k1 = await key('k1');
  k2 = await key('k2');
  es = await key('es', 'ES256');
});

function claims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: ISSUER,
    aud: 'canopy',
    sub: 'alice',
    exp: seconds() + 600,
    iat: seconds(),
    ...extra,
  };
}

async function sign(
  payload: Record<string, unknown>,
  k: Key = k1,
  header: Record<string, unknown> = {},
) {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: k.jwk.alg as string, kid: k.kid, ...header })
    .sign(k.privateKey);
}

function request(token: string): IncomingMessage {
  return { headers: { authorization: `Bearer ${token}` } } as unknown as IncomingMessage;
}

interface Setup {
  issuer: FakeIssuer;
  authn: OidcAuthenticator;
  verifications: boolean[];
}

function setup(
  authenticators: readonly JWTAuthenticator[],
  signingAlgorithms: readonly string[] = VALID_SIGNING_ALGORITHMS,
): Setup {
  const issuer = new FakeIssuer();
  issuer.keys = [k1];
  const verifications: boolean[] = [];
  const specs = compileAuthenticators({ authenticators, signingAlgorithms });
  const authn = new OidcAuthenticator(specs, {
    now,
    fetch: (url) => issuer.fetch(url),
    keys: { minRefreshIntervalMs: 10_000, maxAgeMs: 600_000 },
    onVerify: (_i, _s, ok) => verifications.push(ok),
  });
  return { issuer, authn, verifications };
}

type Flags = Parameters<typeof oidcFlagsAuthentication>[0];

/** What the flags configure, as the server compiles it (RS256 unless they say otherwise). */
function fromFlags(more: Flags = {}): Setup {
  const auth = oidcFlagsAuthentication({ issuerUrl: ISSUER, clientId: 'canopy', ...more });
  if (!auth) throw new Error('flags made no authenticator');
  return setup(auth.authenticators, auth.signingAlgorithms);
}

const flagsAuthenticator = (more: Flags = {}): JWTAuthenticator[] => [
  ...(oidcFlagsAuthentication({ issuerUrl: ISSUER, clientId: 'canopy', ...more })?.authenticators ??
    []),
];

async function refusal(s: Setup, token: string): Promise<number | undefined> {
  try {
    await s.authn.authenticate(request(token));
    return undefined;
  } catch (err) {
    return isStatusError(err) ? err.status.code : -1;
  }
}

beforeEach(() => {
  clock = 1_700_000_000_000;
});

describe('OidcAuthenticator', () => {
  it('maps a good token to a user as the flags say', async () => {
    const s = fromFlags({ groupsClaim: 'groups', groupsPrefix: 'oidc:' });
    const user = await s.authn.authenticate(
      request(await sign(claims({ groups: ['dev', 'ops'] }))),
    );
    expect(user).toEqual({ username: `${ISSUER}#alice`, groups: ['oidc:dev', 'oidc:ops'] });
    // A single string is one group.
    const one = await s.authn.authenticate(request(await sign(claims({ groups: 'dev' }))));
    expect(one?.groups).toEqual(['oidc:dev']);
  });

  it('leaves tokens of other issuers, and non-JWTs, to other authenticators', async () => {
    const s = fromFlags();
    expect(await s.authn.authenticate(request('static-token'))).toBeUndefined();
    expect(await s.authn.authenticate(request(await sign(claims({ iss: OTHER }))))).toBeUndefined();
    expect(await s.authn.authenticate(request('a.b.c.d'))).toBeUndefined();
    expect(s.issuer.fetches).toBe(0);
  });

  describe('refuses with 401', () => {
    const cases: Array<[string, () => Promise<string>, Flags?]> = [
      ['an expired token', () => sign(claims({ exp: seconds() - 1 }))],
      ['a token with no exp', () => sign(claims({ exp: undefined }))],
      ['a token not valid for more than a minute', () => sign(claims({ nbf: seconds() + 61 }))],
      ['a token for another audience', () => sign(claims({ aud: ['someone-else'] }))],
      ['a token signed by a key the issuer does not have', () => sign(claims(), k2, { kid: 'k1' })],
      [
        'a token whose payload was changed after signing',
        async () => {
          const [h, , sig] = (await sign(claims())).split('.');
          const forged = Buffer.from(JSON.stringify(claims({ sub: 'admin' }))).toString(
            'base64url',
          );
          return `${h}.${forged}.${sig}`;
        },
      ],
      [
        'alg none',
        async () => {
          const h = Buffer.from(JSON.stringify({ alg: 'none', kid: 'k1' })).toString('base64url');
          const p = Buffer.from(JSON.stringify(claims())).toString('base64url');
          return `${h}.${p}.`;
        },
      ],
      [
        'HS256 with the public key as the secret',
        async () => {
          const h = Buffer.from(JSON.stringify({ alg: 'HS256', kid: 'k1' })).toString('base64url');
          const p = Buffer.from(JSON.stringify(claims())).toString('base64url');
          // The classic confusion: the RSA public key's PEM used as an HMAC secret.
          const secret = createPublicKey({ key: k1.jwk, format: 'jwk' }).export({
            type: 'spki',
            format: 'pem',
          });
          const sig = createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url');
          return `${h}.${p}.${sig}`;
        },
      ],
      ['a token with no username claim', () => sign(claims({ sub: undefined }))],
      ['a username claim that is not a string', () => sign(claims({ sub: 42 }))],
      [
        'an unverified email as the username',
        () => sign(claims({ email: 'a@example.com', email_verified: false })),
        { usernameClaim: 'email' },
      ],
      [
        'a groups claim that is not strings',
        () => sign(claims({ groups: [1, 2] })),
        { groupsClaim: 'groups' },
      ],
      ['a missing required claim', () => sign(claims()), { requiredClaims: ['hd=example.com'] }],
      [
        'a required claim with another value',
        () => sign(claims({ hd: 'evil.com' })),
        { requiredClaims: ['hd=example.com'] },
      ],
      [
        'a username in system:',
        () => sign(claims({ sub: 'system:admin' })),
        { usernamePrefix: '-' },
      ],
      [
        'a group in system:',
        () => sign(claims({ groups: ['system:masters'] })),
        { groupsClaim: 'groups' },
      ],
    ];
    it.each(cases)('%s', async (_name, token, more) => {
      const s = fromFlags(more);
      expect(await refusal(s, await token())).toBe(401);
    });
  });

  it('accepts an nbf within the minute of leeway and a verified or unmarked email', async () => {
    const s = fromFlags({ usernameClaim: 'email' });
    const ok = (c: Record<string, unknown>) => sign(claims({ email: 'a@example.com', ...c }));
    expect((await s.authn.authenticate(request(await ok({ nbf: seconds() + 59 }))))?.username).toBe(
      'a@example.com',
    );
    expect(await s.authn.authenticate(request(await ok({ email_verified: true })))).toBeDefined();
  });

  it('only allows the configured algorithms', async () => {
    const s = fromFlags();
    s.issuer.keys = [k1, es];
    expect(await refusal(s, await sign(claims(), es))).toBe(401);
    const all = fromFlags({ signingAlgorithms: ['RS256', 'ES256'] });
    all.issuer.keys = [k1, es];
    expect((await all.authn.authenticate(request(await sign(claims(), es))))?.username).toBe(
      `${ISSUER}#alice`,
    );
  });

  it('refuses everything while the issuer does not answer, then recovers', async () => {
    const s = fromFlags();
    s.issuer.down = true;
    const token = await sign(claims());
    expect(await refusal(s, token)).toBe(401);
    expect(await refusal(s, token)).toBe(401);
    expect(s.issuer.fetches).toBe(1); // the second attempt waits for the interval
    s.issuer.down = false;
    clock += 10_000;
    expect((await s.authn.authenticate(request(token)))?.username).toBe(`${ISSUER}#alice`);
  });

  it('refuses an issuer whose discovery names another issuer', async () => {
    const s = fromFlags();
    s.issuer.discoveryIssuer = 'https://evil.example.com';
    expect(await refusal(s, await sign(claims()))).toBe(401);
  });

  it('follows a key rotation, fetching the keys once per interval at most', async () => {
    const s = fromFlags();
    const first = await sign(claims());
    expect(await s.authn.authenticate(request(first))).toBeDefined();
    expect(s.issuer.fetches).toBe(2); // discovery + keys
    // The issuer rotates: k2 signs from now on.
    s.issuer.keys = [k2];
    clock += 11_000;
    const rotated = await sign(claims({ sub: 'bob' }), k2);
    expect((await s.authn.authenticate(request(rotated)))?.username).toBe(`${ISSUER}#bob`);
    expect(s.issuer.fetches).toBe(4);
    // A flood of tokens naming unknown keys costs no fetch within the interval …
    for (let i = 0; i < 20; i++) {
      expect(await refusal(s, await sign(claims({ n: i }), k1, { kid: `made-up-${i}` }))).toBe(401);
    }
    expect(s.issuer.fetches).toBe(4);
    // … and one fetch after it.
    clock += 10_000;
    expect(await refusal(s, await sign(claims(), k1, { kid: 'made-up' }))).toBe(401);
    expect(s.issuer.fetches).toBe(6);
  });

  it('joins concurrent fetches into one', async () => {
    const s = fromFlags();
    const tokens = await Promise.all(
      Array.from({ length: 10 }, (_, i) => sign(claims({ sub: `u${i}` }))),
    );
    const users = await Promise.all(tokens.map((t) => s.authn.authenticate(request(t))));
    expect(users.map((u) => u?.username)).toEqual(tokens.map((_, i) => `${ISSUER}#u${i}`));
    expect(s.issuer.fetches).toBe(2);
  });

  it('drops a key the issuer withdrew once the key set is old', async () => {
    const s = fromFlags();
    s.issuer.keys = [k1, k2];
    expect(await s.authn.authenticate(request(await sign(claims(), k2)))).toBeDefined();
    s.issuer.keys = [k1];
    clock += 600_001;
    // The stale set is refetched in the background on this use …
    await s.authn.authenticate(request(await sign(claims({ n: 1 }))));
    await new Promise((r) => setTimeout(r, 0));
    // … after which k2 verifies nothing.
    expect(await refusal(s, await sign(claims({ n: 2 }), k2))).toBe(401);
  });

  it('verifies a token once per cache interval, never past its exp', async () => {
    const s = fromFlags();
    const token = await sign(claims({ exp: seconds() + 15 }));
    for (let i = 0; i < 5; i++) await s.authn.authenticate(request(token));
    expect(s.verifications).toEqual([true]);
    clock += 10_001;
    await s.authn.authenticate(request(token));
    expect(s.verifications).toEqual([true, true]);
    clock += 5_000; // exp has passed: the cached answer must not outlive it
    expect(await refusal(s, token)).toBe(401);
  });

  it('maps claims with CEL and applies claim and user validation rules', async () => {
    const s = setup([
      {
        issuer: { url: ISSUER, audiences: ['canopy', 'other'], audienceMatchPolicy: 'MatchAny' },
        claimValidationRules: [
          { expression: 'claims.hd == "example.com"', message: 'only example.com' },
          { claim: 'tier', requiredValue: 'gold' },
        ],
        claimMappings: {
          username: { expression: '"oidc:" + claims.preferred_username' },
          groups: { expression: 'claims.roles.map(r, "role:" + r)' },
          uid: { claim: 'sub' },
          extra: [
            { key: 'example.com/team', valueExpression: 'claims.?team.orValue("")' },
            { key: 'example.com/admin', valueExpression: 'claims.admin ? "yes" : ""' },
          ],
        },
        userValidationRules: [
          { expression: '!user.username.startsWith("oidc:root")', message: 'no root' },
        ],
      },
    ]);
    const base = {
      hd: 'example.com',
      tier: 'gold',
      preferred_username: 'alice',
      roles: ['dev'],
      admin: false,
    };
    expect(
      await s.authn.authenticate(
        request(await sign(claims({ ...base, aud: ['other'], team: 'db' }))),
      ),
    ).toEqual({
      username: 'oidc:alice',
      uid: 'alice',
      groups: ['role:dev'],
      extra: { 'example.com/team': ['db'] },
    });
    expect(await refusal(s, await sign(claims({ ...base, hd: 'evil.com' })))).toBe(401);
    expect(await refusal(s, await sign(claims({ ...base, tier: 'silver' })))).toBe(401);
    expect(await refusal(s, await sign(claims({ ...base, preferred_username: 'root' })))).toBe(401);
    // An expression that fails at run time (no such claim) is a refusal, not a crash.
    expect(await refusal(s, await sign(claims({ ...base, roles: undefined })))).toBe(401);
    // An expression giving the wrong type is a refusal.
    expect(await refusal(s, await sign(claims({ ...base, preferred_username: 7 })))).toBe(401);
  });

  it('routes each token to the authenticator of its issuer', async () => {
    const s = setup([
      ...flagsAuthenticator(),
      {
        issuer: { url: OTHER, audiences: ['x'] },
        claimMappings: { username: { claim: 'sub', prefix: 'other:' } },
      },
    ]);
    // The other issuer is down: its tokens are refused, this one's still work.
    expect(await refusal(s, await sign(claims({ iss: OTHER, aud: 'x' })))).toBe(401);
    expect((await s.authn.authenticate(request(await sign(claims()))))?.username).toBe(
      `${ISSUER}#alice`,
    );
  });
});

describe('untrustedIssuer', () => {
  it('reads iss from a compact JWT without verifying it', async () => {
    expect(untrustedIssuer(await sign(claims()))).toBe(ISSUER);
    expect(untrustedIssuer(await sign(claims({ iss: 'accounts.google.com' })))).toBe(
      'https://accounts.google.com',
    );
    for (const t of [
      '',
      'abc',
      'a.b',
      '..',
      'a.!!!.c',
      `x.${Buffer.from('[1]').toString('base64url')}.y`,
    ]) {
      expect(untrustedIssuer(t)).toBeUndefined();
    }
  });
});
