/**
 * The signing keys of one OpenID provider: its discovery document (whose `issuer` must be
 * the configured URL exactly) names `jwks_uri`, whose key set verifies tokens. Fetched at
 * start-up and retried until it works (a provider may come up after the server, as
 * kube-apiserver allows), kept, and fetched again when a token names a key the set lacks
 * (the provider rotated its keys) or the set is older than `maxAgeMs` (a key it withdrew
 * stops verifying).
 *
 * Fetches are bounded: at most one in flight, and none sooner than `minRefreshIntervalMs`
 * after the previous attempt, so a flood of tokens naming made-up key IDs costs the provider
 * one request per interval, and its holders a 401.
 */
import {
  type CompactVerifyGetKey,
  createLocalJWKSet,
  errors,
  type JWK,
  type LocalJWKSet,
} from 'jose';
import { isJsonObject } from '../../../apimachinery/meta.ts';

export interface IssuerKeysOptions {
  readonly issuerUrl: string;
  /** `{issuerUrl}/.well-known/openid-configuration` unless configured otherwise. */
  readonly discoveryUrl: string;
  /** GETs a JSON document (fetch-json.ts with the issuer's CA; tests pass their own). */
  readonly fetch: (url: string) => Promise<unknown>;
  /** Milliseconds since the epoch (tests). */
  readonly now?: () => number;
  /** The least time between two fetches of the key set (default 10 s). */
  readonly minRefreshIntervalMs?: number;
  /** A key set this old is fetched again, in the background, on its next use (default 10 min). */
  readonly maxAgeMs?: number;
  /** How often the first fetch is retried until it succeeds (default 10 s). */
  readonly retryMs?: number;
  /** Told of every fetch and how it went (metrics, logs). */
  readonly onFetch?: (error: Error | undefined) => void;
}

export const DEFAULT_MIN_REFRESH_INTERVAL_MS = 10_000;
export const DEFAULT_MAX_AGE_MS = 10 * 60_000;

export class IssuerKeys {
  private readonly options: IssuerKeysOptions;
  private readonly now: () => number;
  private readonly minInterval: number;
  private readonly maxAge: number;
  private set: LocalJWKSet | undefined;
  private fetchedAt = 0;
  private attemptedAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | undefined;
  private lastError: Error | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(options: IssuerKeysOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.minInterval = options.minRefreshIntervalMs ?? DEFAULT_MIN_REFRESH_INTERVAL_MS;
    this.maxAge = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  }

  /** Fetches the keys now, and keeps retrying in the background until they are there. */
  start(): void {
    const attempt = () => {
      this.retry = undefined;
      if (this.stopped || this.set) return;
      void this.refresh().then(() => {
        if (!this.set && !this.stopped) {
          this.retry = setTimeout(attempt, this.options.retryMs ?? DEFAULT_MIN_REFRESH_INTERVAL_MS);
          this.retry.unref();
        }
      });
    };
    attempt();
  }

  stop(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
  }

  /** Whether a key set is there (the provider answered at least once). */
  get ready(): boolean {
    return this.set !== undefined;
  }

  /**
   * The key resolver for jose's `compactVerify`: the key the token's header names, after one
   * bounded refresh when the set has no such key. Throws when there is none.
   */
  readonly getKey: CompactVerifyGetKey = async (header, token) => {
    if (this.set && this.now() - this.fetchedAt > this.maxAge) void this.refresh();
    if (!this.set) await this.refresh();
    const set = this.set;
    if (!set) {
      throw new Error(
        `the keys of ${this.options.issuerUrl} are not available yet: ${this.lastError?.message ?? 'not fetched'}`,
      );
    }
    try {
      return await set(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
      const before = this.set;
      await this.refresh();
      if (this.set === before || !this.set) throw err;
      return this.set(header, token);
    }
  };

  /** One fetch of discovery and keys, unless one is running (joined) or ran too recently. */
  refresh(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    if (this.now() - this.attemptedAt < this.minInterval) return Promise.resolve();
    this.attemptedAt = this.now();
    this.inFlight = this.load()
      .then(
        (set) => {
          this.set = set;
          this.fetchedAt = this.now();
          this.lastError = undefined;
          this.options.onFetch?.(undefined);
        },
        (err: unknown) => {
          this.lastError = err instanceof Error ? err : new Error(String(err));
          this.options.onFetch?.(this.lastError);
        },
      )
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }

  private async load(): Promise<LocalJWKSet> {
    const { issuerUrl, discoveryUrl } = this.options;
    const discovery = await this.options.fetch(discoveryUrl);
    if (!isJsonObject(discovery)) throw new Error(`${discoveryUrl} is not a JSON object`);
    if (discovery.issuer !== issuerUrl) {
      throw new Error(
        `oidc: issuer did not match the issuer returned by provider, expected "${issuerUrl}" got "${String(discovery.issuer)}"`,
      );
    }
    const jwksUri = discovery.jwks_uri;
    if (typeof jwksUri !== 'string' || !jwksUri.startsWith('https://')) {
      throw new Error(`${discoveryUrl} names no https jwks_uri`);
    }
    const jwks = await this.options.fetch(jwksUri);
    if (!isJsonObject(jwks) || !Array.isArray(jwks.keys)) {
      throw new Error(`${jwksUri} is not a JSON Web Key Set`);
    }
    // jose checks each key's shape, and skips keys for encryption (`use: enc`).
    return createLocalJWKSet({ keys: jwks.keys.filter(isJsonObject) as JWK[] });
  }
}
