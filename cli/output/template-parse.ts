/*
 * The parser of the Go text/template subset docker's `--format` and pretty templates use: text,
 * `{{ pipeline }}` actions with `{{-`/`-}}` trim markers and comments, `if`/`else if`/`else`,
 * `range` (with `$i, $v :=`), `with`, `end`; pipelines of commands joined by `|`; operands `.`,
 * `.A.B`, `$`, `$x.A`, strings, numbers, booleans, `nil`, `(pipelines)` and function names.
 * Pure. Errors are Go's (`template: :1: function "nope" not defined`).
 */

export type Operand =
  | { t: "field"; path: string[]; pos: number; src: string }
  | { t: "var"; name: string; path: string[]; pos: number; src: string }
  | { t: "lit"; v: string | number | boolean | null }
  | { t: "fn"; name: string; pos: number }
  | { t: "pipe"; pipe: Pipe };
export interface Command { args: Operand[]; pos: number }
export interface Pipe { decl: string[]; cmds: Command[]; pos: number }
export type Node =
  | { t: "text"; s: string }
  | { t: "action"; pipe: Pipe }
  | { t: "if" | "with" | "range"; pipe: Pipe; body: Node[]; alt?: Node[] };

const KEYWORDS = new Set(["if", "else", "end", "range", "with", "define", "template", "block", "break", "continue"]);

function parseError(line: number, msg: string): Error {
  return new Error(`template: :${line}: ${msg}`);
}

interface RawAction { text: string; pos: number; line: number }
type Piece = string | RawAction;

/** Splits the template into text and the insides of `{{…}}`, applying the trim markers. */
function split(src: string): Piece[] {
  const out: Piece[] = [];
  let i = 0;
  let trimNext = false;
  while (i < src.length) {
    const open = src.indexOf("{{", i);
    let text = src.slice(i, open < 0 ? src.length : open);
    if (trimNext) text = text.replace(/^\s+/, "");
    if (open < 0) { out.push(text); break; }
    const trimLeft = /^\{\{-[ \t\r\n]/.test(src.slice(open, open + 4));
    if (trimLeft) text = text.replace(/\s+$/, "");
    out.push(text);
    const start = open + (trimLeft ? 3 : 2);
    const close = findClose(src, start);
    const line = 1 + (src.slice(0, open).match(/\n/g)?.length ?? 0);
    if (close < 0) throw parseError(line, "unclosed action");
    const trimRight = /[ \t\r\n]-$/.test(src.slice(start, close));
    const inner = src.slice(start, trimRight ? close - 1 : close);
    if (!/^\s*\/\*[\s\S]*\*\/\s*$/.test(inner)) out.push({ text: inner, pos: start, line });
    trimNext = trimRight;
    i = close + 2;
  }
  return out;
}

function findClose(src: string, from: number): number {
  let quote = "";
  for (let i = from; i < src.length; i++) {
    const c = src[i]!;
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = "";
    } else if (c === '"' || c === "`") quote = c;
    else if (c === "}" && src[i + 1] === "}") return i;
  }
  return -1;
}

interface Tok { k: "word" | "str" | "num" | "field" | "var" | "punct"; v: string; pos: number }

const TOKEN = /\s+|("(?:[^"\\]|\\.)*"|`[^`]*`)|(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)|(\.[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*|\.)|(\$[A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)|([A-Za-z_][A-Za-z0-9_]*)|(:=|[()|,=])/y;

function tokenize(a: RawAction): Tok[] {
  const toks: Tok[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < a.text.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(a.text);
    if (!m) throw parseError(a.line, `unexpected "${a.text[at]}" in command`);
    const pos = a.pos + at;
    if (m[1] !== undefined) toks.push({ k: "str", v: m[1], pos });
    else if (m[2] !== undefined) toks.push({ k: "num", v: m[2], pos });
    else if (m[3] !== undefined) toks.push({ k: "field", v: m[3], pos });
    else if (m[4] !== undefined) toks.push({ k: "var", v: m[4], pos });
    else if (m[5] !== undefined) toks.push({ k: "word", v: m[5], pos });
    else if (m[6] !== undefined) toks.push({ k: "punct", v: m[6], pos });
  }
  return toks;
}

