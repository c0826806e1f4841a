/**
 * `npm run bench [-- name…]`: runs the named benchmarks (all when none is named), prints
 * each one's table and writes bench/results/<name>.json.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from './lib/report.ts';

const here = import.meta.dirname;
const available = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .sort();

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(`usage: npm run bench [-- <name>...]\n\nbenchmarks: ${available.join(', ')}`);
  process.exit(0);
}
const unknown = args.filter((a) => !available.includes(a));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}

for (const name of args.length > 0 ? args : available) {
  const mod = (await import(join(here, `${name}.bench.ts`))) as { run: () => Promise<Report> };
  const report = await mod.run();
  report.print();
  console.log(`written ${report.write(join(here, 'results'))}`);
}
