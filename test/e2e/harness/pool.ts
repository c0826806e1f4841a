/** Bounded concurrency, for the end-to-end tests' and the benchmarks' setup and load. */

/** Runs `fn` on every item, `parallel` at a time; resolves when all are done. */
export async function pool<T>(
  items: readonly T[],
  parallel: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

/** 0‥n-1, for a pool over numbered things. */
export const indices = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
