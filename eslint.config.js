// ESLint runs only the rules that need type information; the module boundaries (core purity,
// service isolation, deep imports, cycles, file length) are checked by scripts/check-boundaries.
// Both run in `npm run lint`, which `npm test` runs first.
import tseslint from "typescript-eslint";

export default [
  { ignores: ["dist/", "node_modules/", ".tools/", ".data/", "bin/", "eslint.config.js"] },
  {
    files: ["{schemas,services,cli,deploy,test,scripts}/**/*.ts"],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "@typescript-eslint": tseslint.plugin },
    // Off: code may carry directives for rules this config does not turn on (yet); such a
    // directive hides nothing, and reporting it would fail the run on a comment.
    linterOptions: { reportUnusedDisableDirectives: "off" },
    rules: {
      // A promise nobody awaits loses its rejection (an unhandled rejection ends the process) and
      // its ordering; an intended fire-and-forget is written `void p` with a comment saying why.
      "@typescript-eslint/no-floating-promises": ["error", {
        // node:test's describe/it return a promise the runner itself tracks (typescript-eslint's
        // documented exception for it).
        allowForKnownSafeCalls: [
          { from: "package", package: "node:test", name: ["describe", "it", "test", "suite"] },
        ],
      }],
    },
  },
];
