/**
 * Values the hub hands the browser to keep and give back (the sign-in in progress, the
 * signed-in session), sealed: encrypted and authenticated (JWE, `dir` + A256GCM, jose) with a
 * key derived from the hub's serving key, so a browser can neither read nor forge one, and
 * hubs serving the same certificate open each other's. Each seal names its purpose, so a
 * value sealed for one cookie is refused as another; each has an expiry.
 */
import { hkdfSync } from 'node:crypto';
import { EncryptJWT, jwtDecrypt } from 'jose';

export class Sealer {
  readonly #key: Uint8Array;

  /** `secret`: the hub's TLS private key (PEM), or any high-entropy secret. */
  constructor(secret: string) {
    this.#key = new Uint8Array(hkdfSync('sha256', secret, 'canopy-hub', 'sealed cookies', 32));
  }

  seal(purpose: string, value: Record<string, unknown>, ttlSeconds: number): Promise<string> {
    return new EncryptJWT({ ...value, purpose })
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .encrypt(this.#key);
  }

  /** The value sealed for `purpose`, or undefined when it is not one (forged, expired, another purpose). */
  async open(purpose: string, sealed: string): Promise<Record<string, unknown> | undefined> {
    try {
      const { payload } = await jwtDecrypt(sealed, this.#key, {
        keyManagementAlgorithms: ['dir'],
        contentEncryptionAlgorithms: ['A256GCM'],
      });
      return payload.purpose === purpose ? payload : undefined;
    } catch {
      return undefined;
    }
  }
}
