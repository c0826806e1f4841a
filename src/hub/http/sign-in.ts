/**
 * "Sign in with <issuer>" (kedge's `/auth/*`): the hub is the OAuth client of the issuer the
 * API server trusts, runs the authorization code flow with PKCE, and hands the portal the ID
 * token, which the portal sends as its bearer, unchanged, so the API server decides.
 *
 * - `GET /auth/config`: `{oidc: {issuer, clientId}}` when sign-in is configured, else `{oidc: null}`.
 * - `GET /auth/authorize`: 302 to the issuer; the state, nonce and PKCE verifier go into a
 *   sealed cookie (`__Host-canopy-login`, 10 minutes, SameSite=Lax so it comes back with the
 *   issuer's redirect).
 * - `GET /auth/callback`: the issuer's answer. The code is exchanged; the ID token and the
 *   refresh token go into a sealed session cookie (`__Host-canopy-session`, HttpOnly,
 *   SameSite=Strict: script never reads it, other sites never send it), then 302 to the
 *   portal's `/ui/signin?sso=done` (no token in any URL). A refusal goes to
 *   `/ui/signin?sso_error=<why>`.
 * - `POST /auth/token`: the session's ID token `{token, expiresAt, refreshIn}`, refreshed
 *   with the refresh token first when it is due (`refreshIn` seconds after issue: a quarter
 *   of its life before expiry, at most a minute), so the portal asks again at `refreshIn`.
 *   401 without a session, or when the issuer refuses the refresh.
 * - `POST /auth/logout`: revokes the refresh token at the issuer, clears the cookie, and
 *   answers `{endSessionUrl}` (the issuer's sign-out page, back to `/ui/signin`) when the
 *   issuer has one.
 * POSTs whose `Origin` is another origin are refused (403), besides SameSite=Strict.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeJwt } from 'jose';
import { forbiddenMessage, notFoundPath, unauthorized } from '../../apimachinery/status.ts';
import { writeJson } from '../../apiserver/http/respond.ts';
import type { Logger } from '../../logging/logger.ts';
import type { OidcClient, PendingLogin, SignedIn } from '../sso/oidc-client.ts';
import type { Sealer } from '../sso/sealed.ts';
import { methodNotAllowed } from './providers-api.ts';

const LOGIN_COOKIE = '__Host-canopy-login';
const SESSION_COOKIE = '__Host-canopy-session';
const LOGIN_TTL_SECONDS = 600;
/** Browsers keep cookies of at most this size (name, value and attributes) and drop larger ones silently. */
const MAX_COOKIE_BYTES = 4096;
/** A session lasts at most this long without signing in again (as long as the issuer refreshes). */
const SESSION_TTL_SECONDS = 12 * 3600;
/** A refresh due this close is done now (the portal's timer may fire a little early). */
const EARLY_MS = 2000;

/** What the routes use of the OpenID client (`sso/oidc-client.ts`). */
export type SignInClient = Pick<
  OidcClient,
  'issuer' | 'clientId' | 'authorizationUrl' | 'finish' | 'refresh' | 'revoke' | 'endSessionUrl'
>;

export interface SignInOptions {
  /** Undefined: sign-in with an issuer is not configured. */
  readonly client: SignInClient | undefined;
  readonly sealer: Sealer;
  /** The hub's own URL, for a request without a usable Host header. */
  readonly baseUrl: () => string;
  readonly log: Logger;
}

const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/**
 * The hub's origin as this browser reaches it (`https://<Host>`), so the redirect URI, the
 * post-logout URI and the cookies all belong to the address the portal was opened at,
 * whatever name or proxy leads there; the issuer accepts only registered redirect URIs, so
 * a forged Host can only fail the sign-in.
 */
export function originOf(req: IncomingMessage, fallback: string): string {
  const host = req.headers.host;
  return host && HOST.test(host) ? `https://${host}` : fallback;
}

/** Cookies of a request by name (the first of each name). */
export function cookiesOf(req: IncomingMessage): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    if (!cookies.has(name)) cookies.set(name, pair.slice(eq + 1).trim());
  }
  return cookies;
}

function cookie(name: string, value: string, sameSite: 'Lax' | 'Strict', maxAge: number): string {
  return `${name}=${value}; Path=/; Secure; HttpOnly; SameSite=${sameSite}; Max-Age=${maxAge}`;
}

