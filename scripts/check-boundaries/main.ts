// `node dist/scripts/check-boundaries/main.js [root]`: prints every boundary violation in the
// source tree (default: the current directory) and exits 1 if there is any. Run by `npm run lint`.
import { resolve } from "node:path";
import { KNOWN_VIOLATIONS, withoutKnown } from "./known.js";
import { checkTree } from "./rules.js";
import { readTree } from "./source.js";

const root = resolve(process.argv[2] ?? ".");
const files = readTree(root);
const violations = withoutKnown(checkTree(files), KNOWN_VIOLATIONS);
for (const v of violations) console.error(`${v.path}:${v.line}: ${v.rule}: ${v.message}`);
if (violations.length > 0) {
  console.error(`check-boundaries: ${violations.length} violation(s) in ${files.length} files`);
  process.exitCode = 1;
} else {
  const excused = KNOWN_VIOLATIONS.map((k) => `${k.path} (${k.rule}: ${k.why})`).join("; ");
  console.log(`check-boundaries: ${files.length} files, no violation${excused ? `; known, fixed elsewhere: ${excused}` : ""}`);
}
