/**
 * Service account tokens: the signing key kept in the data directory, minting of bound
 * tokens for the TokenRequest API and of legacy tokens for `kubernetes.io/service-account-token`
 * Secrets, and the authenticator that accepts them.
 *
 * Claims are upstream's (pkg/serviceaccount/claims.go, legacy.go) plus kcp's logical
 * cluster: `kubernetes.io.clusterName` in bound tokens, `kubernetes.io/serviceaccount/clusterName`
 * in legacy ones. A verified token is only good while its service account exists with the
 * same uid (and, for a Secret-bound or legacy token, while the Secret does); the user it
 * yields carries its cluster in the `authentication.kcp.io/cluster-name` extra, so the
 * authorizer treats it as a stranger in every other cluster (authz/scopes.ts).
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomUUID,
} from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { goQuote, goQuoteList } from '../../apimachinery/labels.ts';
import {
  isJsonObject,
  type KubeObject,
  objectOrEmpty,
  timestamp,
} from '../../apimachinery/meta.ts';
import { unauthorized } from '../../apimachinery/status.ts';
import { AUTHENTICATED, CLUSTER_NAME_EXTRA, SERVICE_ACCOUNT_PREFIX } from '../authz/scopes.ts';
import { secrets } from '../builtin/core/secrets.ts';
import { serviceAccounts } from '../builtin/core/serviceaccounts.ts';
import { SYSTEM_USER } from '../client.ts';
import type { ResourceType } from '../registry/resource-type.ts';
import type { ResourceStorage } from '../rest/resource-storage.ts';
import type { UserInfo } from '../rest/scope.ts';
import { type Authenticator, bearerToken } from './authenticator.ts';
import { decodeJwt, type JwtClaims, keyId, publicJwk, signJwt, verifySignature } from './jwt.ts';

/** What kind and most clusters set; tokens carry it in `iss`. */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const LEGACY_ISSUER = 'kubernetes/serviceaccount';
export const SIGNING_KEY_FILE = 'sa.key';
export const CREDENTIAL_ID_EXTRA = 'authentication.kubernetes.io/credential-id';
export const SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';

/** Upstream's defaults and bounds for TokenRequest.spec.expirationSeconds. */
export const DEFAULT_EXPIRATION_SECONDS = 3600;
export const MIN_EXPIRATION_SECONDS = 600;
export const MAX_EXPIRATION_SECONDS = 2 ** 32 - 1;

/** Clock skew tolerated on `exp` and `nbf` (go-jose's DefaultLeeway). */
const LEEWAY_SECONDS = 60;

const LEGACY = {
  namespace: 'kubernetes.io/serviceaccount/namespace',
  secretName: 'kubernetes.io/serviceaccount/secret.name',
  name: 'kubernetes.io/serviceaccount/service-account.name',
  uid: 'kubernetes.io/serviceaccount/service-account.uid',
  cluster: 'kubernetes.io/serviceaccount/clusterName',
} as const;

export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_PREFIX}${namespace}:${name}`;
}

/** `system:serviceaccount:<ns>:<name>` → namespace and name; undefined for other users. */
export function splitServiceAccountUsername(
  username: string,
): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined;
  const rest = username.slice(SERVICE_ACCOUNT_PREFIX.length);
  const colon = rest.indexOf(':');
  if (colon <= 0 || colon === rest.length - 1) return undefined;
  const namespace = rest.slice(0, colon);
  const name = rest.slice(colon + 1);
  if (name.includes(':')) return undefined;
  return { namespace, name };
}

export function serviceAccountGroups(namespace: string): string[] {
  return [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${namespace}`];
}

/** How tokens find the objects they are bound to (in-process, as the system user). */
export interface ServiceAccountLookup {
  serviceAccount(cluster: string, namespace: string, name: string): Promise<KubeObject | undefined>;
  secret(cluster: string, namespace: string, name: string): Promise<KubeObject | undefined>;
}

