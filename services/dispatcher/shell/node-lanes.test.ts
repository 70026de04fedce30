import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { NodeLanes } from "./node-lanes.js";

const tick = () => new Promise((r) => setImmediate(r));

describe("node lanes", () => {
  it("keeps one node's items in order while other nodes' run at the same time, within the cap", async () => {
    const lanes = new NodeLanes(3);
    const log: string[] = [];
    const gates = new Map<string, () => void>();
    let running = 0;
    let peak = 0;
    const item = (key: string, n: number) => async () => {
      running++; peak = Math.max(peak, running);
      log.push(`start ${key}${n}`);
      await new Promise<void>((r) => gates.set(`${key}${n}`, r));
      log.push(`end ${key}${n}`);
      running--;
    };
    for (const [k, n] of [["a", 1], ["a", 2], ["b", 1]] as const) { await lanes.room(); lanes.run(k, item(k, n)); }
    await tick();
    assert.deepEqual(log, ["start a1", "start b1"], "a2 waits for a1; b1 runs beside a1");
    let fourthQueued = false;
    void lanes.room().then(() => { fourthQueued = true; });
    await tick();
    assert.equal(fourthQueued, false, "three queued or running: no room for a fourth");
    gates.get("a1")!();
    await tick(); await tick();
    assert.ok(log.includes("start a2"));
    assert.equal(fourthQueued, true);
    gates.get("a2")!(); gates.get("b1")!();
    await lanes.drain();
    assert.ok(log.indexOf("end a1") < log.indexOf("start a2"));
    assert.equal(peak, 2);
  });
});
