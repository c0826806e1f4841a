/**
 * Finds PostgreSQL's server binaries (initdb, postgres, pg_basebackup, pg_rewind …).
 * Order: an explicit directory (`--postgres-bin`), `$CANOPY_POSTGRES_BIN`, the directory
 * `pg_config --bindir` names when it holds initdb, the highest versioned Debian directory
 * `/usr/lib/postgresql/<major>/bin`, other common layouts, then `initdb` on PATH. Debian's
 * `pg_config` lives in the client package and points at /usr/bin, which has no initdb;
 * the server binaries are in the versioned directory.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export const REQUIRED_BINARIES = [
  'initdb',
  'postgres',
  'pg_basebackup',
  'pg_rewind',
  'pg_controldata',
] as const;
export type BinaryName = (typeof REQUIRED_BINARIES)[number];

export interface PostgresBinaries {
  readonly dir: string;
  /** Full version string, e.g. "15.18". */
  readonly version: string;
  readonly major: number;
  path(name: BinaryName): string;
}

export type BinariesLookup =
  | { readonly ok: true; readonly binaries: PostgresBinaries }
  | { readonly ok: false; readonly message: string };

export const INSTALL_HINT =
  'install PostgreSQL server binaries (Debian/Ubuntu: apt-get install postgresql; ' +
  'Fedora/RHEL: dnf install postgresql-server; macOS: brew install postgresql@17) ' +
  'or pass --postgres-bin DIR';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function complete(dir: string): boolean {
  return REQUIRED_BINARIES.every((b) => executable(join(dir, b)));
}

/** Directories that may hold server binaries, best first. */
export function candidateDirectories(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs: string[] = [];
  if (env.CANOPY_POSTGRES_BIN) dirs.push(env.CANOPY_POSTGRES_BIN);
  try {
    const bindir = execFileSync('pg_config', ['--bindir'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    if (bindir) dirs.push(bindir);
  } catch {
    // no pg_config
  }
  const versioned = (root: string, pattern: RegExp, sub: string) => {
    if (!existsSync(root)) return;
    const found = readdirSync(root)
      .map((name) => ({ name, m: pattern.exec(name) }))
      .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null)
      .sort((a, b) => Number(b.m[1]) - Number(a.m[1]));
    for (const f of found) dirs.push(join(root, f.name, sub));
  };
  versioned('/usr/lib/postgresql', /^(\d+)$/, 'bin');
  versioned('/usr', /^pgsql-(\d+)$/, 'bin');
  versioned('/opt/homebrew/opt', /^postgresql@(\d+)$/, 'bin');
  versioned('/usr/local/opt', /^postgresql@(\d+)$/, 'bin');
  for (const d of (env.PATH ?? '').split(delimiter)) if (d) dirs.push(d);
  return [...new Set(dirs)];
}

export function findPostgresBinaries(explicitDir?: string): BinariesLookup {
  if (explicitDir) {
    if (!complete(explicitDir)) {
      const missing = REQUIRED_BINARIES.filter((b) => !executable(join(explicitDir, b)));
      return {
        ok: false,
        message: `--postgres-bin ${explicitDir} lacks ${missing.join(', ')}; ${INSTALL_HINT}`,
      };
    }
    return describe(explicitDir);
  }
  for (const dir of candidateDirectories()) if (complete(dir)) return describe(dir);
  return { ok: false, message: `PostgreSQL server binaries not found: ${INSTALL_HINT}` };
}

/**
 * Every PostgreSQL major installed, one directory each (the best of `candidateDirectories`
 * for that major), newest first; only `explicitDir` when one is given. A Cluster whose
 * `imageName` names one of these majors runs it.
 */
export function findInstalledPostgres(
  explicitDir?: string,
  env: NodeJS.ProcessEnv = process.env,
): PostgresBinaries[] {
  const dirs = explicitDir ? [explicitDir] : candidateDirectories(env);
  const byMajor = new Map<number, PostgresBinaries>();
  for (const dir of dirs) {
    if (!complete(dir)) continue;
    const found = describe(dir);
    if (found.ok && !byMajor.has(found.binaries.major))
      byMajor.set(found.binaries.major, found.binaries);
  }
  return [...byMajor.values()].sort((a, b) => b.major - a.major);
}

function describe(dir: string): BinariesLookup {
  let out = '';
  try {
    out = execFileSync(join(dir, 'postgres'), ['--version'], { encoding: 'utf8' });
  } catch (err) {
    return {
      ok: false,
      message: `${join(dir, 'postgres')} --version failed: ${(err as Error).message}`,
    };
  }
  const version = parsePostgresVersion(out);
  if (!version)
    return { ok: false, message: `cannot read the version of ${dir}/postgres: ${out.trim()}` };
  return {
    ok: true,
    binaries: {
      dir,
      version: version.version,
      major: version.major,
      path: (name) => join(dir, name),
    },
  };
}

/** "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)" → 15.18 / 15. */
export function parsePostgresVersion(text: string): { version: string; major: number } | undefined {
  const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return undefined;
  return {
    version: m[2] === undefined ? (m[1] as string) : `${m[1]}.${m[2]}`,
    major: Number(m[1]),
  };
}
