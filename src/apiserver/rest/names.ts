/** Name generation for metadata.generateName, with upstream's alphabet and length. */
import { randomInt } from 'node:crypto';

// No vowels (no accidental words) and no look-alike characters, as upstream.
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const SUFFIX_LENGTH = 5;
const MAX_NAME_LENGTH = 63;

export function generateName(base: string): string {
  const prefix =
    base.length > MAX_NAME_LENGTH - SUFFIX_LENGTH
      ? base.slice(0, MAX_NAME_LENGTH - SUFFIX_LENGTH)
      : base;
  let suffix = '';
  for (let i = 0; i < SUFFIX_LENGTH; i++) suffix += ALPHABET[randomInt(ALPHABET.length)];
  return prefix + suffix;
}