function unquote(s: string): string {
  if (s.startsWith("`")) return s.slice(1, -1);
  return JSON.parse(s.replace(/\\'/g, "'")) as string;
}

/** Parses the tokens of one pipeline (`$x := a | b c`), up to `)` or the end. */
class PipeParser {
  private i = 0;
  constructor(private readonly toks: Tok[], private readonly line: number, private readonly funcs: ReadonlySet<string>) {}

  pipe(pos: number, allowDecl: boolean): Pipe {
    const decl: string[] = [];
    if (allowDecl) {
      const j = this.toks.findIndex((t) => t.k === "punct" && (t.v === ":=" || t.v === "="));
      if (j > 0 && this.toks.slice(0, j).every((t) => t.k === "var" || (t.k === "punct" && t.v === ","))) {
        decl.push(...this.toks.slice(0, j).filter((t) => t.k === "var").map((t) => t.v));
        this.i = j + 1;
      }
    }
    const cmds: Command[] = [];
    for (;;) {
      const args: Operand[] = [];
      const at = this.toks[this.i]?.pos ?? pos;
      while (this.i < this.toks.length && !this.isPunct("|") && !this.isPunct(")")) args.push(this.operand());
      if (!args.length) throw parseError(this.line, "missing value for command");
      cmds.push({ args, pos: at });
      if (!this.isPunct("|")) break;
      this.i++;
    }
    return { decl, cmds, pos };
  }

  done(): boolean { return this.i >= this.toks.length; }

  private isPunct(v: string): boolean {
    const t = this.toks[this.i];
    return t?.k === "punct" && t.v === v;
  }

  private operand(): Operand {
    const t = this.toks[this.i++]!;
    switch (t.k) {
      case "str": return { t: "lit", v: unquote(t.v) };
      case "num": return { t: "lit", v: Number(t.v) };
      case "field": return { t: "field", path: t.v === "." ? [] : t.v.slice(1).split("."), pos: t.pos, src: t.v };
      case "var": {
        const [name, ...path] = t.v.split(".");
        return { t: "var", name: name!, path, pos: t.pos, src: t.v };
      }
      case "punct":
        if (t.v !== "(") throw parseError(this.line, `unexpected "${t.v}" in operand`);
        return this.group(t.pos);
      case "word":
        if (t.v === "true" || t.v === "false") return { t: "lit", v: t.v === "true" };
        if (t.v === "nil") return { t: "lit", v: null };
        if (KEYWORDS.has(t.v)) throw parseError(this.line, `unexpected <${t.v}> in command`);
        if (!this.funcs.has(t.v)) throw parseError(this.line, `function "${t.v}" not defined`);
        return { t: "fn", name: t.v, pos: t.pos };
    }
  }

  private group(pos: number): Operand {
    const pipe = this.pipe(pos, false);
    if (!this.isPunct(")")) throw parseError(this.line, "unclosed left paren");
    this.i++;
    return { t: "pipe", pipe };
  }
}

function pipeOf(a: RawAction, toks: Tok[], funcs: ReadonlySet<string>, allowDecl = true): Pipe {
  const p = new PipeParser(toks, a.line, funcs);
  const pipe = p.pipe(toks[0]?.pos ?? a.pos, allowDecl);
  if (!p.done()) throw parseError(a.line, "unexpected \")\" in command");
  return pipe;
}

/** Parses `src`; `funcs` are the function names the template may call. */
export function parseTemplate(src: string, funcs: ReadonlySet<string>): Node[] {
  const pieces = split(src);
  let k = 0;
  // Parses nodes until an `else` or `end` (returned) or the end of input (undefined).
  const list = (): { nodes: Node[]; stop?: { word: string; a: RawAction; toks: Tok[] } } => {
    const nodes: Node[] = [];
    while (k < pieces.length) {
      const p = pieces[k++]!;
      if (typeof p === "string") {
        if (p) nodes.push({ t: "text", s: p });
        continue;
      }
      const toks = tokenize(p);
      if (!toks.length) throw parseError(p.line, "missing value for command");
      const head = toks[0]!;
      if (head.k === "word" && (head.v === "else" || head.v === "end")) return { nodes, stop: { word: head.v, a: p, toks: toks.slice(1) } };
      if (head.k === "word" && (head.v === "if" || head.v === "with" || head.v === "range")) nodes.push(block(head.v, p, toks.slice(1)));
      else nodes.push({ t: "action", pipe: pipeOf(p, toks, funcs) });
    }
    return { nodes };
  };
  const block = (kind: "if" | "with" | "range", a: RawAction, toks: Tok[]): Node => {
    if (!toks.length) throw parseError(a.line, `missing value for ${kind}`);
    const pipe = pipeOf(a, toks, funcs);
    const body = list();
    if (!body.stop) throw parseError(a.line, "unexpected EOF");
    if (body.stop.word === "end") return { t: kind, pipe, body: body.nodes };
    // `{{else if …}}` is an `if` nested in the else branch, closed by the same `{{end}}`.
    const rest = body.stop.toks;
    if (rest.length && rest[0]!.k === "word" && (rest[0]!.v === "if" || rest[0]!.v === "with")) {
      return { t: kind, pipe, body: body.nodes, alt: [block(rest[0]!.v as "if" | "with", body.stop.a, rest.slice(1))] };
    }
    const alt = list();
    if (alt.stop?.word !== "end") throw parseError(a.line, alt.stop ? "expected end; found {{else}}" : "unexpected EOF");
    return { t: kind, pipe, body: body.nodes, alt: alt.nodes };
  };
  const top = list();
  if (top.stop) throw parseError(top.stop.a.line, `unexpected {{${top.stop.word}}}`);
  return top.nodes;
}
