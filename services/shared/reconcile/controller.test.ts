import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { NatsConnection } from "@nats-io/transport-node";
import { subjects, type StoredEvent } from "../../../schemas/index.js";
import { MemoryEventStore } from "../eventlog/index.js";
import type { OwnershipChange, Ownership } from "../instances/index.js";
import { plan, toAppend, versionOf, type ClusterState } from "../model/index.js";
import { createLogger } from "../telemetry/index.js";
import { msgIdOf } from "./commit.js";
import { Controller, type ControllerSpec } from "./controller.js";

/*
 * A toy controller on the in-memory log: a "request" is a ServiceRemoved on service <k> (appended by
 * the test), the controller's answer a NodeRemoved on node <k>, planned once per key (level-triggered:
 * a key already answered plans nothing).
 */
const log = createLogger("test", "silent");
const answered = (s: ClusterState, k: string) => versionOf(s, subjects.event("node", k)) > 0;
const requested = (s: ClusterState) => [...s.versions.keys()].filter((sub) => sub.startsWith("swarm.evt.service.")).map((sub) => sub.split(".")[3]!);

/** An ownership the test moves by hand. */
class HandOwnership implements Ownership {
  readonly kind = "partitioned" as const;
  private readonly listeners = new Set<(c: OwnershipChange) => void>();
  constructor(public mine: Set<string>) {}
  owns(k: string) { return this.mine.has(k); }
  get active() { return this.mine.size > 0; }
  onChange(l: (c: OwnershipChange) => void) { this.listeners.add(l); return () => this.listeners.delete(l); }
  status() { return { role: "partitions" }; }
  async start() {}
  async stop() {}
  move(mine: string[]) { this.mine = new Set(mine); for (const l of this.listeners) l({ active: this.active }); }
}

async function request(store: MemoryEventStore, k: string): Promise<void> {
  const p = plan("ServiceRemoved", "service", k, { serviceId: k }, 0, `request:${k}`);
  await store.append(toAppend(p, { actor: { kind: "user", id: "test" }, now: new Date(0) }, msgIdOf(p)));
}

function setup(ownership: Ownership, over: Partial<ControllerSpec> = {}) {
  const store = new MemoryEventStore();
  const passes: string[] = [];
  const spec: ControllerSpec = {
    service: "orchestrator", ownership, queue: { debounceMs: 1 },
    keysOf: requested,
    keysOfEvent: (e: StoredEvent) => (e.event.type === "ServiceRemoved" ? [e.event.data.serviceId] : []),
    plan: (s, k) => { passes.push(k); return answered(s, k) ? [] : [plan("NodeRemoved", "node", k, { nodeId: k }, 0, `answer:${k}`)]; },
    ...over,
  };
  const c = new Controller({ nc: {} as NatsConnection, store, log, instanceId: "orchestrator-1", now: () => new Date(0) }, spec);
  const answers = () => store.events.filter((e) => e.event.type === "NodeRemoved").map((e) => e.event.subject.split(".")[3]).sort();
  return { store, c, passes, answers };
}

describe("startController", () => {
  it("converges from a cold start on a long log: every owned key once, acted by this instance, nothing before sync", async () => {
    const own = new HandOwnership(new Set(["a", "b", "c"]));
    const { store, c, answers } = setup(own);
    for (const k of ["a", "b", "c", "d"]) await request(store, k);
    await c.start();
    await c.idle();
    assert.deepEqual(answers(), ["a", "b", "c"], "d is not this instance's");
    const actors = store.events.filter((e) => e.event.type === "NodeRemoved").map((e) => e.event.actor);
    assert.ok(actors.every((a) => a.kind === "service" && a.id === "orchestrator-1"));
    c.enqueueAll();
    await c.idle();
    assert.equal(answers().length, 3, "a second pass over a converged log appends nothing");
    await c.stop();
  });

  it("routes an event to its keys, and only to the keys it owns", async () => {
    const own = new HandOwnership(new Set(["x"]));
    const { store, c, passes, answers } = setup(own);
    await c.start();
    await request(store, "x");
    await request(store, "y");
    await new Promise((r) => setTimeout(r, 10));
    await c.idle();
    assert.deepEqual(answers(), ["x"]);
    assert.ok(!passes.includes("y"), "a key not owned never reaches the planner");
    await c.stop();
  });

  it("queues every key it now owns when ownership moves, and skips a queued key it no longer owns", async () => {
    const own = new HandOwnership(new Set(["a"]));
    const { store, c, answers } = setup(own);
    await request(store, "a");
    await request(store, "b");
    await c.start();
    await c.idle();
    assert.deepEqual(answers(), ["a"]);
    own.move(["a", "b"]);
    await c.idle();
    assert.deepEqual(answers(), ["a", "b"], "b gained: a full pass without any new event");
    await request(store, "c");
    own.mine = new Set(["a", "b", "c"]);
    c.enqueue("c", 20);
    own.move(["a"]); // moved away before c's pass
    await c.idle();
    assert.deepEqual(answers(), ["a", "b"], "c was queued while owned, but not owned when its pass came");
    await c.stop();
  });

  it("status: the ownership's role, the projection's sequence and a partitioned share by the roster's kind", async () => {
    const own = new HandOwnership(new Set(["a", "c"]));
    const { store, c } = setup(own);
    for (const k of ["a", "b", "c"]) await request(store, k);
    await c.start();
    await c.idle();
    assert.deepEqual(c.status(), { role: "partitions", seq: store.events.length, owns: { count: 2, kind: "service" } });
    await c.stop();
  });

  it("afterPass sees what a pass wrote; a pass may queue its key again (a planner stopped at its limit)", async () => {
    const own = new HandOwnership(new Set(["a"]));
    const written: number[] = [];
    let rounds = 0;
    const s = setup(own, {
      plan: (st, k) => (rounds < 3 ? [plan("NodeRemoved", "node", k, { nodeId: k }, versionOf(st, subjects.event("node", k)), `round:${rounds}`)] : []),
      afterPass: (k, seq, ctl) => { written.push(seq); if (++rounds < 3) ctl.enqueue(k, 0); },
    });
    const c = s.c;
    await request(s.store, "a");
    await c.start();
    await c.idle();
    assert.deepEqual(written.length, 3);
    assert.deepEqual(written, [2, 3, 4], "each pass wrote one event, at the next sequence");
    await c.stop();
  });
});
