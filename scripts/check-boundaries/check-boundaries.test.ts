import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { withoutKnown } from "./known.js";
import { checkTree, RULES } from "./rules.js";
import { readTree } from "./source.js";

type Tree = Record<string, string>;

const lines = (n: number): string => "export const x = 1;\n".repeat(n);

/** A small tree that keeps every boundary, and exercises each thing the rules must allow. */
const CLEAN: Tree = {
  "schemas/index.ts": 'import { z } from "zod";\nexport const A = z.string();\n',
  "services/shared/errors/index.ts": "export class E extends Error {}\n",
  "services/shared/model/index.ts": 'export { s } from "./state.js";\n',
  "services/shared/model/state.ts": 'import { z } from "zod";\nimport { A } from "../../../schemas/index.js";\n'
    + 'import { E } from "../errors/index.js";\nexport const s = [z, A, E];\n',
  // A pure package's test may use the stores it tests against.
  "services/shared/model/state.test.ts": 'import { c } from "../eventlog/index.js";\nimport "node:fs";\nexport const t = c;\n',
  "services/shared/nats/index.ts": 'import { connect } from "@nats-io/transport-node";\nimport { E } from "../errors/index.js";\n'
    + "export const n = [connect, E];\n",
  "services/shared/eventlog/index.ts": 'import { n } from "../nats/index.js";\nexport const c = n;\n',
  "services/alpha/core/plan.ts": 'import { z } from "zod";\nimport { s } from "../../shared/model/index.js";\n'
    + 'import { E } from "../../shared/errors/index.js";\nimport { A } from "../../../schemas/index.js";\n'
    + 'import { helper } from "./filters/helper.js";\nexport const p = [z, s, E, A, helper];\n',
  // A type-only import back is erased at run time: not a cycle.
  "services/alpha/core/filters/helper.ts": 'import type { p } from "../plan.js";\nexport const helper = 1;\nexport type P = typeof p;\n',
  "services/alpha/core/plan.test.ts": 'import { it } from "node:test";\nimport assert from "node:assert/strict";\n'
    + 'import { p } from "./plan.js";\nit("plans", () => assert.ok(p));\n',
  "services/alpha/shell/store.ts": 'import { jetstream } from "@nats-io/jetstream";\nimport Docker from "dockerode";\n'
    + 'import { readFile } from "node:fs";\nimport { c } from "../../shared/eventlog/index.js";\n'
    + 'import { p } from "../core/plan.js";\nexport const x = [jetstream, Docker, readFile, c, p];\n',
  "services/beta/index.ts": 'import { s } from "../shared/model/index.js";\nexport const b = s;\n',
  "cli/main.ts": 'import { x } from "../services/alpha/shell/store.js";\nimport { b } from "../services/beta/index.js";\n'
    + "export const m = [x, b];\n",
  "services/alpha/shell/exactly-300.ts": lines(300),
  "services/alpha/shell/long.test.ts": lines(400),
  "test/helpers/long.ts": lines(400),
};

