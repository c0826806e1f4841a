/**
 * Bearer tokens of OpenID Connect issuers (`--oidc-*`, `--authentication-config`). A token is
 * routed by its unverified `iss` to the one authenticator of that issuer (issuers are unique);
 * a token of no configured issuer is left to the other authenticators. A token of a configured
 * issuer that does not verify is a 401 saying nothing more; the reason goes to the log (at
 * most once a minute per reason, so a flood of bad tokens cannot flood it).
 *
 * Verification is cached per token (by its SHA-256) for `cacheTtlMs` (kube-apiserver's token
 * success cache: 10 s), never past the token's `exp`: a client sending the same token on every
 * request pays for the signature and the CEL rules once per interval.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LRUCache } from 'lru-cache';
import { unauthorized } from '../../../apimachinery/status.ts';
import type { Logger } from '../../../logging/logger.ts';
import type { UserInfo } from '../../rest/scope.ts';
import { type Authenticator, bearerToken } from '../authenticator.ts';
import type { JwtAuthenticatorSpec } from './authentication-config.ts';
import { fetchJson } from './fetch-json.ts';
import { IssuerKeys, type IssuerKeysOptions } from './issuer-keys.ts';
import { JwtVerifier, TokenRefused } from './jwt-verifier.ts';

export interface OidcAuthenticatorOptions {
  readonly logger?: Logger;
  /** Milliseconds since the epoch (tests). */
  readonly now?: () => number;
  readonly cacheTtlMs?: number;
  readonly cacheSize?: number;
  /** GETs JSON from an issuer (tests); fetch-json.ts with the issuer's CA otherwise. */
  readonly fetch?: (url: string, ca: string | undefined) => Promise<unknown>;
  /** Key-set timing (tests). */
  readonly keys?: Pick<IssuerKeysOptions, 'minRefreshIntervalMs' | 'maxAgeMs' | 'retryMs'>;
  /** A verification that was not answered from the cache: its issuer, duration, outcome. */
  readonly onVerify?: (issuer: string, seconds: number, ok: boolean) => void;
  /** A fetch of an issuer's discovery document and keys, and its error if it failed. */
  readonly onKeysFetched?: (issuer: string, error: Error | undefined) => void;
}

export const DEFAULT_CACHE_TTL_MS = 10_000;
const DEFAULT_CACHE_SIZE = 10_000;
const LOG_INTERVAL_MS = 60_000;

interface Cached {
  readonly user: UserInfo;
}

export class OidcAuthenticator implements Authenticator {
  private readonly verifiers = new Map<string, JwtVerifier>();
  private readonly keys: IssuerKeys[] = [];
  private readonly cache: LRUCache<string, Cached>;
  private readonly options: OidcAuthenticatorOptions;
  private readonly now: () => number;
  private readonly logged = new Map<string, number>();

  constructor(specs: readonly JwtAuthenticatorSpec[], options: OidcAuthenticatorOptions = {}) {
    this.options = options;
    this.now = options.now ?? Date.now;
    const get =
      options.fetch ?? ((url: string, ca: string | undefined) => fetchJson(url, ca ? { ca } : {}));
    for (const spec of specs) {
      const keys = new IssuerKeys({
        issuerUrl: spec.issuerUrl,
        discoveryUrl: spec.discoveryUrl,
        fetch: (url) => get(url, spec.ca),
        now: this.now,
        ...options.keys,
        onFetch: (error) => {
          options.onKeysFetched?.(spec.issuerUrl, error);
          if (error) this.note(`oidc: fetching the keys of ${spec.issuerUrl}: ${error.message}`);
        },
      });
      this.keys.push(keys);
      this.verifiers.set(spec.issuerUrl, new JwtVerifier(spec, keys, this.now));
    }
    this.cache = new LRUCache<string, Cached>({
      max: options.cacheSize ?? DEFAULT_CACHE_SIZE,
      ttlAutopurge: false,
      // Read the clock on every lookup: a token must not outlive its exp by a cached "now".
      ttlResolution: 0,
      perf: { now: this.now },
    });
  }

  /** The configured issuers. */
  get issuers(): string[] {
    return [...this.verifiers.keys()];
  }

  /** Starts fetching every issuer's keys (retried in the background until they answer). */
  start(): void {
    for (const k of this.keys) k.start();
  }

  stop(): void {
    for (const k of this.keys) k.stop();
  }

  async authenticate(req: IncomingMessage): Promise<UserInfo | undefined> {
    const token = bearerToken(req);
    if (!token) return undefined;
    return this.authenticateToken(token);
  }

  /** The user of a token; undefined when no configured issuer issued it; 401 when it does not verify. */
  async authenticateToken(token: string): Promise<UserInfo | undefined> {
    const verifier = this.verifiers.get(untrustedIssuer(token) ?? '');
    if (!verifier) return undefined;
    const key = createHash('sha256').update(token).digest('base64');
    const hit = this.cache.get(key);
    if (hit) return hit.user;
    const started = performance.now();
    try {
      const { user, expiresAt } = await verifier.verify(token);
      this.options.onVerify?.(verifier.spec.issuerUrl, (performance.now() - started) / 1000, true);
      const ttl = Math.min(
        this.options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS,
        expiresAt * 1000 - this.now(),
      );
      if (ttl > 0) this.cache.set(key, { user }, { ttl });
      return user;
    } catch (err) {
      this.options.onVerify?.(verifier.spec.issuerUrl, (performance.now() - started) / 1000, false);
      if (err instanceof TokenRefused) {
        this.note(err.message);
        throw unauthorized();
      }
      throw err;
    }
  }

  /** Logs a refusal reason, once per reason per minute. */
  private note(message: string): void {
    const now = this.now();
    const last = this.logged.get(message);
    if (last !== undefined && now - last < LOG_INTERVAL_MS) return;
    if (this.logged.size > 1000) this.logged.clear();
    this.logged.set(message, now);
    this.options.logger?.warn({ reason: message }, 'Unable to authenticate the request');
  }
}

/**
 * The `iss` of a compact JWT, unverified (only to pick the authenticator that verifies it);
 * undefined for anything else. `accounts.google.com` is Google's legacy spelling of its issuer.
 */
export function untrustedIssuer(token: string): string | undefined {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first <= 0 || second <= first + 1 || token.indexOf('.', second + 1) !== -1) return undefined;
  try {
    const claims: unknown = JSON.parse(
      Buffer.from(token.slice(first + 1, second), 'base64url').toString('utf8'),
    );
    if (typeof claims !== 'object' || claims === null) return undefined;
    const iss = (claims as { iss?: unknown }).iss;
    if (typeof iss !== 'string') return undefined;
    return iss === 'accounts.google.com' ? 'https://accounts.google.com' : iss;
  } catch {
    return undefined;
  }
}
