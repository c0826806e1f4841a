/**
 * The hub as an OpenID Connect client (openid-client, a certified relying party): the
 * authorization code flow with PKCE (S256), state and nonce; the refresh grant; revocation
 * and RP-initiated sign-out where the issuer offers them. The issuer is discovered on first
 * use and again after a failure, so the hub starts while the issuer is down. Its TLS is
 * checked against `ca` (PEM) when given, else the system's roots.
 *
 * The ID token the issuer returns is what the API server verifies on every request (the
 * hub passes it on unchanged); here openid-client checks what a relying party must (issuer,
 * audience, expiry, nonce, state, PKCE), over TLS straight from the token endpoint.
 */
import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';

export interface OidcClientOptions {
  /** The issuer (`iss`), as the API server's `--oidc-issuer-url`. */
  readonly issuerUrl: string;
  /** The hub's client ID: an audience the API server accepts (`--oidc-client-id`). */
  readonly clientId: string;
  /** A confidential client's secret (sent as client_secret_post); absent: a public client, PKCE only. */
  readonly clientSecret?: string;
  /** PEM CA certificates for the issuer's TLS. */
  readonly ca?: string;
}

/** What a sign-in in progress must remember until the issuer sends the browser back. */
export interface PendingLogin {
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
}

export interface SignedIn {
  readonly idToken: string;
  readonly refreshToken?: string;
  /** When the ID token expires (ms since the epoch). */
  readonly expiresAt: number;
}

/** Scopes asked for when the issuer lists them (`openid` always): groups and a refresh token. */
const WANTED_SCOPES = ['email', 'profile', 'groups', 'offline_access'];
const TIMEOUT_SECONDS = 30;

export class OidcClient {
  readonly issuer: string;
  readonly clientId: string;
  readonly #options: OidcClientOptions;
  readonly #agent: Agent | undefined;
  #config: Promise<oidc.Configuration> | undefined;

  constructor(options: OidcClientOptions) {
    this.#options = options;
    this.issuer = options.issuerUrl;
    this.clientId = options.clientId;
    this.#agent = options.ca ? new Agent({ connect: { ca: options.ca } }) : undefined;
  }

  /** The issuer's metadata, discovered once (again after a failure). */
  configuration(): Promise<oidc.Configuration> {
    if (!this.#config) {
      const { clientSecret } = this.#options;
      const agent = this.#agent;
      this.#config = oidc
        .discovery(
          new URL(this.issuer),
          this.clientId,
          clientSecret ? { client_secret: clientSecret } : undefined,
          clientSecret ? oidc.ClientSecretPost(clientSecret) : oidc.None(),
          {
            timeout: TIMEOUT_SECONDS,
            ...(agent
              ? {
                  [oidc.customFetch]: (url: string, options: oidc.CustomFetchOptions) =>
                    undiciFetch(url, {
                      ...options,
                      dispatcher: agent,
                    }) as Promise<Response>,
                }
              : {}),
          },
        )
        .catch((err: unknown) => {
          this.#config = undefined;
          throw new Error(
            `cannot discover the OpenID issuer ${this.issuer}: ${(err as Error).message}`,
          );
        });
    }
    return this.#config;
  }

  /** Where to send the browser to sign in, and what to remember until it comes back. */
  async authorizationUrl(redirectUri: string): Promise<{ url: URL; pending: PendingLogin }> {
    const config = await this.configuration();
    const supported = config.serverMetadata().scopes_supported ?? [];
    const scope = ['openid', ...WANTED_SCOPES.filter((s) => supported.includes(s))].join(' ');
    const pending: PendingLogin = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      verifier: oidc.randomPKCECodeVerifier(),
    };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope,
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
    });
    return { url, pending };
  }

  /** The issuer's answer at the redirect URI (`callback`, the whole URL) exchanged for tokens. */
  async finish(callback: URL, pending: PendingLogin): Promise<SignedIn> {
    const config = await this.configuration();
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: pending.verifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    return signedIn(tokens, undefined);
  }

  /** New tokens for a refresh token (the issuer may rotate it; the old one is kept if not). */
  async refresh(refreshToken: string): Promise<SignedIn> {
    const config = await this.configuration();
    const tokens = await oidc.refreshTokenGrant(config, refreshToken);
    if (!tokens.id_token) throw new Error('the issuer answered the refresh without an ID token');
    return signedIn(tokens, refreshToken);
  }

  /** Revokes a refresh token where the issuer supports it; a failure only costs the issuer's copy. */
  async revoke(refreshToken: string): Promise<void> {
    const config = await this.configuration();
    if (!config.serverMetadata().revocation_endpoint) return;
    await oidc.tokenRevocation(config, refreshToken, { token_type_hint: 'refresh_token' });
  }

  /** The issuer's RP-initiated sign-out page, if it has one, coming back to `returnTo`. */
  async endSessionUrl(returnTo: string): Promise<string | undefined> {
    const config = await this.configuration();
    if (!config.serverMetadata().end_session_endpoint) return undefined;
    return oidc
      .buildEndSessionUrl(config, { client_id: this.clientId, post_logout_redirect_uri: returnTo })
      .toString();
  }

  close(): void {
    void this.#agent?.close();
  }
}

function signedIn(
  tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers,
  previousRefreshToken: string | undefined,
): SignedIn {
  const idToken = tokens.id_token as string;
  const exp = decodeJwt(idToken).exp;
  if (typeof exp !== 'number') throw new Error('the ID token has no exp claim');
  const refreshToken = tokens.refresh_token ?? previousRefreshToken;
  return { idToken, expiresAt: exp * 1000, ...(refreshToken ? { refreshToken } : {}) };
}
