// The module boundaries of DESIGN §4 and CONVENTIONS (habits 2 and 9), as checks over the tree.
// Pure: it sees paths and import lists only, so the unit test can feed it small fixture trees.
import type { ImportRef, SourceFile } from "./source.js";
import { findCycles } from "./cycles.js";

export const RULES = {
  corePurity: "core-purity",
  pureShared: "pure-shared",
  serviceIsolation: "service-isolation",
  deepImport: "shared-deep-import",
  sharedLayering: "shared-layering",
  schemasBottom: "schemas-bottom",
  cycle: "import-cycle",
  maxLines: "max-lines",
  staleKnown: "stale-known-violation",
} as const;
export type Rule = (typeof RULES)[keyof typeof RULES];

export interface Violation {
  rule: Rule;
  path: string;
  line: number;
  message: string;
}

/** Physical lines (as `wc -l` counts) a non-test source file may have. */
export const MAX_LINES = 300;
/** The shared packages with no I/O: the only ones `core/` may import. */
export const PURE_SHARED = ["errors", "model", "ownership"] as const;
/**
 * services/shared/ packages in dependency order (services/shared/README.md): a package imports only
 * packages before it. A package not listed here is held only to the other rules: add it.
 */
export const SHARED_ORDER = ["errors", "seal", "pki", "telemetry", "model", "ownership", "nats", "rpc", "eventlog",
  "projection", "instances", "reconcile", "runtime"] as const;
/** The one package core may load: zod parses, it does no I/O (schemas/ is built on it). */
const PURE_PACKAGES = new Set(["zod"]);
/** Packages a unit test inside `core/` may load besides what core itself may. */
const TEST_BUILTINS = new Set(["node:test", "node:assert", "node:assert/strict"]);
const MAX_LINES_ROOTS = ["schemas/", "services/", "cli/", "deploy/", "scripts/"];

export const isTest = (path: string): boolean => path.endsWith(".test.ts") || path.startsWith("test/");
const serviceOf = (path: string): string | undefined => /^services\/([^/]+)\//.exec(path)?.[1];
const coreServiceOf = (path: string): string | undefined => /^services\/([^/]+)\/core\//.exec(path)?.[1];
const sharedPackageOf = (path: string): string | undefined => /^services\/shared\/([^/]+)\//.exec(path)?.[1];
const isPureShared = (pkg: string | undefined): boolean => (PURE_SHARED as readonly string[]).includes(pkg ?? "");

/** Every violation in the tree, sorted by file and line. */
export function checkTree(files: readonly SourceFile[]): Violation[] {
  const out: Violation[] = [];
  for (const file of files) {
    checkLength(file, out);
    for (const ref of file.imports) checkImport(file.path, ref, out);
  }
  out.push(...cycleViolations(files));
  return out.sort((a, b) => a.path.localeCompare(b.path) || a.line - b.line || a.rule.localeCompare(b.rule));
}

function checkLength(file: SourceFile, out: Violation[]): void {
  if (isTest(file.path) || !MAX_LINES_ROOTS.some((r) => file.path.startsWith(r))) return;
  if (file.lines > MAX_LINES) {
    out.push({ rule: RULES.maxLines, path: file.path, line: MAX_LINES + 1,
      message: `${file.lines} lines; a non-test source file has at most ${MAX_LINES} (split it by concern)` });
  }
}

function checkImport(path: string, ref: ImportRef, out: Violation[]): void {
  const report = (rule: Rule, message: string): void => { out.push({ rule, path, line: ref.line, message }); };
  const core = coreServiceOf(path);
  if (core !== undefined) checkCoreImport(path, core, ref, report);
  else if (isPureShared(sharedPackageOf(path)) && !isTest(path)) checkPureSharedImport(path, ref, report);
  if (ref.target === undefined) return;
  const from = serviceOf(path);
  const to = serviceOf(ref.target);
  if (from !== undefined && to !== undefined && to !== "shared" && to !== from) {
    report(RULES.serviceIsolation, `services/${from}/ imports services/${to}/ ("${ref.specifier}"); services never import `
      + "each other (they talk through the event log): move what both need to services/shared/ or schemas/");
  }
  const pkg = sharedPackageOf(ref.target);
  if (pkg !== undefined && sharedPackageOf(path) !== pkg && ref.target !== `services/shared/${pkg}/index.ts`) {
    report(RULES.deepImport, `deep import "${ref.specifier}" into services/shared/${pkg}/; import it through `
      + `services/shared/${pkg}/index.ts (add the name there if it is missing)`);
  }
  checkLayering(path, ref, pkg, report);
  if (path.startsWith("schemas/") && !ref.target.startsWith("schemas/")) {
    report(RULES.schemasBottom, `schemas/ imports "${ref.specifier}" (${ref.target}); schemas/ is the bottom layer `
      + "and imports nothing from services/, cli/, deploy/ or test/");
  }
}

