import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { NodeLanes } from "./node-lanes.js";

const tick = () => new Promise((r) => setImmediate(r));

describe("node lanes", () => {
  it("keeps one node's items in order, hands what queued behind a busy lane over together, runs nodes side by side", async () => {
    const calls: string[] = [];
    const gates = new Map<string, () => void>();
    let running = 0;
    let peak = 0;
    const lanes = new NodeLanes<number>(100, async (key, items) => {
      running++; peak = Math.max(peak, running);
      const name = `${key}[${items.join(",")}]`;
      calls.push(`start ${name}`);
      await new Promise<void>((r) => gates.set(name, r));
      calls.push(`end ${name}`);
      running--;
    });
    lanes.push("a", 1);
    lanes.push("b", 1);
    lanes.push("a", 2);
    lanes.push("a", 3);
    await tick();
    assert.deepEqual(calls, ["start a[1]", "start b[1]"], "a's later items wait for a[1]; b runs beside it");
    gates.get("a[1]")!();
    await tick(); await tick();
    assert.deepEqual(calls.slice(2), ["end a[1]", "start a[2,3]"], "what queued behind a[1] comes as one, in order");
    gates.get("a[2,3]")!(); gates.get("b[1]")!();
    await lanes.drain();
    assert.equal(peak, 2);
  });

  it("room waits while max items are queued or handled", async () => {
    let release!: () => void;
    const lanes = new NodeLanes<number>(3, () => new Promise<void>((r) => { release = r; }));
    for (const n of [1, 2, 3]) { await lanes.room(); lanes.push("a", n); }
    let fourth = false;
    void lanes.room().then(() => { fourth = true; });
    await tick();
    assert.equal(fourth, false, "three queued or running: no room for a fourth");
    release(); // a[1] done: a[2,3] starts
    await tick(); await tick();
    assert.equal(fourth, true);
    release();
    await lanes.drain();
  });
});
