import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { WorkQueue } from "./work-queue.js";
import { createLogger } from "../telemetry/index.js";
import { SwarmError } from "../errors/index.js";

const log = createLogger("test", "silent");

describe("work queue", () => {
  it("coalesces adds of a queued key and re-runs a key added while it runs", async () => {
    const runs: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const q = new WorkQueue(async (k) => { runs.push(k); if (runs.length === 1) await gate; }, log, { debounceMs: 1 });
    q.add("a"); q.add("a"); q.add("a");
    await new Promise((r) => setTimeout(r, 20));
    q.add("a"); // while running
    release();
    await new Promise((r) => setTimeout(r, 30));
    await q.idle();
    assert.deepEqual(runs, ["a", "a"]);
    await q.stop();
  });

  it("retries retryable failures with back-off and drops permanent ones", async () => {
    const calls = new Map<string, number>();
    const q = new WorkQueue(async (k) => {
      const n = (calls.get(k) ?? 0) + 1;
      calls.set(k, n);
      if (k === "flaky" && n < 3) throw new SwarmError("unavailable", "nats down");
      if (k === "bad") throw new SwarmError("invalid_argument", "bad spec");
    }, log, { debounceMs: 1, backoffMs: 1 });
    q.add("flaky"); q.add("bad");
    await new Promise((r) => setTimeout(r, 60));
    await q.idle();
    assert.equal(calls.get("flaky"), 3);
    assert.equal(calls.get("bad"), 1);
    await q.stop();
  });
});

describe("work queue timers", () => {
  it("keys added in one burst share timers, each runs once, no earlier than its delay", async () => {
    const ran = new Map<string, number>();
    const q = new WorkQueue(async (k) => { ran.set(k, (ran.get(k) ?? 0) + 1); }, log, { debounceMs: 15 });
    const t0 = performance.now();
    const started: number[] = [];
    const q2 = new WorkQueue(async () => { started.push(performance.now() - t0); }, log, { debounceMs: 15 });
    for (let i = 0; i < 5000; i++) { q.add(`k${i}`); q.add(`k${i}`); }
    q2.add("late");
    await q.idle();
    await q2.idle();
    assert.equal(ran.size, 5000);
    assert.ok([...ran.values()].every((n) => n === 1), "each key once");
    assert.ok(started[0]! >= 14, `ran after its debounce, at ${started[0]} ms`);
    await q.stop();
    await q2.stop();
  });

  it("stop cancels what is queued", async () => {
    const ran: string[] = [];
    const q = new WorkQueue(async (k) => { ran.push(k); }, log, { debounceMs: 5 });
    q.add("a"); q.add("b", 1);
    await q.stop();
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(ran, []);
  });
});

describe("work queue buckets", () => {
  it("keys falling due in one bucket window start together, in the given order", async () => {
    const started: string[] = [];
    const node = (k: string) => k.split("/")[0]!;
    const q = new WorkQueue(async (k) => { started.push(k); }, log, {
      debounceMs: 1, bucketMs: 40, order: (a, b) => (node(a) < node(b) ? -1 : node(a) > node(b) ? 1 : 0),
    });
    // Start early in a 40 ms window, so that the adds below all fall due at its end.
    const into = performance.now() % 40;
    if (into > 20) await new Promise((r) => setTimeout(r, 41 - into));
    // Interleaved as placements spread over nodes arrive.
    for (const k of ["b/1", "a/1", "c/1", "b/2", "a/2", "c/2"]) q.add(k);
    await q.idle();
    assert.deepEqual(started, ["a/1", "a/2", "b/1", "b/2", "c/1", "c/2"], "grouped by node, stable within a node");
    await q.stop();
  });
});
