/**
 * Logical cluster names and workspace paths. A name is opaque (16 base36 characters for a
 * new workspace, as kcp makes them); a path is colon-separated (`root:consumers:pg`), and
 * its first segment may be any logical cluster name.
 */
import { createHash, randomBytes } from 'node:crypto';

const SEGMENT = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const NAME = /^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$/;

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

export function isValidClusterName(name: string): boolean {
  return NAME.test(name) || name.startsWith('system:');
}

/** A path is colon-separated segments, each a DNS label. */
export function isValidPath(path: string): boolean {
  return path.split(':').every((s) => SEGMENT.test(s));
}

export function joinPath(parent: string, child: string): string {
  return parent ? `${parent}:${child}` : child;
}

export function parentPath(path: string): string | undefined {
  const i = path.lastIndexOf(':');
  return i < 0 ? undefined : path.slice(0, i);
}
