/**
 * A subset of Go's text/template, enough for api-syncagent's naming, related-object and
 * mutation templates. Output is whitespace-trimmed, as api-syncagent does.
 *
 * Supported (the sync agent's README.md lists it under "The Go-template subset"):
 * - text and `{{ … }}` actions, `{{-`/`-}}` whitespace trimming, `{{/* comments *\/}}`;
 * - fields on maps (`.Object.metadata.name`, `.` and `$`, `$.X`), variables
 *   (`$x := …`, `$x = …`), literals (strings "…" and `…`, numbers, true/false/nil),
 *   parenthesised pipelines, `(…).field`;
 * - pipelines `a | f b` (the left value becomes the last argument);
 * - `if`/`else if`/`else`/`end`, `with`/`else`/`end`, `range` over lists and maps with
 *   `$v :=` or `$k, $v :=` and `else`;
 * - functions: Go's and, or, not, len, index, print, printf, println, eq, ne, lt, le, gt,
 *   ge; sprig's lower, upper, title, trim, trimAll, trimPrefix, trimSuffix, replace,
 *   contains, hasPrefix, hasSuffix, default, empty, coalesce, ternary, quote, squote,
 *   trunc, substr, repeat, nospace, cat, splitList, toString, toJson, b64enc, b64dec,
 *   sha1sum, sha256sum, regexMatch, regexReplaceAll, regexFind, int, add, sub, mul, div,
 *   mod, list, dict, get, hasKey, keys, required, fail; and api-syncagent's sha3sum,
 *   sha3short, shortHash and join (`join LIST SEP`, strings.Join's argument order).
 * Missing map keys print `<no value>` like Go; errors carry the template text.
 *
 * The engine is laid out as Go's: `template/lex.ts` (text and actions, tokens),
 * `template/parse.ts` (pipelines, the node tree), `template/exec.ts` (walking the tree),
 * `template/funcs.ts` (the functions), `template/values.ts` (truth, printing, the error).
 */
import { Evaluator, Scope } from './template/exec.ts';
import { BUILTIN_FUNCS, type TemplateFunc } from './template/funcs.ts';
import { type Node, parse } from './template/parse.ts';
import { TemplateError } from './template/values.ts';

export type { TemplateFunc } from './template/funcs.ts';
export { TemplateError } from './template/values.ts';

const cache = new Map<string, Node[]>();

/** Renders a template against `data` and trims surrounding whitespace. */
export function render(
  tpl: string,
  data: unknown,
  extraFuncs: Record<string, TemplateFunc> = {},
): string {
  let nodes = cache.get(tpl);
  if (!nodes) {
    nodes = parse(tpl);
    if (cache.size > 1000) cache.clear();
    cache.set(tpl, nodes);
  }
  const ev = new Evaluator({ ...BUILTIN_FUNCS, ...extraFuncs });
  const root = new Scope();
  root.vars.set('$', data);
  try {
    ev.nodes(nodes, data, root);
  } catch (err) {
    if (err instanceof TemplateError)
      throw new TemplateError(`template ${JSON.stringify(tpl)}: ${err.message}`);
    throw err;
  }
  return ev.out.trim();
}
