/**
 * Parsers benchmark: the pure parsers a tenant's input reaches (quantities, label and field
 * selectors, JSONPath templates, Go regular expressions, CEL's cost guard) on large or
 * hostile input. Each is timed at one size and at ten times that size; the ratio of the
 * time per unit of input (1 = linear, 10 = quadratic) is what the unit tests cannot assert
 * without a clock. The regex case also compares a nested quantifier with its flat form on
 * the same input.
 */
import { parseFieldSelector } from '../src/apimachinery/fields.ts';
import { parseTemplate } from '../src/apimachinery/jsonpath/parser.ts';
import { parseLabelSelector } from '../src/apimachinery/labels.ts';
import { parseQuantity } from '../src/apimachinery/quantity.ts';
import { evaluateRules } from '../src/apimachinery/schema/cel/evaluate.ts';
import { compileGoRegex } from '../src/apimachinery/schema/regex.ts';
import type { JSONSchemaProps } from '../src/apimachinery/schema/types.ts';
import { median, Report } from './lib/report.ts';

const ROUNDS = 7;
const ROUND_MS = 150;

/** Median milliseconds per call of `op` over ROUNDS rounds of about ROUND_MS each. */
function msPerCall(op: () => unknown): number {
  op(); // warm-up: JIT and the regex cache
  const perRound: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = performance.now();
    let n = 0;
    while (performance.now() - start < ROUND_MS) {
      op();
      n++;
    }
    perRound.push((performance.now() - start) / n);
  }
  return median(perRound);
}

/** Calls `op` and swallows the error it is expected to throw. */
const refused = (op: () => unknown) => () => {
  try {
    op();
  } catch {
    // Refusing the input is the work being measured.
  }
};

interface Case {
  readonly name: string;
  /** What one unit of `size` is, for the table. */
  readonly unit: string;
  readonly size: number;
  readonly run: (size: number) => () => unknown;
}

const costlyRule: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: { l: { type: 'array', items: { type: 'integer' } } },
      'x-kubernetes-validations': [
        { rule: 'self.l.all(a, self.l.all(b, self.l.all(c, a + b + c >= 0)))' },
      ],
    },
  },
};
const costlyValue = { spec: { l: Array.from({ length: 300 }, (_, i) => i) } };

const CASES: readonly Case[] = [
  {
    name: 'quantity of n digits',
    unit: 'digits',
    size: 10_000,
    run: (n) => () => parseQuantity('9'.repeat(n)),
  },
  {
    name: 'label selector of n terms',
    unit: 'terms',
    size: 2_500,
    run: (n) => () => parseLabelSelector(`${'a=b,'.repeat(n)}c=d`),
  },
  {
    name: 'label selector of n open parentheses (refused)',
    unit: 'chars',
    size: 10_000,
    run: (n) => refused(() => parseLabelSelector('x in ('.repeat(n))),
  },
  {
    name: 'field selector of n terms',
    unit: 'terms',
    size: 2_500,
    run: (n) => () => parseFieldSelector(`${'a=b,'.repeat(n)}c=d`),
  },
  {
    name: 'JSONPath template of n actions',
    unit: 'actions',
    size: 2_000,
    run: (n) => () => parseTemplate(`{.a[0].b}, ${'{.a[0].b}, '.repeat(n)}`),
  },
  {
    name: 'JSONPath template of n open brackets (refused)',
    unit: 'chars',
    size: 5_000,
    run: (n) => refused(() => parseTemplate(`{${'['.repeat(n)}`)),
  },
  {
    name: "Go regex ^(a+)+$ on n a's and a !",
    unit: 'chars',
    size: 10_000,
    run: (n) => {
      const { regexp } = compileGoRegex('^(a+)+$');
      const input = `${'a'.repeat(n)}!`;
      return () => regexp.test(input);
    },
  },
  {
    name: 'CEL rule cancelled at a cost limit of n',
    unit: 'cost units',
    size: 100_000,
    run: (n) => () =>
      evaluateRules(costlyRule, costlyValue, undefined, '', { costLimits: { perCall: n } }),
  },
];

export async function run(): Promise<Report> {
  const report = new Report('parsers');
  for (const c of CASES) {
    const small = msPerCall(c.run(c.size));
    const large = msPerCall(c.run(c.size * 10));
    report.metric(`${c.name}, n=${c.size}`, small, 'ms');
    report.metric(`${c.name}, n=${c.size * 10}`, large, 'ms');
    report.ratio(
      `linearity: ${c.name}`,
      large / small / 10,
      `time per ${c.unit.replace(/s$/, '')} at n=${c.size * 10} ÷ at n=${c.size} (1 = linear)`,
    );
  }
  // The nested quantifier against its flat form on the same input: what the linear engine
  // pays for the pattern a backtracking engine could never finish.
  const input = `${'a'.repeat(100_000)}!`;
  const nested = compileGoRegex('^(a+)+$').regexp;
  const flat = compileGoRegex('^a+$').regexp;
  const nestedMs = msPerCall(() => nested.test(input));
  const flatMs = msPerCall(() => flat.test(input));
  report.metric("Go regex ^a+$ on 100,000 a's and a !", flatMs, 'ms');
  report.ratio(
    'Go regex nested quantifier',
    nestedMs / flatMs,
    "^(a+)+$ ÷ ^a+$ on 100,000 a's and a !",
  );
  return report;
}
