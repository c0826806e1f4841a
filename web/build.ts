/**
 * Builds the portal (web/ → web/dist/) when its sources changed since the last build: a
 * hash of web/src, index.html, the Vite config, this file and package-lock.json is kept in
 * web/dist/.source-hash, so `npm install` (the `prepare` script) and `canopy up` build
 * only when needed. `node web/build.ts` builds if stale; `--force` always.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const WEB_DIR = import.meta.dirname;
export const DIST_DIR = join(WEB_DIR, 'dist');
const HASH_FILE = join(DIST_DIR, '.source-hash');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && !e.name.endsWith('.test.ts') && !e.name.endsWith('.test.tsx'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

export function sourceHash(): string {
  const hash = createHash('sha256');
  const inputs = [
    ...files(join(WEB_DIR, 'src')),
    join(WEB_DIR, 'index.html'),
    join(WEB_DIR, 'vite.config.ts'),
    join(WEB_DIR, 'build.ts'),
    join(WEB_DIR, '..', 'package-lock.json'),
  ];
  for (const file of inputs) {
    hash.update(relative(WEB_DIR, file));
    hash.update('\0');
    if (existsSync(file)) hash.update(readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex');
}

export function portalIsCurrent(): boolean {
  return (
    existsSync(join(DIST_DIR, 'index.html')) &&
    existsSync(HASH_FILE) &&
    readFileSync(HASH_FILE, 'utf8').trim() === sourceHash()
  );
}

/** Builds web/dist unless it is current; says what it does on `log`. */
export async function ensurePortalBuilt(
  log: (line: string) => void,
  force = false,
): Promise<'current' | 'built'> {
  if (!force && portalIsCurrent()) return 'current';
  log('building the portal (web/ → web/dist/)');
  const hash = sourceHash();
  const { build } = await import('vite');
  // Vite builds for whatever NODE_ENV says: under Vitest ('test') or a developer's shell
  // ('development') that was React's development build, three times the size, with
  // StrictMode running every effect twice. What the hub serves is always the production one.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: join(WEB_DIR, 'vite.config.ts'), logLevel: 'warn' });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  writeFileSync(HASH_FILE, `${hash}\n`);
  return 'built';
}

if (import.meta.main) {
  const force = process.argv.includes('--force');
  if (process.argv.includes('--help')) {
    process.stdout.write(
      'usage: node web/build.ts [--force]\nBuilds the portal into web/dist/ when its sources changed (always with --force).\n',
    );
  } else {
    const started = performance.now();
    const result = await ensurePortalBuilt(
      (line) => process.stdout.write(`portal: ${line}\n`),
      force,
    );
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stdout.write(
      result === 'current'
        ? 'portal: web/dist/ is current\n'
        : `portal: built web/dist/ in ${seconds} s\n`,
    );
  }
}
