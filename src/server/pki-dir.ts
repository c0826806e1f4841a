/**
 * What the replicas of one control plane share (`canopy start --pki-dir DIR`): the CA, the
 * service-account signing key and the admin token, made once by whichever replica starts
 * first and read by the others (the serving certificate joins them, see
 * `loadOrIssueSharedServing`). Without --pki-dir the same files live in the data
 * directory, as they always have.
 *
 * Race-safe: the first replica writes the set into a fresh directory beside DIR and
 * renames it to DIR. A rename onto a directory that already holds files fails, so two
 * replicas starting at once cannot both win, nor can one read half a set: the loser
 * discards its own and reads the winner's.
 */
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { loadOrCreateSigningKey, SIGNING_KEY_FILE } from '../apiserver/authn/service-accounts.ts';
import { loadOrCreateCA } from '../apiserver/tls/pki.ts';

export const ADMIN_TOKEN_FILE = 'admin.token';

const SHARED = ['ca.crt', 'ca.key', SIGNING_KEY_FILE, ADMIN_TOKEN_FILE];

/** The admin's bearer token in `dir`, made on first use. */
export function loadOrCreateAdminToken(dir: string): string {
  const path = join(dir, ADMIN_TOKEN_FILE);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const token = randomBytes(32).toString('base64url');
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  return token;
}

/** Makes `dir` hold the shared set, unless it already does; returns its absolute path. */
export async function ensureSharedPki(dir: string): Promise<string> {
  const target = resolve(dir);
  if (missing(target).length === 0) return target;
  if (existsSync(target) && readdirSync(target).length > 0) throw notPki(dir, target);
  mkdirSync(dirname(target), { recursive: true });
  const tmp = join(
    dirname(target),
    `.${basename(target)}.new-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  mkdirSync(tmp, { mode: 0o700 });
  try {
    await loadOrCreateCA(tmp);
    loadOrCreateSigningKey(join(tmp, SIGNING_KEY_FILE));
    loadOrCreateAdminToken(tmp);
    try {
      renameSync(tmp, target);
      return target;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Another replica's set got there first.
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (missing(target).length > 0) throw notPki(dir, target);
  return target;
}

function missing(dir: string): string[] {
  return SHARED.filter((f) => !existsSync(join(dir, f)));
}

function notPki(given: string, dir: string): Error {
  return new Error(
    `--pki-dir ${given} holds other files and no Canopy PKI (missing ${missing(dir).join(', ')}): give a new or empty directory, or the one the first replica made`,
  );
}
