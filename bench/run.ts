/**
 * `npm run bench [-- name… [--flag value…]]`: runs the named benchmarks (all when none is
 * named), prints each one's table and writes bench/results/<name>.json. Arguments from the
 * first `--flag` on go to the benchmarks (e.g. `npm run bench -- fleet --tenants 200`).
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
  console.log(
    `usage: npm run bench [-- <name>... [--flag value...]]\n\nbenchmarks: ${available.join(', ')}\nflags: fleet --tenants N (default 10000), --steady-seconds S (60), --cpu-prof DIR, --agent-concurrency N (the agent's --concurrency)`,
  );
  process.exit(0);
}
const firstFlag = args.findIndex((a) => a.startsWith('--'));
const names = firstFlag === -1 ? args : args.slice(0, firstFlag);
const flags = firstFlag === -1 ? [] : args.slice(firstFlag);
const unknown = names.filter((a) => !available.includes(a));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}

for (const name of names.length > 0 ? names : available) {
  const mod = (await import(join(here, `${name}.bench.ts`))) as {
    run: (flags: readonly string[]) => Promise<Report>;
  };
  const report = await mod.run(flags);
  report.print();
  console.log(`written ${report.write(join(here, 'results'))}`);
}
