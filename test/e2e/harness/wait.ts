/** Polling for the end-to-end tests and the benchmarks: one place for sleep, until and eventually. */

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Calls `fn` every `intervalMs` until it returns something other than undefined, null or
 * false, and returns that; a throw counts as "not yet". Past `timeoutMs` it fails, naming
 * `what` and the last error.
 */
export async function until<T>(
  what: string,
  fn: () => Promise<T> | T,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<Exclude<NonNullable<T>, false>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false && v !== null) return v as Exclude<NonNullable<T>, false>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(intervalMs);
  }
}

/** `until` for assertions: retries `probe` (typically some `expect`s) until it stops throwing. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T> | T,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const done = await until(what, async () => ({ value: await probe() }), timeoutMs, intervalMs);
  return done.value;
}
