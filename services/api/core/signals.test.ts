import { test } from "node:test";
import assert from "node:assert/strict";
import { isKill, parseSignal } from "./signals.js";

test("docker kill's signals: names with or without SIG, any case, numbers; KILL by default", () => {
  assert.deepEqual(["", "HUP", "sighup", "SIGUSR1", "15", "RTMIN+3", "9"].map(parseSignal), ["KILL", "HUP", "HUP", "USR1", "15", "RTMIN+3", "9"]);
  assert.equal(parseSignal(undefined), "KILL");
  assert.ok(isKill(parseSignal(undefined)) && isKill("9") && !isKill("HUP"));
});

test("an unknown signal is moby's 400", () => {
  for (const bad of ["FOO", "0", "65", "SIG", "HUP;x", "RTMIN+16"]) assert.throws(() => parseSignal(bad), { message: `Invalid signal: ${bad}` });
});
