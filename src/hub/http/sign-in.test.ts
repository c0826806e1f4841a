/**
 * The hub's `/auth/*` routes over real HTTP with a scripted issuer client: what a browser
 * (or someone forging one) can and cannot make them do. The flow against a real issuer is
 * test/e2e/oidc-portal.test.ts.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { writeError } from '../../apiserver/http/respond.ts';
import { silentLogger } from '../../logging/logger.ts';
import type { PendingLogin, SignedIn } from '../sso/oidc-client.ts';
import { Sealer } from '../sso/sealed.ts';
import { cookiesOf, originOf, refreshAt, type SignInClient, signInApi } from './sign-in.ts';

const ISSUER = 'https://issuer.example';
// Long enough that the sealed cookie cannot hold one of them by chance.
const PENDING: PendingLogin = {
  state: 'state-of-this-login',
  nonce: 'nonce-of-this-login',
  verifier: 'pkce-verifier-of-this-login',
};

/** An unsigned stand-in for an ID token: the routes only read its iat and exp. */
function idToken(iat: number, exp: number, sub = 'alice'): Promise<string> {
  return new SignJWT({ sub })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(new Uint8Array(32));
}

interface Calls {
  finish: Array<{ url: string; pending: PendingLogin }>;
  refresh: string[];
  revoke: string[];
}

function scriptedClient(
  script: { finish?: () => Promise<SignedIn>; refresh?: () => Promise<SignedIn> },
  calls: Calls,
): SignInClient {
  return {
    issuer: ISSUER,
    clientId: 'hub',
    authorizationUrl: async (redirectUri) => ({
      url: new URL(`${ISSUER}/auth?${new URLSearchParams({ redirect_uri: redirectUri })}`),
      pending: PENDING,
    }),
    finish: async (url, pending) => {
      calls.finish.push({ url: url.toString(), pending });
      if (!script.finish) throw new Error('no finish scripted');
      return script.finish();
    },
    refresh: async (token) => {
      calls.refresh.push(token);
      if (!script.refresh) throw new Error('invalid_grant');
      return script.refresh();
    },
    revoke: async (token) => {
      calls.revoke.push(token);
    },
    endSessionUrl: async (returnTo) => `${ISSUER}/session/end?post_logout_redirect_uri=${returnTo}`,
  };
}

const sealer = new Sealer('a serving key, in the hub');
let server: Server | undefined;

