/**
 * Compact JWS (RFC 7515) signing and verification with node:crypto, for service account
 * tokens: ES256 (ECDSA P-256, the signature as raw r‖s) and RS256. Only signatures and
 * the encoding live here; what the claims mean is service-accounts.ts's business.
 */
import {
  createHash,
  createPublicKey,
  sign as cryptoSign,
  verify as cryptoVerify,
  type KeyObject,
} from 'node:crypto';

export type JwsAlgorithm = 'ES256' | 'RS256';

export interface JwsHeader {
  readonly alg: string;
  readonly kid?: string;
  readonly typ?: string;
}

export type JwtClaims = Record<string, unknown>;

export function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** The algorithm a key signs with: ES256 for P-256 keys, RS256 for RSA keys. */
export function algorithmOf(key: KeyObject): JwsAlgorithm {
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return 'ES256';
  }
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  throw new Error(
    `unsupported signing key: ${key.asymmetricKeyType ?? 'unknown'} (use an EC P-256 or RSA key)`,
  );
}

/**
 * The key ID upstream gives a service account signing key: the unpadded base64url
 * SHA-256 of the public key's DER (PKIX) encoding.
 */
export function keyId(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return base64url(
    createHash('sha256')
      .update(pub.export({ format: 'der', type: 'spki' }))
      .digest(),
  );
}

function signingOptions(key: KeyObject, alg: JwsAlgorithm) {
  return alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' as const } : key;
}

/** Signs `claims` into a compact JWS `header.payload.signature`. */
export function signJwt(claims: JwtClaims, key: KeyObject, kid = keyId(key)): string {
  const alg = algorithmOf(key);
  const header = base64url(JSON.stringify({ alg, kid }));
  const payload = base64url(JSON.stringify(claims));
  const input = `${header}.${payload}`;
  const signature = cryptoSign('sha256', Buffer.from(input), signingOptions(key, alg));
  return `${input}.${base64url(signature)}`;
}

export interface DecodedJwt {
  readonly header: JwsHeader;
  readonly claims: JwtClaims;
  readonly signingInput: string;
  readonly signature: Buffer;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/** Splits and decodes a compact JWS without checking anything; undefined when malformed. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  if (!SEGMENT.test(h) || !SEGMENT.test(p) || !SEGMENT.test(s)) return undefined;
  try {
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as unknown;
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as unknown;
    if (typeof header !== 'object' || header === null || Array.isArray(header)) return undefined;
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return undefined;
    if (typeof (header as JwsHeader).alg !== 'string') return undefined;
    return {
      header: header as JwsHeader,
      claims: claims as JwtClaims,
      signingInput: `${h}.${p}`,
      signature: Buffer.from(s, 'base64url'),
    };
  } catch {
    return undefined;
  }
}

/** Checks the signature of a decoded token against one public (or private) key. */
export function verifySignature(jwt: DecodedJwt, key: KeyObject): boolean {
  let alg: JwsAlgorithm;
  try {
    alg = algorithmOf(key);
  } catch {
    return false;
  }
  // The header names the algorithm; a token may not pick a different one than the key's.
  if (jwt.header.alg !== alg) return false;
  if (alg === 'ES256' && jwt.signature.length !== 64) return false;
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  try {
    return cryptoVerify(
      'sha256',
      Buffer.from(jwt.signingInput),
      signingOptions(pub, alg),
      jwt.signature,
    );
  } catch {
    return false;
  }
}

/** A public key as a JSON Web Key (for /openid/v1/jwks). */
export function publicJwk(key: KeyObject): Record<string, unknown> {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const jwk = pub.export({ format: 'jwk' }) as Record<string, unknown>;
  return { use: 'sig', kty: jwk.kty, kid: keyId(pub), alg: algorithmOf(pub), ...jwk };
}
