/**
 * Evaluation and printing for parsed JSONPath templates, mirroring client-go's reflection-
 * based walker over decoded JSON. Go types leak into behaviour and are modelled here: JSON
 * integers are int64 and other numbers float64 (and the two do not compare), ranging over a
 * string yields its bytes, `null` prints as `<nil>`, and maps and lists print as compact
 * JSON. Map keys are visited in sorted order where Go's order would be random.
 */
import { compareStrings, goFloat } from '../schema/json.ts';
import type { JsonPathNode, ListNode, SliceParam } from './parser.ts';

export class JsonPathExecutionError extends Error {
  override readonly name = 'JsonPathExecutionError';
}

/** A float64 from a template literal such as `3.0`, which stays a float even when whole. */
export class GoFloat {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}

/** A byte of a string, as wildcards and recursive descent produce (Go's uint8). */
export class GoByte {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}

type Kind = 'null' | 'map' | 'slice' | 'string' | 'bool' | 'int' | 'uint' | 'float' | 'other';

const INT64_LIMIT = 2 ** 63;

function kindOf(v: unknown): Kind {
  if (v === null || v === undefined) return 'null';
  if (v instanceof GoFloat) return 'float';
  if (v instanceof GoByte) return 'uint';
  if (Array.isArray(v)) return 'slice';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(v) && Math.abs(v) < INT64_LIMIT ? 'int' : 'float';
    case 'bigint':
      return 'int';
    case 'object':
      return 'map';
    default:
      return 'other';
  }
}

const GO_TYPE_NAMES: Record<Kind, string> = {
  null: 'interface {}',
  map: 'map[string]interface {}',
  slice: '[]interface {}',
  string: 'string',
  bool: 'bool',
  int: 'int64',
  uint: 'uint8',
  float: 'float64',
  other: 'interface {}',
};

const numberOf = (v: unknown): number =>
  v instanceof GoFloat || v instanceof GoByte ? v.value : Number(v);

function sortedEntries(map: object): [string, unknown][] {
  return Object.entries(map)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => compareStrings(a, b));
}

/** fmt.Fprint of a decoded JSON value. */
export function goFormat(v: unknown): string {
  switch (kindOf(v)) {
    case 'null':
      return '<nil>';
    case 'string':
      return v as string;
    case 'bool':
    case 'int':
    case 'uint':
      return String(v instanceof GoByte ? v.value : v);
    case 'float':
      return goFloat(numberOf(v));
    case 'slice':
      return `[${(v as unknown[]).map(goFormat).join(' ')}]`;
    case 'map':
      return `map[${sortedEntries(v as object)
        .map(([k, x]) => `${k}:${goFormat(x)}`)
        .join(' ')}]`;
    default:
      return String(v);
  }
}

const HTML_UNSAFE = /[<>&\u2028\u2029]/g;

/** json.Marshal: sorted keys, compact, with Go's HTML-safe escapes. */
export function goJson(v: unknown): string {
  switch (kindOf(v)) {
    case 'null':
      return 'null';
    case 'string':
      return JSON.stringify(v).replace(
        HTML_UNSAFE,
        (c) => `\\u${(c.codePointAt(0) as number).toString(16).padStart(4, '0')}`,
      );
    case 'bool':
    case 'int':
    case 'uint':
    case 'float':
      return v instanceof GoFloat || v instanceof GoByte ? String(v.value) : String(v);
    case 'slice':
      return `[${(v as unknown[]).map(goJson).join(',')}]`;
    case 'map':
      return `{${sortedEntries(v as object)
        .map(([k, x]) => `${goJson(k)}:${goJson(x)}`)
        .join(',')}}`;
    default:
      return 'null';
  }
}

/** How one result prints: lists and maps as JSON, everything else as text. */
export function printValue(v: unknown): string {
  const kind = kindOf(v);
  return kind === 'map' || kind === 'slice' ? goJson(v) : goFormat(v);
}

// ---------------------------------------------------------------------------------------
// Comparisons (client-go's fork of text/template's eq/lt)

function comparisonFailure(message: string): never {
  throw new JsonPathExecutionError(message);
}

function basicKind(v: unknown): 'bool' | 'int' | 'uint' | 'float' | 'string' {
  const kind = kindOf(v);
  if (kind === 'bool' || kind === 'int' || kind === 'uint' || kind === 'float') return kind;
  if (kind === 'string') return kind;
  return comparisonFailure('invalid type for comparison');
}

const integral = (k: string): boolean => k === 'int' || k === 'uint';

function equal(a: unknown, b: unknown): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka !== kb) {
    if (integral(ka) && integral(kb)) return numberOf(a) === numberOf(b);
    comparisonFailure('incompatible types for comparison');
  }
  if (ka === 'string' || ka === 'bool') return a === b;
  return numberOf(a) === numberOf(b);
}

function less(a: unknown, b: unknown): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka !== kb) {
    if (integral(ka) && integral(kb)) return numberOf(a) < numberOf(b);
    comparisonFailure('incompatible types for comparison');
  }
  if (ka === 'bool') comparisonFailure('invalid type for comparison');
  if (ka === 'string') return compareStrings(a as string, b as string) < 0;
  return numberOf(a) < numberOf(b);
}