async function serve(client: SignInClient | undefined): Promise<string> {
  let base = '';
  const handler = signInApi({ client, sealer, baseUrl: () => base, log: silentLogger() });
  server = createServer((req, res) => {
    handler(req, res, (req.url ?? '/').split('?')[0] ?? '/').catch((err: unknown) =>
      writeError(res, err),
    );
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return base;
}

afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

const get = (url: string, cookie?: string) =>
  fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
const post = (url: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', redirect: 'manual', headers });

/** `name=value` of the Set-Cookie for `name`. */
function setCookie(res: Response, name: string): { pair: string; attributes: string } {
  const line = res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`)) ?? '';
  const [pair = '', ...rest] = line.split(';');
  return { pair, attributes: rest.join(';').trim() };
}

const newCalls = (): Calls => ({ finish: [], refresh: [], revoke: [] });

describe('/auth/* routes', () => {
  it('says whether an issuer is configured, and has no flow without one', async () => {
    const base = await serve(undefined);
    expect(await (await get(`${base}/auth/config`)).json()).toEqual({ oidc: null });
    expect((await get(`${base}/auth/authorize`)).status).toBe(404);
    expect((await post(`${base}/auth/token`)).status).toBe(404);
    expect((await get(`${base}/auth/nothing`)).status).toBe(404);
  });

  it('starts a sign-in: to the issuer, what to check on return sealed in a Lax cookie', async () => {
    const base = await serve(scriptedClient({}, newCalls()));
    expect(await (await get(`${base}/auth/config`)).json()).toEqual({
      oidc: { issuer: ISSUER, clientId: 'hub' },
    });
    expect((await post(`${base}/auth/authorize`)).status).toBe(405);
    const res = await get(`${base}/auth/authorize`);
    expect(res.status).toBe(302);
    // The redirect URI is the hub as the browser reached it.
    expect(res.headers.get('location')).toBe(
      `${ISSUER}/auth?${new URLSearchParams({ redirect_uri: `https://${new URL(base).host}/auth/callback` })}`,
    );
    const login = setCookie(res, '__Host-canopy-login');
    expect(login.attributes).toBe('Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=600');
    expect(login.pair).not.toContain(PENDING.verifier);
    expect(await sealer.open('login', login.pair.split('=')[1] as string)).toMatchObject(PENDING);
  });

  it('refuses a callback it did not start, or with a cookie sealed for something else', async () => {
    const calls = newCalls();
    const base = await serve(
      scriptedClient(
        { finish: async () => ({ idToken: 'x', expiresAt: Date.now() + 60_000 }) },
        calls,
      ),
    );
    for (const cookie of [
      undefined,
      '__Host-canopy-login=forged',
      `__Host-canopy-login=${await sealer.seal('session', { ...PENDING }, 60)}`,
      `__Host-canopy-login=${await new Sealer('another hub').seal('login', { ...PENDING }, 60)}`,
      `__Host-canopy-login=${await sealer.seal('login', { ...PENDING }, -1)}`,
    ]) {
      const res = await get(`${base}/auth/callback?code=c&state=state-of-this-login`, cookie);
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get('location') ?? '', base);
      expect(location.pathname).toBe('/ui/signin');
      expect(location.searchParams.get('sso_error')).toContain('not started here');
      expect(res.headers.getSetCookie().some((c) => c.startsWith('__Host-canopy-session='))).toBe(
        false,
      );
    }
    expect(calls.finish).toEqual([]);
  });

  it('says the issuer’s refusal, and what went wrong in the exchange', async () => {
    const login = `__Host-canopy-login=${await sealer.seal('login', { ...PENDING }, 60)}`;
    const base = await serve(scriptedClient({}, newCalls()));
    const refused = await get(
      `${base}/auth/callback?error=access_denied&error_description=no+way`,
      login,
    );
    expect(new URL(refused.headers.get('location') ?? '', base).searchParams.get('sso_error')).toBe(
      `${ISSUER} refused the sign-in: no way`,
    );
    const failed = await get(`${base}/auth/callback?code=c&state=state-of-this-login`, login);
    expect(new URL(failed.headers.get('location') ?? '', base).searchParams.get('sso_error')).toBe(
      `the sign-in with ${ISSUER} failed: no finish scripted`,
    );
  });

  it('signs in: the session sealed in a Strict cookie, the portal told without a token in the URL', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await idToken(now, now + 3600);
    const calls = newCalls();
    const base = await serve(
      scriptedClient(
        {
          finish: async () => ({
            idToken: token,
            refreshToken: 'r1',
            expiresAt: (now + 3600) * 1000,
          }),
        },
        calls,
      ),
    );
    const login = `__Host-canopy-login=${await sealer.seal('login', { ...PENDING }, 60)}`;
    const res = await get(`${base}/auth/callback?code=c&state=state-of-this-login`, login);
    expect(res.headers.get('location')).toBe('/ui/signin?sso=done');
    // The callback URL as the browser reached the hub (https://<Host>), the redirect URI with it.
    expect(calls.finish).toEqual([
      {
        url: `https://${new URL(base).host}/auth/callback?code=c&state=state-of-this-login`,
        pending: PENDING,
      },
    ]);
    expect(setCookie(res, '__Host-canopy-login').attributes).toContain('Max-Age=0');
    const session = setCookie(res, '__Host-canopy-session');
    expect(session.attributes).toBe('Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=43200');
    expect(session.pair).not.toContain(token);

    // The token, not yet due for a refresh.
    const answer = await post(`${base}/auth/token`, { cookie: session.pair });
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as { token: string; refreshIn: number };
    expect(body.token).toBe(token);
    expect(body.refreshIn).toBeGreaterThan(3400);
    expect(calls.refresh).toEqual([]);
  });

  it('says so when the issuer’s tokens are too large for a cookie, rather than a silent failure', async () => {
    const now = Math.floor(Date.now() / 1000);
    const huge = await new SignJWT({
      sub: 'alice',
      groups: Array.from({ length: 300 }, (_, i) => `group-${i}`),
    })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(now + 3600)
      .sign(new Uint8Array(32));
    const base = await serve(
      scriptedClient(
        {
          finish: async () => ({
            idToken: huge,
            refreshToken: 'r',
            expiresAt: (now + 3600) * 1000,
          }),
        },
        newCalls(),
      ),
    );
    const login = `__Host-canopy-login=${await sealer.seal('login', { ...PENDING }, 60)}`;
    const res = await get(`${base}/auth/callback?code=c&state=state-of-this-login`, login);
    expect(
      new URL(res.headers.get('location') ?? '', base).searchParams.get('sso_error'),
    ).toContain('too large to keep in a browser cookie');
    expect(res.headers.getSetCookie().some((c) => c.startsWith('__Host-canopy-session='))).toBe(
      false,
    );
  });

  it('refreshes a token that is due, and ends the session when the issuer refuses', async () => {
    const now = Math.floor(Date.now() / 1000);
    const old = await idToken(now - 50, now + 10);
    const fresh = await idToken(now, now + 60);
    const calls = newCalls();
    const sealed = await sealer.seal(
      'session',
      { idToken: old, refreshToken: 'r1', expiresAt: (now + 10) * 1000 },
      60,
    );
    let base = await serve(
      scriptedClient(
        {
          refresh: async () => ({
            idToken: fresh,
            refreshToken: 'r2',
            expiresAt: (now + 60) * 1000,
          }),
        },
        calls,
      ),
    );
    const res = await post(`${base}/auth/token`, { cookie: `__Host-canopy-session=${sealed}` });
    expect(((await res.json()) as { token: string }).token).toBe(fresh);
    expect(calls.refresh).toEqual(['r1']);
    const next = setCookie(res, '__Host-canopy-session').pair.split('=')[1] as string;
    expect(await sealer.open('session', next)).toMatchObject({
      idToken: fresh,
      refreshToken: 'r2',
    });

    await new Promise<void>((r) => server?.close(() => r()));
    base = await serve(scriptedClient({}, calls));
    const refused = await post(`${base}/auth/token`, { cookie: `__Host-canopy-session=${sealed}` });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { message: string }).message).toContain('sign in again');
    expect(setCookie(refused, '__Host-canopy-session').attributes).toContain('Max-Age=0');
  });

  it('refuses another origin, a missing session and a login cookie passed off as one', async () => {
    const now = Math.floor(Date.now() / 1000);
    const sealed = await sealer.seal(
      'session',
      { idToken: await idToken(now, now + 3600), expiresAt: (now + 3600) * 1000 },
      60,
    );
    const base = await serve(scriptedClient({}, newCalls()));
    const host = new URL(base).host;
    const cookie = `__Host-canopy-session=${sealed}`;
    expect(
      (await post(`${base}/auth/token`, { cookie, origin: 'https://evil.example' })).status,
    ).toBe(403);
    expect(
      (await post(`${base}/auth/logout`, { cookie, origin: 'https://evil.example' })).status,
    ).toBe(403);
    expect((await post(`${base}/auth/token`, { cookie, origin: `https://${host}` })).status).toBe(
      200,
    );
    expect((await post(`${base}/auth/token`)).status).toBe(401);
    const login = await sealer.seal('login', { ...PENDING }, 60);
    expect(
      (await post(`${base}/auth/token`, { cookie: `__Host-canopy-session=${login}` })).status,
    ).toBe(401);
    expect((await get(`${base}/auth/token`, cookie)).status).toBe(405);
  });

  it('signs out: the refresh token revoked, the cookie cleared, the issuer’s sign-out page named', async () => {
    const now = Math.floor(Date.now() / 1000);
    const calls = newCalls();
    const base = await serve(scriptedClient({}, calls));
    const sealed = await sealer.seal(
      'session',
      {
        idToken: await idToken(now, now + 3600),
        refreshToken: 'r9',
        expiresAt: (now + 3600) * 1000,
      },
      60,
    );
    const res = await post(`${base}/auth/logout`, { cookie: `__Host-canopy-session=${sealed}` });
    expect(await res.json()).toEqual({
      endSessionUrl: `${ISSUER}/session/end?post_logout_redirect_uri=https://${new URL(base).host}/ui/signin`,
    });
    expect(calls.revoke).toEqual(['r9']);
    expect(setCookie(res, '__Host-canopy-session').attributes).toContain('Max-Age=0');
  });
});

