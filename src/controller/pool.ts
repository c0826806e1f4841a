/** Bounded concurrency: a controller's batch of independent calls, a test's setup or load. */

/** Runs `fn` on every item, `parallel` at a time; resolves when all are done. */
export async function pool<T>(
  items: readonly T[],
  parallel: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, items.length) }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}
