import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';

const source = readFileSync(join(import.meta.dirname, 'require-node.js'), 'utf8');

/** Runs the check as a given Node version would, capturing what it prints and its exit. */
function check(nodeVersion: string) {
  let stderr = '';
  let exitCode: number | undefined;
  runInNewContext(source, {
    process: {
      versions: { node: nodeVersion },
      stderr: { write: (s: string) => (stderr += s) },
      exit: (code: number) => {
        exitCode = code;
      },
    },
  });
  return { stderr, exitCode };
}

describe('require-node', () => {
  it('stops an older Node with one line naming the version found and how to get 24', () => {
    const { stderr, exitCode } = check('20.20.2');
    expect(exitCode).toBe(1);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain('found v20.20.2');
    expect(stderr).toContain('npm install --prefix');
    expect(stderr).toContain('node@24');
  });

  it('lets Node 24 and newer through silently', () => {
    expect(check('24.0.0')).toEqual({ stderr: '', exitCode: undefined });
    expect(check('26.1.0')).toEqual({ stderr: '', exitCode: undefined });
  });
});
