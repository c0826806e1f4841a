/**
 * CEL over untyped values, as admission policies see a request: every variable (`object`,
 * `oldObject`, `request`, `variables`, …) is `dyn`, JSON objects are maps and integers are
 * ints. The Kubernetes library and the cost guard are the same as for schema rules.
 * Programs are compiled once per text and variable set.
 */
import { Environment } from '@marcbachmann/cel-js';
import type { JsonValue } from '../../meta.ts';
import type { Program } from './compile.ts';
import { formatCelError } from './compile.ts';
import { instrument, type Meter, metered, registerCostProbe } from './cost.ts';
import { registerKubernetesLibrary } from './library.ts';
import { routeMatches } from './source.ts';
import { toCel } from './values.ts';

const environments = new Map<string, Environment>();

function dynamicEnvironment(names: readonly string[]): Environment {
  const key = names.join(',');
  let env = environments.get(key);
  if (!env) {
    env = new Environment({ enableOptionalTypes: true });
    registerKubernetesLibrary(env);
    registerCostProbe(env);
    for (const name of names) env.registerVariable(name, 'dyn');
    instrument(env);
    environments.set(key, env);
  }
  return env;
}

export type CompiledExpression =
  | { readonly ok: true; readonly program: Program }
  | { readonly ok: false; readonly error: string };

const CACHE_LIMIT = 4096;
const programs = new Map<string, CompiledExpression>();

/**
 * Compiles `text` with `names` declared; `want` refuses an expression whose type is known
 * to be something else (a `dyn` result is checked when it runs).
 */
export function compileDynamic(
  text: string,
  names: readonly string[],
  want?: 'bool' | 'string',
): CompiledExpression {
  const key = `${names.join(',')}\u0000${want ?? ''}\u0000${text}`;
  const hit = programs.get(key);
  if (hit) return hit;
  let result: CompiledExpression;
  try {
    const program = dynamicEnvironment(names).parse(routeMatches(text));
    const checked = program.check();
    if (!checked.valid) {
      result = { ok: false, error: `compilation failed: ${formatCelError(checked.error, text)}` };
    } else if (want && checked.type !== want && checked.type !== 'dyn') {
      result = { ok: false, error: `must evaluate to ${want}, not ${checked.type}` };
    } else result = { ok: true, program };
  } catch (err) {
    result = { ok: false, error: `compilation failed: ${formatCelError(err, text)}` };
  }
  if (programs.size >= CACHE_LIMIT) {
    const oldest = programs.keys().next().value;
    if (oldest !== undefined) programs.delete(oldest);
  }
  programs.set(key, result);
  return result;
}

/** A JSON value as a `dyn` CEL value (maps, ints, lists). */
export function toDynamic(value: JsonValue | undefined): unknown {
  if (value === undefined) return null;
  return toCel({ kind: 'dyn' }, value, () => {
    throw new Error('cel: dyn values have no object classes');
  });
}

/** Runs a compiled program on CEL values, charged to `meter`. */
export function runDynamic(
  program: Program,
  values: Readonly<Record<string, unknown>>,
  meter: Meter,
): unknown {
  return metered(meter, () => program(values));
}