async function findIn(
  storage: ResourceStorage,
  type: ResourceType,
  cluster: string,
  namespace: string,
  name: string,
): Promise<KubeObject | undefined> {
  try {
    return await storage.get({ cluster, type, version: 'v1', namespace, user: SYSTEM_USER }, name);
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

/** Lookups straight on the REST storage (needs no type registry, so it can be built first). */
export function storageLookup(storage: ResourceStorage): ServiceAccountLookup {
  return {
    serviceAccount: (c, ns, n) => findIn(storage, serviceAccounts, c, ns, n),
    secret: (c, ns, n) => findIn(storage, secrets, c, ns, n),
  };
}

export interface ServiceAccountRef {
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

/** An object a token is bound to; it dies with the object. Only Secrets exist here. */
export interface BoundObjectRef {
  readonly kind: 'Secret';
  readonly name: string;
  readonly uid: string;
}

export interface MintRequest {
  readonly serviceAccount: ServiceAccountRef;
  readonly audiences?: readonly string[];
  readonly expirationSeconds?: number;
  readonly boundObject?: BoundObjectRef;
}

export interface MintedToken {
  readonly token: string;
  /** RFC 3339, seconds, as TokenRequest.status.expirationTimestamp. */
  readonly expirationTimestamp: string;
}

/** Why a token was refused; 401 for HTTP, `status.error` for TokenReview. */
export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
}

export interface AuthenticatedToken {
  readonly user: UserInfo;
  /** The audiences the token is good for among those asked for. */
  readonly audiences: string[];
}

export interface ServiceAccountTokensOptions {
  readonly signingKey: KeyObject;
  readonly lookup: ServiceAccountLookup;
  readonly issuer?: string;
  /** Audiences a token must have one of to reach the API (default: [issuer]). */
  readonly apiAudiences?: readonly string[];
  /** More public keys whose tokens are accepted (rotation). */
  readonly verificationKeys?: readonly KeyObject[];
  /** Seconds since the epoch (tests). */
  readonly now?: () => number;
}

/** Loads the signing key from `path`, creating a P-256 key there on first use. */
export function loadOrCreateSigningKey(path: string): KeyObject {
  if (existsSync(path)) return createPrivateKey(readFileSync(path, 'utf8'));
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  writeFileSync(path, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  return privateKey;
}

const arrayOf = (v: unknown): string[] =>
  typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x) => typeof x === 'string') : [];

const strOf = (v: unknown): string => (typeof v === 'string' ? v : '');

export class ServiceAccountTokens implements Authenticator {
  readonly issuer: string;
  readonly apiAudiences: readonly string[];
  readonly keyId: string;
  private readonly signingKey: KeyObject;
  private readonly keys: ReadonlyMap<string, KeyObject>;
  private readonly lookup: ServiceAccountLookup;
  private readonly now: () => number;

  constructor(options: ServiceAccountTokensOptions) {
    this.signingKey = options.signingKey;
    this.lookup = options.lookup;
    this.issuer = options.issuer ?? DEFAULT_ISSUER;
    this.apiAudiences = options.apiAudiences?.length ? options.apiAudiences : [this.issuer];
    this.keyId = keyId(options.signingKey);
    const keys = new Map<string, KeyObject>([[this.keyId, createPublicKey(options.signingKey)]]);
    for (const k of options.verificationKeys ?? []) keys.set(keyId(k), k);
    this.keys = keys;
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000));
  }

  /** The tokens of a data directory: `<dataDir>/sa.key`, created on first start. */
  static loadOrCreate(
    dataDir: string,
    options: Omit<ServiceAccountTokensOptions, 'signingKey'>,
  ): ServiceAccountTokens {
    return new ServiceAccountTokens({
      ...options,
      signingKey: loadOrCreateSigningKey(join(dataDir, SIGNING_KEY_FILE)),
    });
  }

  // ---- minting ---------------------------------------------------------------------------

  /** A bound token (TokenRequest): audiences, expiry, the account's uid and its cluster. */
  mint(request: MintRequest): MintedToken {
    const sa = request.serviceAccount;
    const now = this.now();
    const exp = now + (request.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS);
    const kube: Record<string, unknown> = {
      clusterName: sa.cluster,
      namespace: sa.namespace,
      serviceaccount: { name: sa.name, uid: sa.uid },
    };
    if (request.boundObject) {
      kube.secret = { name: request.boundObject.name, uid: request.boundObject.uid };
    }
    const claims: JwtClaims = {
      aud: [...(request.audiences?.length ? request.audiences : this.apiAudiences)],
      exp,
      iat: now,
      iss: this.issuer,
      jti: randomUUID(),
      'kubernetes.io': kube,
      nbf: now,
      sub: serviceAccountUsername(sa.namespace, sa.name),
    };
    return {
      token: signJwt(claims, this.signingKey, this.keyId),
      expirationTimestamp: timestamp(new Date(exp * 1000)),
    };
  }

  /** A legacy, non-expiring token for a `kubernetes.io/service-account-token` Secret. */
  mintLegacy(sa: ServiceAccountRef, secretName: string): string {
    return signJwt(
      {
        iss: LEGACY_ISSUER,
        [LEGACY.namespace]: sa.namespace,
        [LEGACY.secretName]: secretName,
        [LEGACY.name]: sa.name,
        [LEGACY.uid]: sa.uid,
        [LEGACY.cluster]: sa.cluster,
        sub: serviceAccountUsername(sa.namespace, sa.name),
      },
      this.signingKey,
      this.keyId,
    );
  }

  // ---- verification ----------------------------------------------------------------------

  /** Bearer tokens that are ours; other credentials are left to other authenticators. */
  async authenticate(req: IncomingMessage): Promise<UserInfo | undefined> {
    const token = bearerToken(req);
    if (!token) return undefined;
    try {
      return (await this.verify(token))?.user;
    } catch (err) {
      // Upstream says no more than "Unauthorized" to the client.
      if (err instanceof InvalidTokenError) throw unauthorized();
      throw err;
    }
  }

  /**
   * Verifies a token for `audiences` (default: the API audiences). Undefined when the token
   * is not one of ours; throws InvalidTokenError when it is ours but not (or no longer) good.
   */
  async verify(
    token: string,
    audiences: readonly string[] = this.apiAudiences,
  ): Promise<AuthenticatedToken | undefined> {
    const jwt = decodeJwt(token);
    if (!jwt) return undefined;
    const iss = jwt.claims.iss;
    if (iss !== this.issuer && iss !== LEGACY_ISSUER) return undefined;
    const key = jwt.header.kid !== undefined ? this.keys.get(jwt.header.kid) : undefined;
    const candidates = key ? [key] : [...this.keys.values()];
    if (!candidates.some((k) => verifySignature(jwt, k))) {
      throw new InvalidTokenError('token signature is invalid');
    }
    return iss === LEGACY_ISSUER
      ? this.verifyLegacy(token, jwt.claims, audiences)
      : this.verifyBound(jwt.claims, audiences);
  }

  private async verifyBound(
    claims: JwtClaims,
    audiences: readonly string[],
  ): Promise<AuthenticatedToken> {
    const now = this.now();
    if (typeof claims.exp !== 'number') throw new InvalidTokenError('token has no expiry');
    if (now > claims.exp + LEEWAY_SECONDS) {
      throw new InvalidTokenError('service account token has expired');
    }
    if (typeof claims.nbf === 'number' && now < claims.nbf - LEEWAY_SECONDS) {
      throw new InvalidTokenError('service account token is not valid yet');
    }
    const tokenAudiences = arrayOf(claims.aud);
    const granted = tokenAudiences.filter((a) => audiences.includes(a));
    if (granted.length === 0) {
      throw new InvalidTokenError(
        `token audiences ${goQuoteList(tokenAudiences)} is invalid for the target audiences ${goQuoteList(audiences)}`,
      );
    }
    const kube = isJsonObject(claims['kubernetes.io'])
      ? (claims['kubernetes.io'] as Record<string, unknown>)
      : {};
    const saClaim = isJsonObject(kube.serviceaccount)
      ? (kube.serviceaccount as Record<string, unknown>)
      : {};
    const ref: ServiceAccountRef = {
      cluster: strOf(kube.clusterName),
      namespace: strOf(kube.namespace),
      name: strOf(saClaim.name),
      uid: strOf(saClaim.uid),
    };
    if (!ref.cluster || !ref.namespace || !ref.name || !ref.uid) {
      throw new InvalidTokenError('token lacks the service account claims');
    }
    if (claims.sub !== serviceAccountUsername(ref.namespace, ref.name)) {
      throw new InvalidTokenError('token subject does not match its service account claims');
    }
    if (kube.pod !== undefined || kube.node !== undefined) {
      // Canopy has no pods or nodes to bind to; such a token was not minted here.
      throw new InvalidTokenError('token is bound to an object kind this server does not have');
    }
    await this.checkServiceAccount(ref);
    if (isJsonObject(kube.secret)) {
      const bound = kube.secret as Record<string, unknown>;
      const secret = await this.lookup.secret(ref.cluster, ref.namespace, strOf(bound.name));
      if (!secret) throw new InvalidTokenError(`secrets ${goQuote(strOf(bound.name))} not found`);
      if (secret.metadata.uid !== bound.uid) {
        throw new InvalidTokenError(
          `secret UID (${secret.metadata.uid ?? ''}) does not match service account secret ref claim (${strOf(bound.uid)})`,
        );
      }
      if (secret.metadata.deletionTimestamp) {
        throw new InvalidTokenError(
          `secret ${ref.namespace}/${strOf(bound.name)} is being deleted`,
        );
      }
    }
    const jti = strOf(claims.jti);
    return {
      user: this.userFor(ref, jti ? { [CREDENTIAL_ID_EXTRA]: [`JTI=${jti}`] } : {}),
      audiences: granted,
    };
  }

  private async verifyLegacy(
    token: string,
    claims: JwtClaims,
    audiences: readonly string[],
  ): Promise<AuthenticatedToken> {
    const ref: ServiceAccountRef = {
      cluster: strOf(claims[LEGACY.cluster]),
      namespace: strOf(claims[LEGACY.namespace]),
      name: strOf(claims[LEGACY.name]),
      uid: strOf(claims[LEGACY.uid]),
    };
    const secretName = strOf(claims[LEGACY.secretName]);
    if (!ref.cluster || !ref.namespace || !ref.name || !ref.uid || !secretName) {
      throw new InvalidTokenError('token lacks the service account claims');
    }
    if (claims.sub !== serviceAccountUsername(ref.namespace, ref.name)) {
      throw new InvalidTokenError('token subject does not match its service account claims');
    }
    // Legacy tokens have no audience; they count as meant for the API.
    const granted = this.apiAudiences.filter((a) => audiences.includes(a));
    if (granted.length === 0) {
      throw new InvalidTokenError(
        `token audiences ${goQuoteList(this.apiAudiences)} is invalid for the target audiences ${goQuoteList(audiences)}`,
      );
    }
    const secret = await this.lookup.secret(ref.cluster, ref.namespace, secretName);
    if (!secret) throw new InvalidTokenError(`secrets ${goQuote(secretName)} not found`);
    const data = objectOrEmpty(secret.data);
    const stored = typeof data.token === 'string' ? Buffer.from(data.token, 'base64') : undefined;
    if (!stored || stored.toString('utf8') !== token) {
      throw new InvalidTokenError("token does not match server's copy");
    }
    if (secret.metadata.deletionTimestamp) {
      throw new InvalidTokenError(`secret ${ref.namespace}/${secretName} is being deleted`);
    }
    await this.checkServiceAccount(ref);
    return { user: this.userFor(ref, {}), audiences: granted };
  }

  /** The account must still exist, and be the same account (a recreated one is not). */
  private async checkServiceAccount(ref: ServiceAccountRef): Promise<void> {
    const sa = await this.lookup.serviceAccount(ref.cluster, ref.namespace, ref.name);
    if (!sa) throw new InvalidTokenError(`serviceaccounts ${goQuote(ref.name)} not found`);
    if (sa.metadata.uid !== ref.uid) {
      throw new InvalidTokenError(
        `service account UID (${sa.metadata.uid ?? ''}) does not match claim (${ref.uid})`,
      );
    }
    if (sa.metadata.deletionTimestamp) {
      throw new InvalidTokenError(`service account ${ref.namespace}/${ref.name} has been deleted`);
    }
  }

  private userFor(ref: ServiceAccountRef, extra: Record<string, string[]>): UserInfo {
    return {
      username: serviceAccountUsername(ref.namespace, ref.name),
      uid: ref.uid,
      groups: [...serviceAccountGroups(ref.namespace), AUTHENTICATED],
      extra: { ...extra, [CLUSTER_NAME_EXTRA]: [ref.cluster] },
    };
  }

  // ---- discovery -------------------------------------------------------------------------

  /** `/openid/v1/jwks`: the public keys tokens are verified with. */
  jwks(): { keys: Record<string, unknown>[] } {
    return { keys: [...this.keys.values()].map(publicJwk) };
  }

  /** `/.well-known/openid-configuration`, for relying parties that verify tokens offline. */
  openidConfiguration(): Record<string, unknown> {
    return {
      issuer: this.issuer,
      jwks_uri: `${this.issuer.replace(/\/$/, '')}/openid/v1/jwks`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [...new Set(this.jwks().keys.map((k) => k.alg))],
    };
  }
}

/**
 * The logical cluster a service account token names, without verifying it: kcp routes a
 * request that carries such a token but no `/clusters/<name>` prefix to that cluster
 * (WithInClusterServiceAccountRequestRewrite), so in-cluster clients need no cluster URL.
 * Authentication still verifies the token afterwards.
 */
export function serviceAccountTokenCluster(token: string): string | undefined {
  const jwt = decodeJwt(token);
  if (!jwt) return undefined;
  const kube = jwt.claims['kubernetes.io'];
  if (isJsonObject(kube) && typeof kube.clusterName === 'string') return kube.clusterName;
  const legacy = jwt.claims[LEGACY.cluster];
  return typeof legacy === 'string' ? legacy : undefined;
}
