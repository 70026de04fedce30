// The repository's ESLint configuration, run on a small fixture project: it must flag a floating
// promise (in source and in a test body) and accept the written-out ways of handling one.
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ESLint, type Linter } from "eslint";

// dist/scripts/eslint-config.test.js → the repository root.
const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

const FILES: Record<string, string> = {
  "tsconfig.json": JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022",
    strict: true, types: ["node"], noEmit: true }, include: ["**/*.ts"] }),
  "services/x/shell/floating.ts": "async function work(): Promise<void> {}\nexport function go(): void {\n  work();\n}\n",
  "services/x/shell/handled.ts": "async function work(): Promise<void> {}\nexport async function go(): Promise<void> {\n"
    + "  // fire and forget: the caller does not wait for it\n  void work();\n  await work();\n"
    + "  work().catch(() => undefined);\n}\n",
  "services/x/core/spec.test.ts": 'import { describe, it } from "node:test";\nasync function work(): Promise<void> {}\n'
    + 'describe("suite", () => {\n  it("ok", async () => { await work(); });\n  it("floats", () => {\n    work();\n  });\n});\n',
};

describe("eslint.config.js", () => {
  // Inside the repository (under the ignored dist/) so the fixture resolves its node_modules.
  const root = mkdtempSync(join(repo, "dist", "eslint-fixture-"));
  after(() => rmSync(root, { recursive: true, force: true }));

  it("flags a floating promise, and only that", async () => {
    for (const [path, text] of Object.entries(FILES)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    const config = (await import(pathToFileURL(join(repo, "eslint.config.js")).href) as { default: Linter.Config[] }).default;
    // The project's rules as written; the parser pointed at the fixture's own tsconfig.
    const overrideConfig = config.map((c) => c.languageOptions?.parserOptions
      ? { ...c, languageOptions: { ...c.languageOptions, parserOptions: { projectService: true, tsconfigRootDir: root } } }
      : c);
    const eslint = new ESLint({ cwd: root, overrideConfigFile: true, overrideConfig });
    const results = await eslint.lintFiles(["services/**/*.ts"]);
    const found = results.flatMap((r) => r.messages.map((m) => `${r.filePath.slice(root.length + 1)}:${m.line} ${m.ruleId}`)).sort();
    assert.deepEqual(found, [
      "services/x/core/spec.test.ts:6 @typescript-eslint/no-floating-promises",
      "services/x/shell/floating.ts:3 @typescript-eslint/no-floating-promises",
    ]);
  });
});
