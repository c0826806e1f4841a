/** Bounded concurrency, for the end-to-end tests' and the benchmarks' setup and load. */
export { pool } from '../../../src/controller/pool.ts';

/** 0‥n-1, for a pool over numbered things. */
export const indices = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
