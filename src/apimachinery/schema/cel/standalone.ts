/**
 * CEL expressions over plain variables, outside any schema: the claim mappings and
 * validation rules of an AuthenticationConfiguration (`claims`, `user`). An expression is
 * compiled once against declared variables and the result types its use allows (`dyn`
 * always passes the check; the value is checked when it runs), then evaluated under the
 * same cost meter as x-kubernetes-validations rules, so no expression can pin the event loop.
 */
import type { JsonValue } from '../../meta.ts';
import { formatCelError, type Program } from './compile.ts';
import { type CostLimits, DEFAULT_COST_LIMITS, Meter, metered } from './cost.ts';
import { variablesEnvironment } from './env.ts';
import { routeMatches } from './source.ts';
import { generic } from './values.ts';

export interface StandaloneExpression {
  readonly text: string;
  /** The checked result type (`string`, `bool`, `list<string>`, `dyn`, …). */
  readonly type: string;
  /** Runs with JSON values for the variables; throws on a runtime error or too much cost. */
  evaluate(values: Readonly<Record<string, JsonValue>>): unknown;
}

export function compileStandalone(
  variables: Readonly<Record<string, string>>,
  text: string,
  allowedTypes: readonly string[],
  limits: Partial<CostLimits> = {},
): StandaloneExpression | { error: string } {
  let program: Program;
  let type: string;
  try {
    program = variablesEnvironment(variables).parse(routeMatches(text));
    const checked = program.check();
    if (!checked.valid)
      return { error: `compilation failed: ${formatCelError(checked.error, text)}` };
    type = String(checked.type);
  } catch (err) {
    return { error: `compilation failed: ${formatCelError(err, text)}` };
  }
  if (type !== 'dyn' && !allowedTypes.includes(type)) {
    return { error: `must evaluate to one of ${allowedTypes.join(', ')}, not ${type}` };
  }
  const costLimits = { ...DEFAULT_COST_LIMITS, ...limits };
  return {
    text,
    type,
    evaluate(values) {
      const activation: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(values)) activation[name] = generic(value);
      return metered(new Meter(costLimits), () => program(activation));
    },
  };
}
