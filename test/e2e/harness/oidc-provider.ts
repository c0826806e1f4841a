/**
 * A real OpenID Connect provider on loopback for the end-to-end tests and benchmarks: the npm
 * package `oidc-provider` (a certified implementation), over HTTPS with a certificate from a
 * CA of its own (what `--oidc-ca-file` names). It serves discovery, JWKS, the authorization
 * endpoint with its sign-in page (the package's development interactions: a login form;
 * the login must be one of `accounts`), the token endpoint (authorization code with PKCE,
 * refresh tokens), revocation and end-session.
 *
 * Tests get ID tokens the way a browser does, through the sign-in page (`login`), or forge
 * them with the provider's own signing key (`sign`) for the cases a well-behaved provider never
 * produces (expired, wrong audience, …). `restart` brings it back on the same address with new
 * keys: key rotation as an issuer does it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import Provider, { type ClientMetadata } from 'oidc-provider';
import { issueServingCertificate, loadOrCreateCA } from '../../../src/apiserver/tls/pki.ts';

export type Claims = Record<string, unknown>;

export interface TestClient {
  readonly clientId: string;
  /** Absent: a public client (PKCE only). */
  readonly clientSecret?: string;
  readonly redirectUris: readonly string[];
  /** Where the issuer's sign-out page may send the browser back to. */
  readonly postLogoutRedirectUris?: readonly string[];
}

export interface OidcProviderOptions {
  /** Login → the claims of that account (`sub` defaults to the login). */
  readonly accounts: Readonly<Record<string, Claims>>;
  readonly clients: readonly TestClient[];
  /** Seconds an ID token is valid (default 3600). */
  readonly idTokenTtl?: number;
}

export interface Tokens {
  readonly idToken: string;
  readonly accessToken: string;
  readonly refreshToken?: string;
}

interface PrivateKey {
  readonly jwk: JWK;
}

