import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { chainNext, chainOf, GENESIS } from "./audit-chain.js";

const enc = new TextEncoder();
const msgs = [1, 2, 3].map((seq) => ({ seq, subject: `swarm.evt.task.t${seq}`, data: enc.encode(`{"n":${seq}}`) }));

describe("audit hash chain", () => {
  it("one step is sha256 of the previous hash, the sequence, the subject and the payload", () => {
    const expected = createHash("sha256").update(GENESIS + "\n1\nswarm.evt.task.t1\n" + '{"n":1}').digest("hex");
    assert.equal(chainNext(GENESIS, 1, "swarm.evt.task.t1", msgs[0]!.data), expected);
    assert.equal(chainOf([]), GENESIS);
  });

  it("the chain of a log is the steps in order, and can resume from any point", () => {
    const h2 = chainOf(msgs.slice(0, 2));
    assert.equal(chainOf(msgs), chainNext(h2, 3, msgs[2]!.subject, msgs[2]!.data));
    assert.equal(chainOf(msgs.slice(2), h2), chainOf(msgs));
  });

  it("any change to a payload, a subject, a sequence, the order, or a removal changes the head", () => {
    const head = chainOf(msgs);
    const variants = [
      msgs.map((m, i) => (i === 1 ? { ...m, data: enc.encode('{"n":9}') } : m)),
      msgs.map((m, i) => (i === 1 ? { ...m, subject: "swarm.evt.task.x" } : m)),
      msgs.map((m, i) => (i === 1 ? { ...m, seq: 7 } : m)),
      [msgs[1]!, msgs[0]!, msgs[2]!],
      [msgs[0]!, msgs[2]!],
    ];
    for (const v of variants) assert.notEqual(chainOf(v), head);
  });
});

describe("scratch streams", () => {
  it("a stream of `<prefix>.swarm.evt.>` reads as the log under that prefix", async () => {
    const { subjectPrefix } = await import("./audit-chain.js");
    assert.equal(subjectPrefix(["swarm.evt.>"]), "");
    assert.equal(subjectPrefix(["scratch.swarm.evt.>"]), "scratch.");
    assert.equal(subjectPrefix(["a.b.swarm.evt.>"]), "a.b.");
    assert.equal(subjectPrefix(["other.>"]), "");
    assert.equal(subjectPrefix(["x.swarm.evt.>", "y.swarm.evt.>"]), "");
  });
});
