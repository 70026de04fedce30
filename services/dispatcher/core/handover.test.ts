import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { rendezvousOwner } from "../../shared/ownership/index.js";
import { gainedFromLive } from "./handover.js";

const nodes = Array.from({ length: 60 }, (_, i) => `n${i}`);
const ownedBy = (self: string, members: string[]) => nodes.filter((id) => rendezvousOwner(id, members) === self);

describe("dispatcher: node handover between live instances", () => {
  it("an instance that joins (its first view) waits on every node it takes from a live one", () => {
    const mine = ownedBy("b", ["a", "b"]);
    assert.ok(mine.length > 10 && mine.length < 50, "the fixture splits the nodes");
    assert.deepEqual(gainedFromLive(nodes, [], ["a", "b"], "b"), mine);
    assert.deepEqual(gainedFromLive(nodes, ["a"], ["a", "b"], "b"), mine);
  });

  it("a third instance takes nodes from both; the others gain nothing", () => {
    const mine = ownedBy("c", ["a", "b", "c"]);
    assert.deepEqual(gainedFromLive(nodes, ["a", "b"], ["a", "b", "c"], "c"), mine);
    assert.deepEqual(gainedFromLive(nodes, ["a", "b"], ["a", "b", "c"], "a"), []);
  });

  it("nodes of an instance that left (crashed or stopped) wait for nothing", () => {
    assert.deepEqual(gainedFromLive(nodes, ["a", "b"], ["a"], "a"), []);
    // b leaves while c joins: c's nodes that were b's wait for nothing, those that were a's do.
    const got = gainedFromLive(nodes, ["a", "b"], ["a", "c"], "c");
    assert.deepEqual(got, ownedBy("c", ["a", "c"]).filter((id) => rendezvousOwner(id, ["a", "b"]) === "a"));
    assert.ok(got.length > 0 && got.length < ownedBy("c", ["a", "c"]).length);
  });

  it("a lone instance's first view gains nothing from anyone", () => {
    assert.deepEqual(gainedFromLive(nodes, [], ["a"], "a"), []);
  });
});