type Report = (rule: Rule, message: string) => void;

function checkLayering(path: string, ref: ImportRef, to: string | undefined, report: Report): void {
  const from = sharedPackageOf(path);
  if (from === undefined || to === undefined || from === to || isTest(path)) return;
  const order: readonly string[] = SHARED_ORDER;
  if (!order.includes(from) || !order.includes(to) || order.indexOf(to) < order.indexOf(from)) return;
  report(RULES.sharedLayering, `services/shared/${from}/ imports services/shared/${to}/ ("${ref.specifier}"), which `
    + `comes after it in the dependency order (${SHARED_ORDER.join(" < ")}): move the part both need down`);
}

const CORE_ALLOWED = "core/ may import only zod, schemas/, services/shared/{errors,model,ownership} and its own core/";

function checkCoreImport(path: string, service: string, ref: ImportRef, report: Report): void {
  if (ref.target === undefined) {
    if (PURE_PACKAGES.has(ref.specifier) || (isTest(path) && TEST_BUILTINS.has(ref.specifier))) return;
    report(RULES.corePurity, `core file imports package "${ref.specifier}"; core/ is pure (no NATS, no Docker, `
      + `no node:*, no I/O): ${CORE_ALLOWED}`);
    return;
  }
  const allowed = ["schemas/", `services/${service}/core/`, ...PURE_SHARED.map((p) => `services/shared/${p}/`)];
  if (allowed.some((prefix) => ref.target!.startsWith(prefix))) return;
  const what = ref.target.includes("/shell/") ? "a shell/ file" : ref.target;
  report(RULES.corePurity, `core file imports ${what} ("${ref.specifier}"); ${CORE_ALLOWED}`);
}

/**
 * errors/, model/ and ownership/ are what core/ builds on, so they are held to core's rule (their
 * unit tests are not: no core file loads them, and they may use the stores they test against).
 */
function checkPureSharedImport(path: string, ref: ImportRef, report: Report): void {
  const pkg = sharedPackageOf(path)!;
  const why = `services/shared/${pkg}/ is pure (core/ imports it): it may import only zod, schemas/ and `
    + "services/shared/{errors,model,ownership}";
  if (ref.target === undefined) {
    if (PURE_PACKAGES.has(ref.specifier)) return;
    report(RULES.pureShared, `imports package "${ref.specifier}"; ${why}`);
    return;
  }
  if (ref.target.startsWith("schemas/") || isPureShared(sharedPackageOf(ref.target))) return;
  report(RULES.pureShared, `imports ${ref.target} ("${ref.specifier}"); ${why}`);
}

function cycleViolations(files: readonly SourceFile[]): Violation[] {
  const known = new Set(files.map((f) => f.path));
  const edges = new Map<string, { to: string; line: number }[]>();
  for (const f of files) {
    // Type-only imports are erased, so they cannot make a load-order cycle (import-x/no-cycle's rule too).
    edges.set(f.path, f.imports.filter((i) => !i.typeOnly && i.target !== undefined && known.has(i.target))
      .map((i) => ({ to: i.target!, line: i.line })));
  }
  return findCycles(edges).map((cycle) => ({
    rule: RULES.cycle, path: cycle[0]!.from, line: cycle[0]!.line,
    message: `import cycle: ${[...cycle.map((s) => s.from), cycle[0]!.from].join(" → ")}; break it by moving `
      + "the shared part into a module both import",
  }));
}