describe('refreshAt', () => {
  it.each([
    ['an hour’s token: a minute before expiry', 0, 3600, 3540_000],
    ['a 40 s token: a quarter of its life before expiry', 0, 40, 30_000],
    ['no iat: a minute before expiry', undefined, 3600, 3540_000],
    ['an iat after exp: as if it had no iat', 5000, 3600, 3540_000],
  ])('%s', (_name, iat, exp, at) => {
    expect(refreshAt(iat, exp)).toBe(at);
  });
});

describe('originOf', () => {
  it.each([
    ['portal.example.com:8443', 'https://portal.example.com:8443'],
    ['127.0.0.1:8443', 'https://127.0.0.1:8443'],
    ['[::1]:8443', 'https://[::1]:8443'],
    ['canopy.example.com', 'https://canopy.example.com'],
    [undefined, 'https://fallback:1'],
    ['evil.example/path?', 'https://fallback:1'],
    ['user@evil.example', 'https://fallback:1'],
    ['a b', 'https://fallback:1'],
  ])('Host %j → %s', (host, origin) => {
    const req = { headers: host === undefined ? {} : { host } } as IncomingMessage;
    expect(originOf(req, 'https://fallback:1')).toBe(origin);
  });
});

describe('cookiesOf', () => {
  it('reads the first of each name', () => {
    const cookies = cookiesOf({ headers: { cookie: 'a=1; b=x=y;c; a=2' } } as IncomingMessage);
    expect([...cookies]).toEqual([
      ['a', '1'],
      ['b', 'x=y'],
    ]);
  });
});
