// Reads the tree: which TypeScript files there are, what each imports and how long it is.
// Parsing only (no type check), so the whole tree takes a second or two.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, posix } from "node:path";
import ts from "typescript";

/** Top-level folders that hold the project's TypeScript (the same as tsconfig's `include`). */
export const SOURCE_ROOTS = ["schemas", "services", "cli", "deploy", "test", "scripts"] as const;

const SKIP_DIRS = new Set(["node_modules", "dist", ".tools", ".data", ".git"]);

/** One import of a file: a bare specifier (`target` undefined) or a relative one, resolved. */
export interface ImportRef {
  specifier: string;
  /** Repository-relative posix path of the imported file (`.js` read as `.ts`); undefined for packages. */
  target: string | undefined;
  line: number;
  /** `import type …` / `export type … from`: erased at run time, still a dependency of the design. */
  typeOnly: boolean;
}

export interface SourceFile {
  /** Repository-relative posix path. */
  path: string;
  /** Physical lines, counted as `wc -l` does (newline characters). */
  lines: number;
  imports: ImportRef[];
}

/** Every `.ts` file under the source roots of `root`, read and parsed. */
export function readTree(root: string): SourceFile[] {
  const paths: string[] = [];
  for (const top of SOURCE_ROOTS) walk(root, top, paths);
  return paths.sort().map((path) => parseFile(path, readFileSync(join(root, path), "utf8"), root));
}

function walk(root: string, dir: string, out: string[]): void {
  const abs = join(root, dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) return;
  for (const entry of readdirSync(abs, { withFileTypes: true })) {
    const rel = posix.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) walk(root, rel, out);
    } else if (entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) {
      out.push(rel);
    }
  }
}

/** Parses one file's imports; `root` (when given) lets a directory import resolve to its index. */
export function parseFile(path: string, text: string, root?: string): SourceFile {
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const imports: ImportRef[] = [];
  const add = (node: ts.Node, specifier: string, typeOnly: boolean): void => {
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    imports.push({ specifier, target: resolve(path, specifier, root), line, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node, node.moduleSpecifier.text, isTypeOnlyImport(node));
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node, node.moduleSpecifier.text, node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)
      && ts.isStringLiteral(node.moduleReference.expression)) {
      add(node, node.moduleReference.expression.text, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && isImportOrRequire(node) && node.arguments.length > 0) {
      const arg = node.arguments[0];
      // A computed specifier (`import(\`../${x}\`)`) cannot be checked statically; literals can.
      if (arg && (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg))) add(node, arg.text, false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node, node.argument.literal.text, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { path, lines: countNewlines(text), imports };
}

function isTypeOnlyImport(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (!clause) return false; // a side-effect import runs the module
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  // `import { type A, type B } from` is erased too (TypeScript drops the whole statement).
  return !clause.name && !!bindings && ts.isNamedImports(bindings) && bindings.elements.length > 0
    && bindings.elements.every((e) => e.isTypeOnly);
}

function isImportOrRequire(node: ts.CallExpression): boolean {
  if (node.expression.kind === ts.SyntaxKind.ImportKeyword) return true;
  return ts.isIdentifier(node.expression) && node.expression.text === "require";
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/** Maps a relative specifier to the repository-relative `.ts` file it names (NodeNext style). */
export function resolve(from: string, specifier: string, root?: string): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const joined = posix.normalize(posix.join(posix.dirname(from), specifier));
  if (/\.(m|c)?js$/.test(joined)) return joined.replace(/\.(m|c)?js$/, (ext) => ext.replace("js", "ts"));
  if (joined.endsWith(".ts") || joined.endsWith(".json")) return joined;
  if (root && existsSync(join(root, joined)) && statSync(join(root, joined)).isDirectory()) {
    return posix.join(joined, "index.ts");
  }
  return `${joined}.ts`;
}
