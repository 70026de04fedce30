import { test } from "node:test";
import assert from "node:assert/strict";
import { autolockFlag, unlockBlock } from "./autolock.js";

test("--autolock takes a bare flag, true or false; anything else names the flag", () => {
  assert.equal(autolockFlag(true), true);
  assert.equal(autolockFlag(undefined), undefined);
  assert.equal(autolockFlag("true"), true);
  assert.equal(autolockFlag("false"), false);
  assert.throws(() => autolockFlag("yes"), /invalid argument "yes" for "--autolock" flag/);
});

test("the unlock key's block is docker's, with `swarm unlock`", () => {
  assert.equal(unlockBlock("SWMKEY-1-abc"),
    "To unlock a swarm manager after it restarts, run the `swarm unlock`\ncommand and provide the following key:\n\n    SWMKEY-1-abc\n\n" +
    "Remember to store this key in a password manager, since without it you\nwill not be able to restart the manager.\n");
});
