/**
 * Public face of the JSONPath dialect client-go and kubectl use (`{.status.phase}`,
 * `{range .items[*]}{.metadata.name}{"\n"}{end}`): compile once, then find results or print
 * them. CRD additionalPrinterColumns and selectableFields give paths without braces; the
 * helpers below wrap and validate those the way apiextensions-apiserver does.
 */
import {
  type EvaluationOptions,
  evaluateTemplate,
  executeTemplate,
  JsonPathExecutionError,
} from './evaluate.ts';
import { JsonPathSyntaxError, type ListNode, parseTemplate } from './parser.ts';

export { JsonPathExecutionError } from './evaluate.ts';
export type { JsonPathNode, ListNode } from './parser.ts';
export { JsonPathSyntaxError } from './parser.ts';

export interface JsonPathOptions {
  /** Missing fields yield nothing instead of failing with `<field> is not found`. */
  readonly allowMissingKeys?: boolean;
}

export interface JsonPathProgram {
  readonly template: string;
  /** The parsed template: text nodes and one list per `{…}` action. */
  readonly ast: ListNode;
  /**
   * One list of values per top-level text or action (FindResults); a range contributes one
   * list per action per item. Throws JsonPathExecutionError.
   */
  findResults(data: unknown, options?: JsonPathOptions): unknown[][];
  /**
   * Prints like client-go's Execute: strings raw, numbers and booleans plain, null as
   * `<nil>`, maps and lists as compact JSON, values of one action joined by spaces.
   * Throws JsonPathExecutionError.
   */
  execute(data: unknown, options?: JsonPathOptions): string;
}

const evaluationOptions = (options: JsonPathOptions | undefined): EvaluationOptions => ({
  allowMissingKeys: options?.allowMissingKeys ?? false,
});

/** Parses a template; throws JsonPathSyntaxError with client-go's message on bad syntax. */
export function compileJsonPath(template: string): JsonPathProgram {
  const ast = parseTemplate(template);
  return Object.freeze({
    template,
    ast,
    findResults: (data: unknown, options?: JsonPathOptions) =>
      evaluateTemplate(ast, data, evaluationOptions(options)),
    execute: (data: unknown, options?: JsonPathOptions) =>
      executeTemplate(ast, data, evaluationOptions(options)),
  });
}

/**
 * A CRD printer column or selectable field path (`.status.phase`), wrapped in braces as the
 * table convertor does. Missing keys are allowed unless the caller says otherwise, as
 * upstream sets for both uses: a column of an object without that field is empty, not an
 * error. Throws JsonPathSyntaxError `unrecognized column definition "…"` (the parser's own
 * message is the cause); the table convertor then falls back to the default columns.
 */
export function printerColumnPath(jsonPath: string): JsonPathProgram {
  let program: JsonPathProgram;
  try {
    program = compileJsonPath(`{${jsonPath}}`);
  } catch (err) {
    if (err instanceof JsonPathSyntaxError) {
      throw new JsonPathSyntaxError(`unrecognized column definition ${JSON.stringify(jsonPath)}`, {
        cause: err,
      });
    }
    throw err;
  }
  const withDefaults = (options: JsonPathOptions | undefined): JsonPathOptions => ({
    allowMissingKeys: options?.allowMissingKeys ?? true,
  });
  return Object.freeze({
    template: program.template,
    ast: program.ast,
    findResults: (data: unknown, options?: JsonPathOptions) =>
      program.findResults(data, withDefaults(options)),
    execute: (data: unknown, options?: JsonPathOptions) =>
      program.execute(data, withDefaults(options)),
  });
}

/**
 * The static check CRD validation applies to printer column and selectable field paths
 * (validateSimpleJSONPath): non-empty and starting with a dot. Returns the detail message
 * for a field.Invalid error, or undefined when acceptable. Like upstream it does not parse
 * the path: a syntactically broken one is accepted and only disables custom columns.
 */
export function validatePrinterColumnPath(path: string): string | undefined {
  if (path.length === 0) return 'must not be empty';
  if (!path.startsWith('.')) return 'must be a simple json path starting with .';
  return undefined;
}

/** True when `err` came from compiling or running a JSONPath template. */
export function isJsonPathError(err: unknown): err is JsonPathSyntaxError | JsonPathExecutionError {
  return err instanceof JsonPathSyntaxError || err instanceof JsonPathExecutionError;
}
