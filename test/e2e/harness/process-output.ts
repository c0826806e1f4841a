/**
 * The output of a process an end-to-end test started (stdout and stderr together), and
 * waiting for a line to show up in it.
 */
import type { ChildProcess } from 'node:child_process';

export interface ProcessOutput {
  /** Everything printed so far. */
  text(): string;
  /**
   * Resolves with the whole output once `pattern` matches what was printed after the first
   * `from` characters; rejects after `timeoutMs`, or when the process exits first.
   */
  waitFor(pattern: RegExp, options?: { from?: number; timeoutMs?: number }): Promise<string>;
  /** Resolves with the exit code (null after a signal). */
  readonly exited: Promise<number | null>;
}

/** Follows `child`'s output; `name` says who in error messages. */
export function followOutput(
  child: ChildProcess,
  name: string,
  defaultTimeoutMs = 30_000,
): ProcessOutput {
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d;
    for (const l of listeners) l();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    text: () => out,
    exited,
    waitFor(pattern, { from = 0, timeoutMs = defaultTimeoutMs } = {}) {
      return new Promise((resolve, reject) => {
        const done = () => {
          listeners.delete(check);
          clearTimeout(timer);
        };
        const check = () => {
          if (!pattern.test(out.slice(from))) return;
          done();
          resolve(out);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${name} did not print ${pattern}:\n${out}`));
        }, timeoutMs);
        listeners.add(check);
        check();
        void exited.then((code) => {
          if (!listeners.has(check)) return;
          done();
          reject(new Error(`${name} exited with ${code} before ${pattern}:\n${out}`));
        });
      });
    },
  };
}