function compare(operator: string, a: unknown, b: unknown): boolean | undefined {
  switch (operator) {
    case '<':
      return less(a, b);
    case '>':
      return !(less(a, b) || equal(a, b));
    case '==':
      return equal(a, b);
    case '!=':
      return !equal(a, b);
    case '<=':
      return less(a, b) || equal(a, b);
    case '>=':
      return !less(a, b);
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------
// The walker

/**
 * A failed step. Upstream returns a partial result alongside each error, and an existence
 * filter looks at that partial result while ignoring the error, so it is carried along.
 */
class StepError extends JsonPathExecutionError {
  readonly partial: readonly unknown[];
  constructor(message: string, partial: readonly unknown[]) {
    super(message);
    this.partial = partial;
  }
}

const UTF8 = new TextEncoder();

/** The children a wildcard or recursive descent visits: values, elements or bytes. */
function children(v: unknown): unknown[] {
  switch (kindOf(v)) {
    case 'map':
      return sortedEntries(v as object).map(([, x]) => x);
    case 'slice':
      return v as unknown[];
    case 'string':
      return Array.from(UTF8.encode(v as string), (b) => new GoByte(b));
    default:
      return [];
  }
}

export interface EvaluationOptions {
  /** Missing fields yield no result instead of a `<field> is not found` error. */
  readonly allowMissingKeys: boolean;
}

class Evaluator {
  private readonly nodes: readonly JsonPathNode[];
  private readonly allowMissingKeys: boolean;
  private beginRange = 0;
  private inRange = 0;
  private endRange = 0;
  /** Index in `nodes` of the most recent `{end}` that closed a range body. */
  private lastEnd = -1;

  constructor(nodes: readonly JsonPathNode[], options: EvaluationOptions) {
    this.nodes = nodes;
    this.allowMissingKeys = options.allowMissingKeys;
  }

  /**
   * Runs the top-level nodes from `offset`, one result list per node. `{range}` re-runs the
   * nodes after it for each value until its `{end}`, then resumes after that end, which is
   * how client-go handles ranges (including nested ones) without building a tree.
   */
  run(data: unknown, offset = 0): unknown[][] {
    const cur = [data];
    const out: unknown[][] = [];
    for (let i = offset; i < this.nodes.length; i++) {
      const results = this.walk(cur, this.nodes[i] as JsonPathNode);
      if (this.endRange > 0 && this.endRange <= this.inRange) {
        this.endRange--;
        this.lastEnd = i;
        break;
      }
      if (this.beginRange > 0) {
        this.beginRange--;
        this.inRange++;
        if (results.length > 0) {
          for (const value of results) out.push(...this.run(value, i + 1));
        } else {
          // Still walk the body, so the matching end is found; its output is dropped.
          this.run(null, i + 1);
        }
        this.inRange--;
        if (this.lastEnd > i) i = this.lastEnd;
        continue;
      }
      out.push(results);
    }
    return out;
  }

  private walk(input: readonly unknown[], node: JsonPathNode): unknown[] {
    switch (node.kind) {
      case 'list':
        return this.evalList(input, node);
      case 'text':
        return [node.text];
      case 'field':
        return this.evalField(input, node.name);
      case 'array':
        return this.evalArray(input, node.params);
      case 'filter':
        return this.evalFilter(input, node);
      case 'int':
      case 'bool':
        return input.map(() => node.value);
      case 'float':
        return input.map(() => new GoFloat(node.value));
      case 'wildcard':
        return input.flatMap(children);
      case 'recursive':
        return this.evalRecursive(input);
      case 'union':
        return this.evalUnion(input, node.branches);
      case 'identifier':
        return this.evalIdentifier(input, node.name);
    }
  }

  private evalList(input: readonly unknown[], list: ListNode): unknown[] {
    let cur = input as unknown[];
    for (const node of list.nodes) cur = this.walk(cur, node);
    return cur;
  }

  private evalIdentifier(input: readonly unknown[], name: string): unknown[] {
    if (name === 'range') {
      this.beginRange++;
      return [...input];
    }
    if (name === 'end') {
      if (this.inRange > 0) {
        this.endRange++;
        return [];
      }
      throw new StepError('not in range, nothing to end', []);
    }
    throw new StepError(`unrecognized identifier ${name}`, input);
  }

  private evalField(input: readonly unknown[], name: string): unknown[] {
    if (input.length === 0) return [];
    const results: unknown[] = [];
    for (const value of input) {
      if (kindOf(value) !== 'map') continue;
      const map = value as Record<string, unknown>;
      if (Object.hasOwn(map, name) && map[name] !== undefined) results.push(map[name]);
    }
    if (results.length === 0 && !this.allowMissingKeys) {
      throw new StepError(`${name} is not found`, results);
    }
    return results;
  }

  private evalArray(
    input: readonly unknown[],
    params: readonly [SliceParam, SliceParam, SliceParam],
  ): unknown[] {
    const results: unknown[] = [];
    for (const value of input) {
      const kind = kindOf(value);
      if (kind === 'null') continue;
      if (kind !== 'slice') {
        throw new StepError(`${GO_TYPE_NAMES[kind]} is not array or slice`, input);
      }
      const list = value as unknown[];
      const length = list.length;
      let start = params[0].known ? params[0].value : 0;
      if (start < 0) start += length;
      let end = params[1].known ? params[1].value : length;
      if (end < 0 || (end === 0 && params[1].derived)) end += length;
      if (end === start) {
        // Asking for nothing is fine anywhere; upstream stops at the first such input.
        return results;
      }
      if (start >= length || start < 0) {
        throw new StepError(`array index out of bounds: index ${start}, length ${length}`, input);
      }
      if (end > length || end < 0) {
        throw new StepError(`array index out of bounds: index ${end - 1}, length ${length}`, input);
      }
      if (start > end) {
        throw new StepError(`starting index ${start} is greater than ending index ${end}`, input);
      }
      let step = 1;
      if (params[2].known) {
        if (params[2].value <= 0) throw new StepError('step must be > 0', input);
        step = params[2].value;
      }
      for (let i = start; i < end; i += step) results.push(list[i]);
    }
    return results;
  }

  private evalUnion(input: readonly unknown[], branches: readonly ListNode[]): unknown[] {
    const results: unknown[] = [];
    for (const branch of branches) {
      try {
        results.push(...this.evalList(input, branch));
      } catch (err) {
        if (err instanceof StepError) throw new StepError(err.message, input);
        throw err;
      }
    }
    return results;
  }

  /** Every value with children, parent before descendants; leaves are not listed. */
  private evalRecursive(input: readonly unknown[]): unknown[] {
    const results: unknown[] = [];
    const stack: unknown[] = [...input].reverse();
    while (stack.length > 0) {
      const value = stack.pop();
      // A string's children are its bytes, which have none: list it without expanding.
      if (typeof value === 'string') {
        if (value.length > 0) results.push(value);
        continue;
      }
      const kids = children(value);
      if (kids.length === 0) continue;
      results.push(value);
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
    }
    return results;
  }

  private evalFilter(
    input: readonly unknown[],
    filter: Extract<JsonPathNode, { kind: 'filter' }>,
  ): unknown[] {
    const results: unknown[] = [];
    for (const value of input) {
      if (kindOf(value) !== 'slice') {
        throw new StepError(
          `${goFormat(value)} is not array or slice and cannot be filtered`,
          input,
        );
      }
      for (const item of value as unknown[]) {
        let lefts: readonly unknown[];
        try {
          lefts = this.evalList([item], filter.left);
        } catch (err) {
          if (!(err instanceof StepError)) throw err;
          if (filter.operator === 'exists') {
            if (err.partial.length > 0) results.push(item);
            continue;
          }
          throw new StepError(err.message, input);
        }
        if (filter.operator === 'exists') {
          if (lefts.length > 0) results.push(item);
          continue;
        }
        if (lefts.length === 0) continue;
        if (lefts.length > 1) throw new StepError('can only compare one element at a time', input);
        let rights: readonly unknown[];
        try {
          rights = this.evalList([item], filter.right);
        } catch (err) {
          if (err instanceof StepError) throw new StepError(err.message, input);
          throw err;
        }
        if (rights.length === 0) continue;
        if (rights.length > 1) throw new StepError('can only compare one element at a time', input);
        let pass: boolean | undefined;
        try {
          pass = compare(filter.operator, lefts[0], rights[0]);
        } catch (err) {
          if (err instanceof JsonPathExecutionError) throw new StepError(err.message, results);
          throw err;
        }
        if (pass === undefined) {
          throw new StepError(`unrecognized filter operator ${filter.operator}`, results);
        }
        if (pass) results.push(item);
      }
    }
    return results;
  }
}

/** Go-typed helpers become plain numbers on the way out. */
function plain(v: unknown): unknown {
  return v instanceof GoFloat || v instanceof GoByte ? v.value : v;
}

/**
 * FindResults: one list of values per top-level node of the template (text or action),
 * with range bodies repeated per item. Throws JsonPathExecutionError.
 */
export function evaluateTemplate(
  root: ListNode,
  data: unknown,
  options: EvaluationOptions,
): unknown[][] {
  try {
    return new Evaluator(root.nodes, options).run(data).map((list) => list.map(plain));
  } catch (err) {
    if (err instanceof StepError) throw new JsonPathExecutionError(err.message);
    throw err;
  }
}

/** Execute: prints every result, values of one node separated by single spaces. */
export function executeTemplate(root: ListNode, data: unknown, options: EvaluationOptions): string {
  let out = '';
  let results: unknown[][];
  try {
    // Printing needs the Go-typed values (a `3.0` literal prints as 3), not the plain ones.
    results = new Evaluator(root.nodes, options).run(data);
  } catch (err) {
    if (err instanceof StepError) throw new JsonPathExecutionError(err.message);
    throw err;
  }
  for (const list of results) out += list.map(printValue).join(' ');
  return out;
}
