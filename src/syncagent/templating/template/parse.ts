/**
 * Parsing, as Go's text/template/parse/parse.go: actions become pipelines of commands
 * (`a | f b`, declarations `$x :=`, `$k, $v :=`, assignments `$x =`), and the text and
 * actions a tree of nodes with `if`/`else if`/`else`, `with` and `range` blocks.
 */
import { type RawPart, split, type Token, tokenize } from './lex.ts';
import { TemplateError } from './values.ts';

export type Expr =
  | { t: 'field'; base: Expr | null; path: string[] } // base null = dot
  | { t: 'var'; name: string; path: string[] }
  | { t: 'lit'; value: unknown }
  | { t: 'ident'; name: string }
  | { t: 'pipe'; pipe: Pipeline; path: string[] };

export interface Command {
  readonly args: Expr[];
}
export interface Pipeline {
  readonly decl: string[];
  readonly assign: boolean;
  readonly cmds: Command[];
}

export type Node =
  | { k: 'text'; text: string }
  | { k: 'action'; pipe: Pipeline }
  | { k: 'if' | 'with'; pipe: Pipeline; yes: Node[]; no: Node[] }
  | { k: 'range'; pipe: Pipeline; yes: Node[]; no: Node[] };

function parsePipeline(tokens: Token[], src: string): Pipeline {
  let pos = 0;
  const decl: string[] = [];
  let assign = false;
  // `$x :=` / `$k, $v :=` / `$x =`
  const t0 = tokens[0];
  if (t0?.k === 'var' && t0.path.length === 0) {
    const t1 = tokens[1];
    const t2 = tokens[2];
    const t3 = tokens[3];
    if (t1?.k === 'op' && (t1.v === ':=' || t1.v === '=')) {
      decl.push(t0.name);
      assign = t1.v === '=';
      pos = 2;
    } else if (
      t1?.k === 'op' &&
      t1.v === ',' &&
      t2?.k === 'var' &&
      t3?.k === 'op' &&
      t3.v === ':='
    ) {
      decl.push(t0.name, t2.name);
      pos = 4;
    }
  }
  const cmds: Command[] = [];
  let args: Expr[] = [];
  const operand = (): Expr => {
    const t = tokens[pos++];
    if (!t) throw new TemplateError(`missing value in {{${src}}}`);
    switch (t.k) {
      case 'field':
        return { t: 'field', base: null, path: t.path };
      case 'var':
        return { t: 'var', name: t.name, path: t.path };
      case 'str':
        return { t: 'lit', value: t.v };
      case 'num':
        return { t: 'lit', value: t.v };
      case 'ident':
        if (t.v === 'true' || t.v === 'false') return { t: 'lit', value: t.v === 'true' };
        if (t.v === 'nil') return { t: 'lit', value: null };
        return { t: 'ident', name: t.v };
      case 'op': {
        if (t.v !== '(') throw new TemplateError(`unexpected ${t.v} in {{${src}}}`);
        let depth = 1;
        const start = pos;
        while (pos < tokens.length && depth > 0) {
          const x = tokens[pos++] as Token;
          if (x.k === 'op' && x.v === '(') depth++;
          if (x.k === 'op' && x.v === ')') depth--;
        }
        if (depth !== 0) throw new TemplateError(`unclosed ( in {{${src}}}`);
        const inner = parsePipeline(tokens.slice(start, pos - 1), src);
        const next = tokens[pos];
        let path: string[] = [];
        if (next?.k === 'dotpath') {
          path = next.path;
          pos++;
        }
        return { t: 'pipe', pipe: inner, path };
      }
      default:
        throw new TemplateError(`unexpected token in {{${src}}}`);
    }
  };
  while (pos < tokens.length) {
    const t = tokens[pos] as Token;
    if (t.k === 'op' && t.v === '|') {
      if (args.length === 0) throw new TemplateError(`missing command before | in {{${src}}}`);
      cmds.push({ args });
      args = [];
      pos++;
      continue;
    }
    args.push(operand());
  }
  if (args.length > 0) cmds.push({ args });
  if (cmds.length === 0) throw new TemplateError(`missing value in {{${src}}}`);
  return { decl, assign, cmds };
}

export function parse(tpl: string): Node[] {
  const parts = split(tpl);
  let pos = 0;
  const block = (stop: string[]): { nodes: Node[]; end: string; rest: string } => {
    const nodes: Node[] = [];
    while (pos < parts.length) {
      const p = parts[pos++] as RawPart;
      if (p.kind === 'text') {
        nodes.push({ k: 'text', text: p.value });
        continue;
      }
      const a = p.value;
      if (a.startsWith('/*')) continue;
      const word = /^([a-z]+)\b\s*(.*)$/s.exec(a);
      const kw = word?.[1] ?? '';
      const rest = word?.[2] ?? '';
      if (kw === 'end' || kw === 'else') {
        if (!stop.includes(kw)) throw new TemplateError(`unexpected {{${a}}}`);
        return { nodes, end: kw, rest };
      }
      if (kw === 'if' || kw === 'with' || kw === 'range') {
        nodes.push(conditional(kw, rest));
        continue;
      }
      nodes.push({ k: 'action', pipe: parsePipeline(tokenize(a), a) });
    }
    if (stop.length > 0) throw new TemplateError(`missing {{end}} in ${JSON.stringify(tpl)}`);
    return { nodes, end: '', rest: '' };
  };
  const conditional = (kw: 'if' | 'with' | 'range', cond: string): Node => {
    const pipe = parsePipeline(tokenize(cond), cond);
    const then = block(['else', 'end']);
    let otherwise: Node[] = [];
    if (then.end === 'else') {
      const chained = /^(if|with)\b\s*(.*)$/s.exec(then.rest);
      if (chained) {
        // `else if` / `else with`: the chain shares one {{end}}.
        otherwise = [conditional(chained[1] as 'if' | 'with', chained[2] as string)];
      } else otherwise = block(['end']).nodes;
    }
    return { k: kw, pipe, yes: then.nodes, no: otherwise } as Node;
  };
  return block([]).nodes;
}
