import { parseTemplate, type Command, type Node, type Operand, type Pipe } from "./template-parse.js";
import { FUNCS, goPrint, goTypeName, HEADER_FUNCS, isStruct, isTrue, type FuncDef } from "./template-funcs.js";

export { GO_TYPE, goJson, type GoStruct } from "./template-funcs.js";

/*
 * The Go text/template subset docker's CLI templates use (parser in template-parse.ts, values and
 * functions in template-funcs.ts), executed over plain data: objects are Go maps, objects marked
 * with GO_TYPE are docker's context structs, a function-valued field is a method. Errors carry
 * Go's words and positions (`template: :1:2: executing "" at <.Nope>: can't evaluate field Nope
 * in type *service.serviceContext`). Pure.
 */

export interface ExecOptions {
  /** Go's `missingkey=error` (docker's inspect on raw JSON): a map without the key is an error. Default: `<no value>`. */
  missingKeyError?: boolean;
  /** Table headers are rendered with docker's HeaderFunctions (json, upper, … return their argument). */
  header?: boolean;
}

class ExecError extends Error {}

type Vars = Map<string, unknown>;

class Exec {
  constructor(private readonly src: string, private readonly opts: ExecOptions, private readonly funcs: Readonly<Record<string, FuncDef>>) {}

  private fail(pos: number, context: string, msg: string): never {
    const before = this.src.slice(0, pos);
    const nl = before.lastIndexOf("\n");
    const line = 1 + (before.match(/\n/g)?.length ?? 0);
    throw new ExecError(`template: :${line}:${nl < 0 ? pos : pos - nl - 1}: executing "" at <${context}>: ${msg}`);
  }

  run(nodes: Node[], dot: unknown, vars: Vars, out: string[]): void {
    for (const n of nodes) {
      if (n.t === "text") out.push(n.s);
      else if (n.t === "action") {
        const v = this.pipe(n.pipe, dot, vars);
        if (!n.pipe.decl.length) out.push(goPrint(v));
      } else if (n.t === "range") this.range(n, dot, vars, out);
      else {
        const scope = new Map(vars);
        const v = this.pipe(n.pipe, dot, scope);
        if (isTrue(v)) this.run(n.body, n.t === "with" ? v : dot, scope, out);
        else if (n.alt) this.run(n.alt, dot, scope, out);
      }
    }
  }

  private range(n: Extract<Node, { t: "if" | "with" | "range" }>, dot: unknown, vars: Vars, out: string[]): void {
    const scope = new Map(vars);
    const decl = n.pipe.decl;
    const v = this.pipe({ ...n.pipe, decl: [] }, dot, scope);
    let items: [unknown, unknown][];
    if (Array.isArray(v)) items = v.map((x, i) => [i, x]);
    else if (typeof v === "object" && v !== null && !isStruct(v)) items = Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]);
    else if (v === undefined || v === null) items = [];
    else return this.fail(n.pipe.pos, "range", `range can't iterate over ${goPrint(v)}`);
    if (!items.length && n.alt) this.run(n.alt, dot, scope, out);
    for (const [k, x] of items) {
      if (decl.length === 1) scope.set(decl[0]!, x);
      if (decl.length === 2) { scope.set(decl[0]!, k); scope.set(decl[1]!, x); }
      this.run(n.body, x, scope, out);
    }
  }

  private pipe(p: Pipe, dot: unknown, vars: Vars): unknown {
    let value: unknown;
    let piped = false;
    for (const c of p.cmds) {
      value = this.command(c, dot, vars, piped ? [value] : []);
      piped = true;
    }
    for (const d of p.decl) vars.set(d, value);
    return value;
  }

  private command(c: Command, dot: unknown, vars: Vars, piped: unknown[]): unknown {
    const [head, ...rest] = c.args;
    if (head!.t === "fn") return this.call(head!.name, head!.pos, [...rest.map((a) => this.operand(a, dot, vars, [])), ...piped]);
    const args = [...rest.map((a) => this.operand(a, dot, vars, [])), ...piped];
    if (args.length && head!.t !== "field" && head!.t !== "var") {
      return this.fail(c.pos, goPrint(this.operand(head!, dot, vars, [])), "can't give argument to non-function");
    }
    return this.operand(head!, dot, vars, args);
  }

  private call(name: string, pos: number, args: unknown[]): unknown {
    const f = this.funcs[name]!;
    if ((f.arity >= 0 && args.length !== f.arity) || args.length < (f.min ?? 0)) {
      this.fail(pos, name, `wrong number of args for ${name}: want ${f.arity >= 0 ? f.arity : `at least ${f.min ?? 0}`} got ${args.length}`);
    }
    try {
      return f.fn(...args);
    } catch (err) {
      return this.fail(pos, name, `error calling ${name}: ${(err as Error).message}`);
    }
  }

  private operand(o: Operand, dot: unknown, vars: Vars, args: unknown[]): unknown {
    switch (o.t) {
      case "lit": return o.v;
      case "fn": return this.call(o.name, o.pos, args);
      case "pipe": return this.pipe(o.pipe, dot, new Map(vars));
      case "var": {
        if (o.name !== "$" && !vars.has(o.name)) return this.fail(o.pos, o.src, `undefined variable: ${o.name}`);
        return this.chain(o.name === "$" && !vars.has("$") ? vars.get("$root") : vars.get(o.name), o.path, o, args);
      }
      case "field": return this.chain(dot, o.path, o, args);
    }
  }

  private chain(start: unknown, path: string[], o: { pos: number; src: string }, args: unknown[]): unknown {
    let v = start;
    path.forEach((name, i) => {
      v = this.field(v, name, o, i === path.length - 1 ? args : []);
    });
    if (!path.length && args.length) this.fail(o.pos, o.src, "can't give argument to non-function");
    return v;
  }

  private field(v: unknown, name: string, o: { pos: number; src: string }, args: unknown[]): unknown {
    if (v === undefined || v === null) return this.fail(o.pos, o.src, `nil pointer evaluating interface {}.${name}`);
    if (isStruct(v)) {
      if (!(name in v)) return this.fail(o.pos, o.src, `can't evaluate field ${name} in type ${goTypeName(v)}`);
      const f = v[name];
      if (typeof f === "function") return (f as (...a: unknown[]) => unknown)(...args);
      if (args.length) this.fail(o.pos, o.src, `${name} has arguments but cannot be invoked as function`);
      return f;
    }
    if (typeof v !== "object" || Array.isArray(v)) return this.fail(o.pos, o.src, `can't evaluate field ${name} in type ${goTypeName(v)}`);
    const map = v as Record<string, unknown>;
    if (typeof map[name] === "function") return (map[name] as (...a: unknown[]) => unknown)(...args);
    if (args.length) this.fail(o.pos, o.src, `${name} is not a method but has arguments`);
    if (!(name in map) && this.opts.missingKeyError) this.fail(o.pos, o.src, `map has no entry for key "${name}"`);
    return map[name];
  }
}

/** A parsed template: `execute(data)` renders it; errors (parse or execution) are Go's messages. */
export interface GoTemplate { execute(data: unknown, opts?: ExecOptions): string }

export function goTemplate(src: string): GoTemplate {
  const nodes = parseTemplate(src, new Set(Object.keys(FUNCS)));
  return {
    execute(data, opts = {}) {
      const out: string[] = [];
      new Exec(src, opts, opts.header ? HEADER_FUNCS : FUNCS).run(nodes, data, new Map([["$root", data]]), out);
      return out.join("");
    },
  };
}