/** When (ms since the epoch) a token valid from `iat` to `exp` (seconds) should be refreshed. */
export function refreshAt(iat: number | undefined, exp: number): number {
  const lifetime = iat !== undefined && iat < exp ? exp - iat : 240;
  return (exp - Math.min(60, lifetime / 4)) * 1000;
}

function redirect(res: ServerResponse, location: string, cookies: string[] = []): void {
  res.writeHead(302, {
    Location: location,
    'Cache-Control': 'no-store',
    ...(cookies.length > 0 ? { 'Set-Cookie': cookies } : {}),
  });
  res.end();
}

const METHODS: ReadonlyMap<string, 'GET' | 'POST'> = new Map([
  ['/auth/config', 'GET'],
  ['/auth/authorize', 'GET'],
  ['/auth/callback', 'GET'],
  ['/auth/token', 'POST'],
  ['/auth/logout', 'POST'],
]);

export function signInApi(options: SignInOptions) {
  const { client, sealer, log } = options;

  function sameOrigin(req: IncomingMessage): void {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== originOf(req, options.baseUrl()))
      throw forbiddenMessage(`requests from ${origin} may not use the hub's sign-in session`);
  }

  async function session(req: IncomingMessage): Promise<SignedIn | undefined> {
    const sealed = cookiesOf(req).get(SESSION_COOKIE);
    const value = sealed ? await sealer.open('session', sealed) : undefined;
    if (!value || typeof value.idToken !== 'string' || typeof value.expiresAt !== 'number')
      return undefined;
    return {
      idToken: value.idToken,
      expiresAt: value.expiresAt,
      ...(typeof value.refreshToken === 'string' ? { refreshToken: value.refreshToken } : {}),
    };
  }

  /** The session's cookie; throws, saying what to do, when browsers would drop it for its size. */
  async function sessionCookie(signedIn: SignedIn): Promise<string> {
    const sealed = await sealer.seal('session', { ...signedIn }, SESSION_TTL_SECONDS);
    const value = cookie(SESSION_COOKIE, sealed, 'Strict', SESSION_TTL_SECONDS);
    if (value.length > MAX_COOKIE_BYTES)
      throw new Error(
        `the issuer's tokens are too large to keep in a browser cookie (${value.length} bytes sealed; browsers keep ${MAX_COOKIE_BYTES}): have the issuer put fewer claims, such as groups, into the ID token`,
      );
    return value;
  }

  const cleared = (name: string, sameSite: 'Lax' | 'Strict') => cookie(name, '', sameSite, 0);

  async function authorize(req: IncomingMessage, res: ServerResponse, oidc: SignInClient) {
    let target: { url: URL; pending: PendingLogin };
    try {
      target = await oidc.authorizationUrl(`${originOf(req, options.baseUrl())}/auth/callback`);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'cannot start a sign-in');
      redirect(res, `/ui/signin?${new URLSearchParams({ sso_error: (err as Error).message })}`);
      return;
    }
    const sealed = await sealer.seal('login', { ...target.pending }, LOGIN_TTL_SECONDS);
    redirect(res, target.url.toString(), [cookie(LOGIN_COOKIE, sealed, 'Lax', LOGIN_TTL_SECONDS)]);
  }

  async function callback(req: IncomingMessage, res: ServerResponse, oidc: SignInClient) {
    const url = new URL(req.url ?? '/', originOf(req, options.baseUrl()));
    const fail = (why: string) =>
      redirect(res, `/ui/signin?${new URLSearchParams({ sso_error: why })}`, [
        cleared(LOGIN_COOKIE, 'Lax'),
      ]);
    const error = url.searchParams.get('error');
    if (error) {
      const description = url.searchParams.get('error_description');
      return fail(`${oidc.issuer} refused the sign-in: ${description || error}`);
    }
    const sealed = cookiesOf(req).get(LOGIN_COOKIE);
    const pending = sealed ? await sealer.open('login', sealed) : undefined;
    if (
      !pending ||
      typeof pending.state !== 'string' ||
      typeof pending.nonce !== 'string' ||
      typeof pending.verifier !== 'string'
    ) {
      return fail(
        'this sign-in was not started here or took longer than 10 minutes: sign in again',
      );
    }
    let signedIn: SignedIn;
    try {
      signedIn = await oidc.finish(url, {
        state: pending.state,
        nonce: pending.nonce,
        verifier: pending.verifier,
      });
    } catch (err) {
      log.warn({ err: (err as Error).message, issuer: oidc.issuer }, 'sign-in failed');
      return fail(`the sign-in with ${oidc.issuer} failed: ${(err as Error).message}`);
    }
    let sessionValue: string;
    try {
      sessionValue = await sessionCookie(signedIn);
    } catch (err) {
      log.warn({ err: (err as Error).message, issuer: oidc.issuer }, 'sign-in failed');
      return fail((err as Error).message);
    }
    redirect(res, '/ui/signin?sso=done', [cleared(LOGIN_COOKIE, 'Lax'), sessionValue]);
  }

  async function token(req: IncomingMessage, res: ServerResponse, oidc: SignInClient) {
    sameOrigin(req);
    let current = await session(req);
    if (!current) throw unauthorized(`not signed in with ${oidc.issuer}`);
    const { iat, exp } = decodeJwt(current.idToken);
    const due = refreshAt(iat, exp ?? current.expiresAt / 1000);
    const cookies: string[] = [];
    if (Date.now() >= due - EARLY_MS) {
      if (!current.refreshToken) {
        if (Date.now() >= current.expiresAt) {
          res.setHeader('Set-Cookie', cleared(SESSION_COOKIE, 'Strict'));
          throw unauthorized(`the session with ${oidc.issuer} has expired: sign in again`);
        }
      } else {
        try {
          current = await oidc.refresh(current.refreshToken);
        } catch (err) {
          log.info({ err: (err as Error).message, issuer: oidc.issuer }, 'refresh refused');
          res.setHeader('Set-Cookie', cleared(SESSION_COOKIE, 'Strict'));
          throw unauthorized(
            `${oidc.issuer} no longer refreshes this session (signed out or revoked): sign in again`,
          );
        }
        try {
          cookies.push(await sessionCookie(current));
        } catch (err) {
          res.setHeader('Set-Cookie', cleared(SESSION_COOKIE, 'Strict'));
          throw unauthorized((err as Error).message);
        }
      }
    }
    const claims = decodeJwt(current.idToken);
    const next = refreshAt(claims.iat, claims.exp ?? current.expiresAt / 1000);
    if (cookies.length > 0) res.setHeader('Set-Cookie', cookies);
    res.setHeader('Cache-Control', 'no-store');
    writeJson(res, 200, {
      token: current.idToken,
      expiresAt: new Date(current.expiresAt).toISOString(),
      ...(current.refreshToken
        ? { refreshIn: Math.max(1, Math.ceil((next - Date.now()) / 1000)) }
        : {}),
    });
  }

  async function logout(req: IncomingMessage, res: ServerResponse, oidc: SignInClient) {
    sameOrigin(req);
    const current = await session(req);
    if (current?.refreshToken) {
      await oidc.revoke(current.refreshToken).catch((err: unknown) => {
        log.warn({ err: (err as Error).message, issuer: oidc.issuer }, 'cannot revoke a session');
      });
    }
    const endSessionUrl = await oidc
      .endSessionUrl(`${originOf(req, options.baseUrl())}/ui/signin`)
      .catch(() => undefined);
    res.setHeader('Set-Cookie', cleared(SESSION_COOKIE, 'Strict'));
    writeJson(res, 200, endSessionUrl ? { endSessionUrl } : {});
  }

  return async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const expected = METHODS.get(path);
    if (!expected) throw notFoundPath(path);
    if (req.method !== expected) throw methodNotAllowed(req.method);
    if (path === '/auth/config') {
      writeJson(res, 200, {
        oidc: client ? { issuer: client.issuer, clientId: client.clientId } : null,
      });
      return;
    }
    if (!client) throw notFoundPath('sign-in with an OpenID Connect issuer is not configured');
    switch (path) {
      case '/auth/authorize':
        return authorize(req, res, client);
      case '/auth/callback':
        return callback(req, res, client);
      case '/auth/token':
        return token(req, res, client);
      default:
        return logout(req, res, client);
    }
  };
}