async function newKey(kid: string): Promise<PrivateKey> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { jwk: { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' } };
}

export class TestOidcProvider {
  readonly dir: string;
  readonly caFile: string;
  readonly caPem: string;
  issuer = '';
  private server: Server | undefined;
  private keys: PrivateKey[] = [];
  private readonly options: OidcProviderOptions;
  /** The registered clients; `register` changes them. */
  private clients: TestClient[];
  private readonly tls: { cert: string; key: string };
  private generation = 0;

  private constructor(
    options: OidcProviderOptions,
    dir: string,
    ca: string,
    tls: { cert: string; key: string },
  ) {
    this.options = options;
    this.clients = [...options.clients];
    this.dir = dir;
    this.caPem = ca;
    this.caFile = join(dir, 'ca.crt');
    writeFileSync(this.caFile, ca);
    this.tls = tls;
  }

  static async start(options: OidcProviderOptions): Promise<TestOidcProvider> {
    const dir = mkdtempSync(join(tmpdir(), 'canopy-oidc-'));
    const ca = await loadOrCreateCA(dir);
    const tls = await issueServingCertificate(ca, ['127.0.0.1', 'localhost']);
    const provider = new TestOidcProvider(options, dir, ca.cert, tls);
    provider.keys = [await newKey('key-1')];
    await provider.listen(0);
    return provider;
  }

  /** The key ID tokens are signed with now. */
  get kid(): string {
    return String(this.keys[0]?.jwk.kid);
  }

  /** Stops and starts again on the same address: with `rotate`, a new key signs (the old one is dropped). */
  async restart(options: { rotate?: boolean } = {}): Promise<void> {
    const port = new URL(this.issuer).port;
    await this.stopServer();
    if (options.rotate) this.keys = [await newKey(`key-${++this.generation + 1}`)];
    await this.listen(port);
  }

  /**
   * Registers `client` anew (replacing the one with its ID), e.g. with a redirect URI on a
   * port known only once the hub listens; a restart on the same address with the same keys.
   */
  async register(client: TestClient): Promise<void> {
    this.clients = [...this.clients.filter((c) => c.clientId !== client.clientId), client];
    await this.restart();
  }

  /** A token signed with the provider's current key: for claims no real sign-in produces. */
  async sign(claims: Claims, header: Record<string, unknown> = {}): Promise<string> {
    const key = this.keys[0] as PrivateKey;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: String(key.jwk.kid), ...header })
      .sign(await importJWK(key.jwk, 'RS256'));
  }

  /**
   * Signs in as `login` through the provider's pages, as a browser would (authorization code
   * with PKCE), and exchanges the code for tokens.
   */
  async login(
    login: string,
    client: TestClient,
    scope = 'openid email profile groups',
  ): Promise<Tokens> {
    const verifier = randomBytes(32).toString('base64url');
    const redirectUri = client.redirectUris[0] as string;
    const params = new URLSearchParams({
      client_id: client.clientId,
      response_type: 'code',
      scope,
      redirect_uri: redirectUri,
      state: randomBytes(8).toString('hex'),
      nonce: randomBytes(8).toString('hex'),
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    const callback = await this.signIn(`${this.issuer}/auth?${params}`, login, redirectUri);
    const code = new URL(callback).searchParams.get('code');
    if (!code) throw new Error(`no code in ${callback}`);
    return this.exchange(client, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    });
  }

  /**
   * Follows an authorization URL (anyone's, such as the hub's) through the provider's
   * sign-in page as `login`, as a browser would, and returns where the provider sends the
   * browser back: `redirectUri` with the code and state (or an error).
   */
  async signIn(authorizationUrl: string, login: string, redirectUri: string): Promise<string> {
    const jar = new Map<string, string>();
    let res = await this.fetch(authorizationUrl, { jar });
    for (let step = 0; step < 10; step++) {
      const location = res.headers.location;
      if (typeof location !== 'string') {
        throw new Error(`sign-in stopped at ${res.status}: ${res.body.slice(0, 500)}`);
      }
      if (location.startsWith(redirectUri)) return location;
      res = await this.fetch(location, { jar });
      if (res.status === 200) {
        // The sign-in page: post its form with the login.
        const action = /<form[^>]*action="([^"]+)"/.exec(res.body)?.[1]?.replaceAll('&amp;', '&');
        const prompt = /name="prompt" value="([^"]+)"/.exec(res.body)?.[1] ?? 'login';
        if (!action) throw new Error(`no form on ${location}: ${res.body.slice(0, 500)}`);
        res = await this.fetch(action, {
          jar,
          method: 'POST',
          form: prompt === 'login' ? { prompt, login, password: 'any' } : { prompt },
        });
      }
    }
    throw new Error('sign-in did not finish in 10 steps');
  }

  /** A refresh grant: new tokens for a refresh token. */
  refresh(client: TestClient, refreshToken: string): Promise<Tokens> {
    return this.exchange(client, { grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  async stop(): Promise<void> {
    await this.stopServer();
    rmSync(this.dir, { recursive: true, force: true });
  }

  // ---------------------------------------------------------------------------------------

  private async exchange(client: TestClient, form: Record<string, string>): Promise<Tokens> {
    const res = await this.fetch('/token', {
      method: 'POST',
      form: {
        ...form,
        client_id: client.clientId,
        ...(client.clientSecret ? { client_secret: client.clientSecret } : {}),
      },
    });
    if (res.status !== 200) throw new Error(`token endpoint: ${res.status} ${res.body}`);
    const body = JSON.parse(res.body) as {
      id_token: string;
      access_token: string;
      refresh_token?: string;
    };
    return {
      idToken: body.id_token,
      accessToken: body.access_token,
      ...(body.refresh_token ? { refreshToken: body.refresh_token } : {}),
    };
  }

  private async listen(port: number | string): Promise<void> {
    let handler: ((req: never, res: never) => void) | undefined;
    const server = createServer({ cert: this.tls.cert, key: this.tls.key }, (req, res) =>
      (handler as (q: typeof req, s: typeof res) => void)(req, res),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(Number(port), '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const accounts = this.options.accounts;
    const provider = new Provider(this.issuer, {
      clients: this.clients.map(
        (c): ClientMetadata => ({
          client_id: c.clientId,
          ...(c.clientSecret
            ? { client_secret: c.clientSecret, token_endpoint_auth_method: 'client_secret_post' }
            : { token_endpoint_auth_method: 'none' }),
          redirect_uris: [...c.redirectUris],
          post_logout_redirect_uris: [...(c.postLogoutRedirectUris ?? [])],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
        }),
      ),
      jwks: { keys: this.keys.map((k) => k.jwk) },
      cookies: { keys: ['canopy-test-cookie-key'] },
      claims: {
        openid: ['sub'],
        email: ['email', 'email_verified'],
        profile: ['name', 'preferred_username'],
        groups: ['groups'],
      },
      // Claims of the requested scopes go into the ID token, which is all the API server sees.
      conformIdTokenClaims: false,
      features: { devInteractions: { enabled: true }, revocation: { enabled: true } },
      pkce: { required: () => true },
      ttl: {
        IdToken: this.options.idTokenTtl ?? 3600,
        AccessToken: 3600,
        RefreshToken: 86_400,
        Grant: 86_400,
        Session: 86_400,
        Interaction: 600,
      },
      // First-party clients: no consent page, and a refresh token without offline_access.
      loadExistingGrant: async (ctx) => {
        const grant = new ctx.oidc.provider.Grant({
          clientId: ctx.oidc.client?.clientId,
          accountId: ctx.oidc.session?.accountId,
        });
        grant.addOIDCScope('openid email profile groups offline_access');
        grant.addOIDCClaims([
          'sub',
          'email',
          'email_verified',
          'name',
          'preferred_username',
          'groups',
        ]);
        await grant.save();
        return grant;
      },
      issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
      findAccount: async (_ctx, id) => {
        const claims = accounts[id];
        if (!claims) return undefined;
        return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
      },
    });
    handler = provider.callback() as typeof handler;
  }

  private async stopServer(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }

  private fetch(
    pathOrUrl: string,
    options: { jar?: Map<string, string>; method?: string; form?: Record<string, string> },
  ): Promise<{
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: string;
  }> {
    const url = new URL(pathOrUrl, this.issuer);
    const body = options.form ? new URLSearchParams(options.form).toString() : undefined;
    const jar = options.jar;
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: options.method ?? 'GET',
          ca: this.caPem,
          headers: {
            ...(jar && jar.size > 0
              ? { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') }
              : {}),
            ...(body
              ? {
                  'content-type': 'application/x-www-form-urlencoded',
                  'content-length': String(Buffer.byteLength(body)),
                }
              : {}),
          },
        },
        (res) => {
          for (const c of res.headers['set-cookie'] ?? []) {
            const [pair] = c.split(';');
            const eq = pair?.indexOf('=') ?? -1;
            if (pair && eq > 0) jar?.set(pair.slice(0, eq), pair.slice(eq + 1));
          }
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            text += d;
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }
}
