import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { joinTokenHash } from "../../../schemas/index.js";
import { SwarmError } from "../../shared/errors/index.js";
import type { ClusterView } from "../../shared/model/index.js";
import { MESSAGES } from "../core/decide.js";
import { roleOfToken, shownTokens, TokenCache, type ClusterKeys } from "./tokens.js";

const W = `SWMTKN-1-${"a".repeat(50)}-${"w".repeat(25)}`;
const M = `SWMTKN-1-${"a".repeat(50)}-${"m".repeat(25)}`;
const cluster = (worker = W, manager = M): ClusterView => ({
  id: "c", heartbeatPeriodMs: 2000, taskHistoryLimit: 5, createdAt: "", updatedAt: "",
  joinTokens: { worker: { hash: joinTokenHash(worker), generation: 1 }, manager: { hash: joinTokenHash(manager), generation: 1 } },
});

describe("join tokens in the api", () => {
  it("a token's role by its hash: the manager's, the worker's; any other (a prefix, a longer string, empty) is refused", () => {
    assert.equal(roleOfToken(cluster(), M), "manager");
    assert.equal(roleOfToken(cluster(), W), "worker");
    for (const bad of ["", "x", W.slice(0, -1), `${W}x`, W.toUpperCase(), joinTokenHash(W)]) {
      assert.throws(() => roleOfToken(cluster(), bad), (e: unknown) => e instanceof SwarmError && e.code === "invalid_argument" && e.message === MESSAGES.badToken);
    }
  });

  it("after a rotation the old token is refused, the new one joins", () => {
    const W2 = W.replace(/w+$/, "v".repeat(25));
    assert.equal(roleOfToken(cluster(W2), W2), "worker");
    assert.throws(() => roleOfToken(cluster(W2), W), /A valid join token is necessary/);
  });

  it("the secret-store is asked once per pair of generations; a failed ask is asked again", async () => {
    const asked: string[] = [];
    let fail = true;
    const keys: ClusterKeys = {
      joinTokens: async (g) => {
        asked.push(`${g.worker}|${g.manager}`);
        if (fail) throw new Error("no responders");
        return { caCert: "CA", caDigest: "D", worker: `w${g.worker}`, manager: `m${g.manager}` };
      },
      signNode: async () => { throw new Error("not used"); },
      handover: async () => { throw new Error("not used"); },
      rotateCa: async () => { throw new Error("not used"); },
    };
    const cache = new TokenCache(keys);
    await assert.rejects(cache.get({ worker: 1, manager: 1 }), /no responders/);
    fail = false;
    const [a, b] = await Promise.all([cache.get({ worker: 1, manager: 1 }), cache.get({ worker: 1, manager: 1 })]);
    assert.equal(a.worker, "w1");
    assert.equal(b, a);
    assert.equal((await cache.get({ worker: 2, manager: 1 })).worker, "w2");
    assert.deepEqual(asked, ["1|1", "1|1", "2|1"]);
    // A new root CA: the same generations are asked again (the tokens' digest names the root).
    await cache.get({ worker: 2, manager: 1 }, "new-root");
    assert.deepEqual(asked, ["1|1", "1|1", "2|1", "2|1"]);
  });

  it("a cluster from before the CA shows no token for a role until it is rotated; one with a CA shows both", () => {
    const derived = { worker: "W1", manager: "M1" };
    const legacy = cluster();
    assert.deepEqual(shownTokens(legacy, derived), { worker: "", manager: "" });
    const rotated = { ...legacy, joinTokens: { ...legacy.joinTokens, worker: { hash: "h", generation: 2 } } };
    assert.deepEqual(shownTokens(rotated, derived), { worker: "W1", manager: "" });
    assert.deepEqual(shownTokens({ ...legacy, caCert: "CA", caDigest: "D" }, derived), derived);
  });
});
