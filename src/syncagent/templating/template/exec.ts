/**
 * Execution, as Go's text/template/exec.go: the tree is walked against the data (`.` and
 * `$`), variables live in nested scopes, pipelines pass their value on as the last
 * argument, and missing map keys yield `<no value>`.
 */
import type { TemplateFunc } from './funcs.ts';
import type { Command, Expr, Node, Pipeline } from './parse.ts';
import { goString, NO_VALUE, TemplateError, truthy } from './values.ts';

export class Scope {
  readonly vars: Map<string, unknown>;
  readonly parent: Scope | undefined;
  constructor(parent?: Scope) {
    this.vars = new Map();
    this.parent = parent;
  }
  lookup(name: string): unknown {
    for (let s: Scope | undefined = this; s; s = s.parent)
      if (s.vars.has(name)) return s.vars.get(name);
    throw new TemplateError(`undefined variable: ${name}`);
  }
  assign(name: string, value: unknown): void {
    for (let s: Scope | undefined = this; s; s = s.parent)
      if (s.vars.has(name)) {
        s.vars.set(name, value);
        return;
      }
    throw new TemplateError(`undefined variable: ${name}`);
  }
}

function walk(base: unknown, path: string[]): unknown {
  let cur = base;
  for (const p of path) {
    if (cur === NO_VALUE || cur === undefined || cur === null) return NO_VALUE;
    if (typeof cur !== 'object' || Array.isArray(cur))
      throw new TemplateError(
        `can't evaluate field ${p} in type ${Array.isArray(cur) ? 'slice' : typeof cur}`,
      );
    const o = cur as Record<string, unknown>;
    cur = Object.hasOwn(o, p) ? o[p] : NO_VALUE;
  }
  return cur;
}

export class Evaluator {
  readonly funcs: Record<string, TemplateFunc>;
  out = '';
  constructor(funcs: Record<string, TemplateFunc>) {
    this.funcs = funcs;
  }

  nodes(nodes: Node[], dot: unknown, scope: Scope): void {
    for (const n of nodes) {
      switch (n.k) {
        case 'text':
          this.out += n.text;
          break;
        case 'action': {
          const v = this.pipeline(n.pipe, dot, scope);
          if (n.pipe.decl.length === 0) this.out += goString(v);
          break;
        }
        case 'if':
        case 'with': {
          const inner = new Scope(scope);
          const v = this.pipeline(n.pipe, dot, inner);
          if (truthy(v)) this.nodes(n.yes, n.k === 'with' ? v : dot, inner);
          else this.nodes(n.no, dot, inner);
          break;
        }
        case 'range': {
          const inner = new Scope(scope);
          const coll = this.pipeline({ ...n.pipe, decl: [] }, dot, inner);
          const entries: [unknown, unknown][] = Array.isArray(coll)
            ? coll.map((v, i) => [i, v])
            : coll && typeof coll === 'object'
              ? Object.keys(coll)
                  .sort()
                  .map((k) => [k, (coll as Record<string, unknown>)[k]])
              : [];
          if (entries.length === 0) {
            this.nodes(n.no, dot, inner);
            break;
          }
          for (const [k, v] of entries) {
            const iter = new Scope(inner);
            if (n.pipe.decl.length === 1) iter.vars.set(n.pipe.decl[0] as string, v);
            if (n.pipe.decl.length === 2) {
              iter.vars.set(n.pipe.decl[0] as string, k);
              iter.vars.set(n.pipe.decl[1] as string, v);
            }
            this.nodes(n.yes, v, iter);
          }
          break;
        }
      }
    }
  }

  pipeline(p: Pipeline, dot: unknown, scope: Scope): unknown {
    let value: unknown = NO_VALUE;
    let first = true;
    for (const cmd of p.cmds) {
      value = this.command(cmd, dot, scope, first ? undefined : { value });
      first = false;
    }
    if (p.decl.length === 1) {
      if (p.assign) scope.assign(p.decl[0] as string, value);
      else scope.vars.set(p.decl[0] as string, value);
    }
    return value;
  }

  command(cmd: Command, dot: unknown, scope: Scope, piped?: { value: unknown }): unknown {
    const [head, ...rest] = cmd.args;
    if (!head) throw new TemplateError('empty command');
    if (head.t === 'ident') {
      const fn = this.funcs[head.name];
      if (!fn) throw new TemplateError(`function "${head.name}" not defined`);
      const args = rest.map((a) => this.operand(a, dot, scope));
      if (piped) args.push(piped.value);
      return fn(...args.map((a) => (a === NO_VALUE ? undefined : a)));
    }
    if (rest.length > 0 || piped)
      throw new TemplateError("can't give arguments to a non-function value");
    return this.operand(head, dot, scope);
  }

  operand(e: Expr, dot: unknown, scope: Scope): unknown {
    switch (e.t) {
      case 'lit':
        return e.value;
      case 'field':
        return walk(dot, e.path);
      case 'var':
        return walk(scope.lookup(e.name), e.path);
      case 'pipe':
        return walk(this.pipeline(e.pipe, dot, new Scope(scope)), e.path);
      case 'ident': {
        const fn = this.funcs[e.name];
        if (!fn) throw new TemplateError(`function "${e.name}" not defined`);
        return fn();
      }
    }
    return undefined;
  }
}