const roots: string[] = [];
function write(tree: Tree): string {
  const root = mkdtempSync(join(tmpdir(), "check-boundaries-"));
  roots.push(root);
  for (const [path, text] of Object.entries(tree)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

/** `rule path:line` for every violation in CLEAN with `changes` applied. */
function check(changes: Tree): string[] {
  return checkTree(readTree(write({ ...CLEAN, ...changes }))).map((v) => `${v.rule} ${v.path}:${v.line}`);
}

describe("check-boundaries", () => {
  it("finds nothing in a tree that keeps the boundaries", () => {
    assert.deepEqual(check({}), []);
  });

  it("core/ importing NATS, Docker, node:* or a shell/ file", () => {
    for (const spec of ["@nats-io/jetstream", "@nats-io/kv", "dockerode", "node:fs", "fs", "../shell/store.js"]) {
      assert.deepEqual(check({ "services/alpha/core/bad.ts": `import { y } from "${spec}";\nexport const b = y;\n` }),
        [`${RULES.corePurity} services/alpha/core/bad.ts:1`], spec);
    }
  });

  it("core/ importing an impure shared package, another service's core or a deep path", () => {
    const bad = (spec: string): Tree => ({ "services/alpha/core/filters/bad.ts": `export * from "${spec}";\n` });
    assert.deepEqual(check(bad("../../../shared/nats/index.js")), [`${RULES.corePurity} services/alpha/core/filters/bad.ts:1`]);
    assert.deepEqual(check(bad("../../../beta/core/x.js")),
      [`${RULES.corePurity} services/alpha/core/filters/bad.ts:1`, `${RULES.serviceIsolation} services/alpha/core/filters/bad.ts:1`]);
    assert.deepEqual(check(bad("../../index.js")), [`${RULES.corePurity} services/alpha/core/filters/bad.ts:1`]);
  });

  it("a core/ test may load node:test and node:assert, nothing else of node", () => {
    const test = (spec: string): Tree => ({ "services/alpha/core/x.test.ts": `import "node:test";\nimport "${spec}";\n` });
    assert.deepEqual(check(test("node:assert")), []);
    assert.deepEqual(check(test("node:child_process")), [`${RULES.corePurity} services/alpha/core/x.test.ts:2`]);
  });

  it("a pure shared package importing I/O", () => {
    assert.deepEqual(check({ "services/shared/model/io.ts": 'import { randomUUID } from "node:crypto";\nexport const r = randomUUID;\n' }),
      [`${RULES.pureShared} services/shared/model/io.ts:1`]);
    assert.deepEqual(check({ "services/shared/ownership/x.ts": 'import { n } from "../nats/index.js";\nexport const y = n;\n' }),
      [`${RULES.pureShared} services/shared/ownership/x.ts:1`, `${RULES.sharedLayering} services/shared/ownership/x.ts:1`]);
  });

  it("a service importing another service, statically, by re-export or by a literal dynamic import", () => {
    assert.deepEqual(check({ "services/beta/shell/a.ts": 'import { x } from "../../alpha/shell/store.js";\nexport const a = x;\n' }),
      [`${RULES.serviceIsolation} services/beta/shell/a.ts:1`]);
    assert.deepEqual(check({ "services/beta/b.ts": 'export { p } from "../alpha/core/plan.js";\n' }),
      [`${RULES.serviceIsolation} services/beta/b.ts:1`]);
    assert.deepEqual(check({ "services/beta/c.ts": 'export const c = () => import("../alpha/index.js");\n' }),
      [`${RULES.serviceIsolation} services/beta/c.ts:1`]);
  });

  it("a deep import into a shared package from outside it", () => {
    assert.deepEqual(check({ "services/beta/d.ts": 'import { s } from "../shared/model/state.js";\nexport const d = s;\n' }),
      [`${RULES.deepImport} services/beta/d.ts:1`]);
    assert.deepEqual(check({ "test/integration/d.test.ts": 'import type { s } from "../../services/shared/model/state.js";\n' }),
      [`${RULES.deepImport} test/integration/d.test.ts:1`]);
  });

  it("a shared package importing one after it in the order", () => {
    assert.deepEqual(check({ "services/shared/nats/up.ts": 'import { c } from "../eventlog/index.js";\nexport const u = c;\n' }),
      [`${RULES.sharedLayering} services/shared/nats/up.ts:1`], "no cycle (nats/index.ts does not load up.ts), yet the order is broken");
  });

  it("schemas/ importing from services/", () => {
    assert.deepEqual(check({ "schemas/x.ts": 'import type { s } from "../services/shared/model/index.js";\nexport type X = typeof s;\n' }),
      [`${RULES.schemasBottom} schemas/x.ts:1`]);
  });

  it("an import cycle, reported once with its path", () => {
    const tree = write({ ...CLEAN,
      "services/beta/a.ts": 'import { b } from "./b.js";\nexport const a = b;\n',
      "services/beta/b.ts": '\nimport { c } from "./c.js";\nexport const b = c;\n',
      "services/beta/c.ts": 'export { a } from "./a.js";\nexport const c = 1;\n' });
    const found = checkTree(readTree(tree));
    assert.deepEqual(found.map((v) => `${v.rule} ${v.path}:${v.line}`), [`${RULES.cycle} services/beta/a.ts:1`]);
    assert.match(found[0]!.message, /services\/beta\/a\.ts → services\/beta\/b\.ts → services\/beta\/c\.ts → services\/beta\/a\.ts/);
    assert.deepEqual(check({ "services/beta/self.ts": 'import "./self.js";\n' }), [`${RULES.cycle} services/beta/self.ts:1`]);
  });

  it("a non-test source file over 300 lines, counted as wc -l does", () => {
    assert.deepEqual(check({ "services/alpha/shell/long.ts": lines(301) }), [`${RULES.maxLines} services/alpha/shell/long.ts:301`]);
    // wc -l counts newlines: a last line without one is not counted.
    assert.deepEqual(check({ "scripts/x/long.ts": `${lines(300)}export const y = 2;` }), []);
    assert.deepEqual(check({ "scripts/x/long.ts": `${lines(300)}export const y = 2;\n` }), [`${RULES.maxLines} scripts/x/long.ts:301`]);
    assert.deepEqual(check({ "deploy/long.ts": `${lines(300)}// one more\n` }), [`${RULES.maxLines} deploy/long.ts:301`]);
  });

  it("a known violation is excused, and reported once nothing matches it", () => {
    const known = [{ rule: RULES.maxLines, path: "deploy/long.ts", why: "split elsewhere" }];
    const found = checkTree(readTree(write({ ...CLEAN, "deploy/long.ts": lines(301), "deploy/longer.ts": lines(302) })));
    assert.deepEqual(withoutKnown(found, known).map((v) => v.path), ["deploy/longer.ts"]);
    assert.deepEqual(withoutKnown([], known).map((v) => `${v.rule} ${v.path}`), [`${RULES.staleKnown} deploy/long.ts`]);
  });

  it("the command exits 1 and names the file, the line and the rule", () => {
    const root = write({ ...CLEAN, "services/alpha/core/bad.ts": 'import { connect } from "@nats-io/transport-node";\n' });
    const main = join(dirname(fileURLToPath(import.meta.url)), "main.js");
    const run = spawnSync(process.execPath, [main, root], { encoding: "utf8" });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /^services\/alpha\/core\/bad\.ts:1: core-purity: core file imports package "@nats-io\/transport-node"/m);
  });

  it("cleans up", () => {
    for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
  });
});
