/**
 * The runtime cost guard for CEL evaluation. cel-js has no cost accounting, so each
 * environment's evaluator is instrumented: every evaluation step (each AST node run, which
 * includes every comprehension iteration) is charged to the active meter, and the meter also
 * enforces a wall-clock deadline. A rule over a huge list or a nested comprehension therefore
 * stops with CostExceeded instead of pinning the event loop. Evaluation is synchronous, so a
 * single module-level "active meter" is safe.
 */
import type { Environment } from '@marcbachmann/cel-js';

export class CostExceeded extends Error {
  override readonly name = 'CostExceeded';
}

export interface CostLimits {
  /** Steps one rule evaluation may take (upstream's per-call limit is 1M cost units). */
  readonly perCall: number;
  /** Steps all rules of one object may take together (upstream: 10M). */
  readonly perObject: number;
  /** Wall-clock budget for all rules of one object, in milliseconds. */
  readonly timeMs: number;
}

export const DEFAULT_COST_LIMITS: CostLimits = {
  perCall: 1_000_000,
  perObject: 10_000_000,
  timeMs: 1_000,
};

export class Meter {
  readonly limits: CostLimits;
  readonly deadline: number;
  /** Steps used by all finished calls. */
  spent = 0;
  /** Steps used by the running call. */
  call = 0;
  exceeded = false;
  constructor(limits: CostLimits, now = Date.now()) {
    this.limits = limits;
    this.deadline = now + limits.timeMs;
  }
  get remaining(): number {
    return this.limits.perObject - this.spent;
  }
}

let active: Meter | undefined;

function charge(): void {
  const m = active;
  if (m === undefined) return;
  m.call++;
  if (
    m.call > m.limits.perCall ||
    m.spent + m.call > m.limits.perObject ||
    ((m.call & 1023) === 0 && Date.now() > m.deadline)
  ) {
    m.exceeded = true;
    throw new CostExceeded('operation cancelled: actual cost limit exceeded');
  }
}

/** Runs one evaluation under the meter; CostExceeded is thrown if any step went over. */
export function metered<T>(meter: Meter, fn: () => T): T {
  const previous = active;
  active = meter;
  meter.call = 0;
  meter.exceeded = false;
  try {
    const result = fn();
    // Errors inside short-circuiting operators can be swallowed; the flag cannot.
    if (meter.exceeded) throw new CostExceeded('operation cancelled: actual cost limit exceeded');
    return result;
  } finally {
    meter.spent += meter.call;
    active = previous;
  }
}

interface Evaluator {
  run(ast: unknown, ctx: unknown): unknown;
}

const PROBE = '__canopyCostProbe';

/** Registers the hook that lets `instrument` reach an environment's evaluator. */
export function registerCostProbe(env: Environment): void {
  env.registerFunction(`${PROBE}(ast): bool`, () => ({
    typeCheck(checker: { getType(name: string): unknown }) {
      return checker.getType('bool');
    },
    evaluate(ev: Evaluator) {
      captured = ev;
      return true;
    },
  }));
}

let captured: Evaluator | undefined;
const instrumented = new WeakSet<object>();

/** Makes every evaluation step of `env` chargeable to the active meter. */
export function instrument(env: Environment): void {
  captured = undefined;
  env.evaluate(`${PROBE}(0)`);
  const ev = captured as Evaluator | undefined;
  captured = undefined;
  if (ev === undefined) throw new Error('cel: cannot instrument evaluator for cost accounting');
  if (instrumented.has(ev)) return;
  instrumented.add(ev);
  const run = ev.run;
  ev.run = function meteredRun(this: Evaluator, ast: unknown, ctx: unknown): unknown {
    charge();
    return run.call(this, ast, ctx);
  };
}
