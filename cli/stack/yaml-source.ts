import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node, type ScalarTag } from "yaml";
import { ComposeError } from "./objects.js";

/*
 * One compose file read as docker's YAML parser (go-yaml v3) reads it, keeping where each key is,
 * so every later error can name the file and the line. go-yaml v3 resolves plain scalars as YAML
 * 1.2's core schema, except that a leading zero makes an integer octal (Go's ParseInt base 0):
 * `mode: 0440` is 288, as docker reads it.
 */

/** A key path inside the document: mapping keys and sequence indexes. */
export type KeyPath = readonly (string | number)[];

export interface SourceFile {
  file: string;
  /** The document as plain data (mappings, lists, strings, numbers, booleans, null). */
  data: Record<string, unknown>;
  /** The 1-based line of the key (or list item) at exactly `path`; undefined when it is not in this file. */
  lineOf(path: KeyPath): number | undefined;
}

const goOctal: ScalarTag = {
  identify: (v) => typeof v === "number",
  default: true,
  tag: "tag:yaml.org,2002:int",
  test: /^[-+]?0[0-7]+$/,
  resolve: (s) => parseInt(s, 8),
};

/** Docker's own rendering of a key path: `services.web.ports[0].target`. */
export function keyName(path: KeyPath): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

export function parseComposeYaml(file: string, text: string): SourceFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, merge: true, customTags: [goOctal], uniqueKeys: true, prettyErrors: false });
  const first = doc.errors[0];
  if (first) {
    const at = first.linePos?.[0]?.line;
    throw new ComposeError(file, at, "", `invalid YAML: ${first.message.split("\n")[0] ?? first.code}`);
  }
  const data: unknown = doc.toJS({ maxAliasCount: 1000 });
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new ComposeError(file, 1, "", "top-level object must be a mapping");
  }
  const positions = new Map<string, number>();
  if (doc.contents) record(doc.contents, [], positions, lines);
  for (const key of Object.keys(data)) {
    if (typeof key !== "string" || key.length === 0) throw new ComposeError(file, 1, "", "keys must be non-empty strings");
  }
  return { file, data: data as Record<string, unknown>, lineOf: (path) => positions.get(JSON.stringify(path)) };
}

function record(node: Node | null | undefined, path: (string | number)[], out: Map<string, number>, lines: LineCounter): void {
  if (!node) return;
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair) || !isScalar(pair.key)) continue;
      const key = String(pair.key.value);
      const at = path.concat(key);
      if (pair.key.range) out.set(JSON.stringify(at), lines.linePos(pair.key.range[0]).line);
      record(pair.value as Node | null, at, out, lines);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => {
      const at = path.concat(i);
      const n = item as Node | null;
      if (n?.range) out.set(JSON.stringify(at), lines.linePos(n.range[0]).line);
      record(n, at, out, lines);
    });
  }
}

/**
 * Where a key of the merged configuration was written: the last file (later files override) that
 * has the path itself, else the last with its nearest ancestor (a key a default added has none).
 */
export function locate(files: readonly SourceFile[], path: KeyPath): { file: string; line: number | undefined } {
  for (let n = path.length; n > 0; n--) {
    for (let i = files.length - 1; i >= 0; i--) {
      const f = files[i];
      const line = f?.lineOf(path.slice(0, n));
      if (f && line !== undefined) return { file: f.file, line };
    }
  }
  return { file: files[0]?.file ?? "", line: undefined };
}

/** A ComposeError at `path` of the merged configuration. */
export function errorAt(files: readonly SourceFile[], path: KeyPath, detail: string): ComposeError {
  const { file, line } = locate(files, path);
  return new ComposeError(file, line, keyName(path), detail);
}
