import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { registerService } from "./service.js";
import { CREATE_FLAGS, UPDATE_FLAGS } from "./service-flag-table.js";

/* The flag table against docker 28's own `--help` (captured in fixtures/) and the real commands. */

const FIXTURES = join(process.cwd(), "cli", "commands", "fixtures");

function dockerFlags(kind: "create" | "update"): string[] {
  const text = readFileSync(join(FIXTURES, `docker28-service-${kind}-help.txt`), "utf8");
  const names = [...text.matchAll(/^\s+(?:-[a-z], )?--([a-z-]+)(?=\s|$)/gm)].map((m) => m[1]!);
  return [...new Set(names)].sort();
}

/** docker's `-t, --tty` pairs, as `-t --tty`. */
function dockerShorts(kind: "create" | "update"): string[] {
  const text = readFileSync(join(FIXTURES, `docker28-service-${kind}-help.txt`), "utf8");
  return [...text.matchAll(/^\s+(-[a-z]), (--[a-z-]+)/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
}

function command(kind: "create" | "update"): Command {
  const program = new Command();
  registerService(program);
  return program.commands.find((c) => c.name() === "service")!.commands.find((c) => c.name() === kind)!;
}
function registered(kind: "create" | "update"): Set<string> {
  return new Set(command(kind).options.map((o) => o.long!.replace(/^--/, "")));
}

for (const [kind, table, count] of [["create", CREATE_FLAGS, 73], ["update", UPDATE_FLAGS, 92]] as const) {
  describe(`service ${kind}: docker 28's flags`, () => {
    it(`the fixture has docker's ${count} flags`, () => {
      assert.equal(dockerFlags(kind).length, count);
    });
    it("the table lists every docker flag, and no other", () => {
      assert.deepEqual(Object.keys(table).sort(), dockerFlags(kind));
    });
    it("every honoured or refused flag is registered on the command", () => {
      const have = registered(kind);
      const missing = Object.entries(table).filter(([f, s]) => s.status !== "elsewhere" && !have.has(f)).map(([f]) => f);
      assert.deepEqual(missing, []);
    });
    it("docker's short flags are registered with the same letters", () => {
      const shorts = command(kind).options.filter((o) => o.short).map((o) => `${o.short} ${o.long}`);
      assert.deepEqual(dockerShorts(kind).filter((p) => !shorts.includes(p)), []);
    });
    it("every refused flag has a reason", () => {
      for (const [f, s] of Object.entries(table)) if (s.status === "refused") assert.ok(s.reason.length > 10, f);
    });
  });
}
