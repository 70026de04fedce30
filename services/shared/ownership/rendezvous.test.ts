import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { hash53, ownershipChanges, rendezvousOwner } from "./rendezvous.js";

const keys = Array.from({ length: 3000 }, (_, i) => `svc-${i}`);
const owners = (members: string[]) => new Map(keys.map((k) => [k, rendezvousOwner(k, members)]));
const counts = (m: Map<string, string | undefined>) => {
  const c = new Map<string, number>();
  for (const o of m.values()) c.set(o!, (c.get(o!) ?? 0) + 1);
  return c;
};

describe("rendezvous hashing", () => {
  it("is pinned: the same hash and owners on every platform and version (instances must agree)", () => {
    assert.equal(hash53(""), 3338908027751811);
    assert.equal(hash53("a"), 7929297801672961); // cyrb53's published test vectors
    assert.equal(hash53("revenge"), 4051478007546757);
    assert.equal(hash53("revenue"), 8309097637345594);
    assert.deepEqual(["k1", "k2", "k3", "k4"].map((k) => rendezvousOwner(k, ["orchestrator-1", "orchestrator-2", "orchestrator-3"])),
      ["orchestrator-1", "orchestrator-2", "orchestrator-1", "orchestrator-3"]);
  });

  it("does not depend on the order of the members; no member, no owner", () => {
    const a = ["d-1", "d-2", "d-3", "d-4"];
    const b = [...a].reverse();
    for (const k of keys.slice(0, 200)) assert.equal(rendezvousOwner(k, a), rendezvousOwner(k, b));
    assert.equal(rendezvousOwner("k", []), undefined);
    assert.equal(rendezvousOwner("k", ["only"]), "only");
  });

  it("balances keys over the members (each within ±15% of a fair share)", () => {
    for (const members of [["a", "b"], ["a", "b", "c"], ["o-1", "o-2", "o-3", "o-4", "o-5"]]) {
      const c = counts(owners(members));
      assert.equal(c.size, members.length);
      const fair = keys.length / members.length;
      for (const [m, n] of c) assert.ok(Math.abs(n - fair) < 0.15 * fair, `${m} owns ${n} of ${keys.length} (fair ${fair})`);
    }
  });

  it("a joining member takes only keys it now owns, about 1/n of them", () => {
    const before = owners(["a", "b", "c"]);
    const after = owners(["a", "b", "c", "d"]);
    let moved = 0;
    for (const k of keys) {
      if (before.get(k) === after.get(k)) continue;
      moved++;
      assert.equal(after.get(k), "d", `${k} moved from ${before.get(k)} to ${after.get(k)}`);
    }
    assert.ok(moved > 0.2 * keys.length && moved < 0.3 * keys.length, `moved ${moved}`);
  });

  it("a leaving member's keys are spread over the others; no other key moves", () => {
    const before = owners(["a", "b", "c"]);
    const after = owners(["a", "c"]);
    for (const k of keys) {
      if (before.get(k) !== "b") assert.equal(after.get(k), before.get(k), k);
      else assert.notEqual(after.get(k), "b");
    }
    const fromB = keys.filter((k) => before.get(k) === "b");
    const toA = fromB.filter((k) => after.get(k) === "a").length;
    assert.ok(toA > 0.35 * fromB.length && toA < 0.65 * fromB.length, `${toA} of ${fromB.length} to a`);
  });

  it("ownershipChanges names what one instance gains and loses", () => {
    const ks = keys.slice(0, 500);
    const join = ownershipChanges(ks, "a", ["a", "b"], ["a", "b", "c"]);
    assert.equal(join.gained.length, 0, "a joining member takes, never gives");
    assert.ok(join.lost.length > 0);
    for (const k of join.lost) assert.equal(rendezvousOwner(k, ["a", "b", "c"]), "c");
    const leave = ownershipChanges(ks, "a", ["a", "b", "c"], ["a", "c"]);
    assert.deepEqual(leave.lost, []);
    for (const k of leave.gained) assert.equal(rendezvousOwner(k, ["a", "b", "c"]), "b");
    assert.deepEqual(ownershipChanges(ks, "a", [], ["a"]).gained.length, 500, "the first member owns everything");
  });
});
