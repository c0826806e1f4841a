/**
 * Which operating-system user runs PostgreSQL. PostgreSQL refuses to run as root, so when
 * the operator runs as root, initdb, postgres, pg_basebackup and pg_rewind run as an
 * unprivileged user (default `postgres`, the user Debian's package creates) and the
 * operator hands it the data directories (chown). Otherwise they run as the operator's
 * own user.
 */
import { chownSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface ServerUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  /** True when the operator switches to this user for every PostgreSQL program. */
  readonly switched: boolean;
}

export function parsePasswd(
  text: string,
  name: string,
): { uid: number; gid: number; home: string } | undefined {
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 7)
      return { uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '/' };
  }
  return undefined;
}

export function resolveServerUser(requested = 'postgres'): ServerUser {
  const uid = process.getuid?.() ?? -1;
  if (uid !== 0) {
    const gid = process.getgid?.() ?? -1;
    return {
      name: process.env.USER ?? String(uid),
      uid,
      gid,
      home: process.env.HOME ?? '/tmp',
      switched: false,
    };
  }
  let passwd = '';
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    // fall through to the error below
  }
  const entry = parsePasswd(passwd, requested);
  if (!entry || entry.uid === 0)
    throw new Error(
      `running as root and there is no unprivileged user ${JSON.stringify(requested)} to run PostgreSQL ` +
        '(PostgreSQL refuses to run as root): install the postgresql package, which creates it, ' +
        `create one (useradd --system ${requested}), or run the operator as a normal user`,
    );
  return { name: requested, ...entry, switched: true };
}

/** Hands a path to the server user (no-op unless the operator switches users). */
export function chownToServer(user: ServerUser, path: string): void {
  if (user.switched) chownSync(path, user.uid, user.gid);
}

/**
 * Checks that the server user can reach `dir` (search permission on every ancestor):
 * PostgreSQL changes into its data directory, so a private parent (mode 0700, owned by
 * root) stops it. Returns the first blocking directory, or undefined.
 */
export function unreachableAncestor(user: ServerUser, dir: string): string | undefined {
  if (!user.switched) return undefined;
  let current = resolve(dir);
  const chain: string[] = [];
  for (;;) {
    chain.unshift(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const d of chain) {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(d);
    } catch {
      return undefined; // not created yet: the operator creates it with search permission
    }
    const mode = st.mode;
    const ok =
      st.uid === user.uid
        ? (mode & 0o100) !== 0
        : st.gid === user.gid
          ? (mode & 0o010) !== 0
          : (mode & 0o001) !== 0;
    if (!ok) return d;
  }
  return undefined;
}
