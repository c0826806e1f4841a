/**
 * Logical cluster names. A name is opaque (16 base36 characters for a new workspace, as kcp
 * makes them); a path (`root:consumers:pg`, see `apimachinery/logicalcluster.ts`) is only a
 * way to reach it, and its first segment may be any logical cluster name.
 */
import { createHash, randomBytes } from 'node:crypto';

/** 16 base36 characters from SHA-224 of 32 random bytes, like kcp's. */
export function randomClusterName(): string {
  const digest = createHash('sha224').update(randomBytes(32)).digest();
  let n = BigInt(`0x${digest.toString('hex')}`);
  let out = '';
  while (out.length < 16) {
    out += (n % 36n).toString(36);
    n /= 36n;
  }
  return out;
}
