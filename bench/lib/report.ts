/**
 * Benchmark results: printed as a table and written to bench/results/<name>.json as
 * {"metrics": {name: {"value": n, "unit": "…"}}, "ratios": {name: n}}.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Metric {
  readonly value: number;
  readonly unit: string;
}

export interface Ratio {
  readonly value: number;
  /** What the ratio compares, e.g. "store creates/s ÷ raw sqlite inserts/s". */
  readonly of: string;
  /** The goal, when the issue sets one: ratio must be at least this. */
  readonly goal?: number;
}

export interface Goal {
  readonly metric: string;
  readonly atMost?: number;
  readonly atLeast?: number;
}

export class Report {
  readonly metrics: Record<string, Metric> = {};
  readonly ratios: Record<string, Ratio> = {};
  readonly goals: Goal[] = [];
  readonly name: string;

  constructor(name: string) {
    this.name = name;
  }

  metric(name: string, value: number, unit: string): number {
    this.metrics[name] = { value: round(value), unit };
    return value;
  }

  ratio(name: string, value: number, of: string, goal?: number): void {
    this.ratios[name] = { value: round(value, 3), of, ...(goal === undefined ? {} : { goal }) };
  }

  goal(goal: Goal): void {
    this.goals.push(goal);
  }

  print(): void {
    const rows: string[][] = [['metric', 'value', 'unit', 'goal']];
    for (const [name, m] of Object.entries(this.metrics)) {
      const g = this.goals.find((x) => x.metric === name);
      rows.push([name, String(m.value), m.unit, g ? goalText(g, m.value) : '']);
    }
    rows.push(['', '', '', '']);
    rows.push(['ratio', 'value', 'of', 'goal']);
    for (const [name, r] of Object.entries(this.ratios)) {
      const goal =
        r.goal === undefined ? '' : `≥ ${r.goal} ${r.value >= r.goal ? 'met' : 'MISSED'}`;
      rows.push([name, String(r.value), r.of, goal]);
    }
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
    console.log(`\n== ${this.name} ==`);
    for (const row of rows) console.log(row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  '));
  }

  write(dir: string): string {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${this.name}.json`);
    const ratios = Object.fromEntries(Object.entries(this.ratios).map(([k, r]) => [k, r.value]));
    writeFileSync(file, `${JSON.stringify({ metrics: this.metrics, ratios }, null, 2)}\n`);
    return file;
  }
}

function goalText(g: Goal, value: number): string {
  if (g.atMost !== undefined) return `≤ ${g.atMost} ${value <= g.atMost ? 'met' : 'MISSED'}`;
  if (g.atLeast !== undefined) return `≥ ${g.atLeast} ${value >= g.atLeast ? 'met' : 'MISSED'}`;
  return '';
}

function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

/** The `percentile` median (the lower middle of an even count) of unsorted `xs`. */
export const median = (xs: readonly number[]): number =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );

/** Runs `op` repeatedly for about `ms` milliseconds; returns operations per second. */
export async function throughput(ms: number, op: (i: number) => Promise<unknown> | unknown) {
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < ms) await op(n++);
  return n / ((performance.now() - start) / 1000);
}
