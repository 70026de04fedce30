import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import type { Task } from "../../schemas/api.js";
import { startTestCluster, type TestCluster } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";

/*
 * The storm: a service whose image cannot be pulled (the agent tries; no registry is
 * reachable, so each pull fails at once) appended 1,175 events in 30 s. With the restart delay on
 * every failure and the back-off Delay × 2^(n−1), a delay of 1 s (`--restart-delay 1s`; the
 * default 5 s gives the same shape five times slower) creates at most 6 tasks of the slot in
 * WATCH_MS: at ≈0 s, ≈0 s (first replacement, held 1 s), 1, 3, 7 and 15 s; the next is due at
 * 31 s, and each step's pull and reaction only push them later. Without the back-off the fixed 1 s
 * delay would create ≈24 tasks in that time. Each task costs a handful of events (created,
 * assigned, preparing/rejected, shutdown, deleted by the reaper), so the bound is EVENT_BOUND
 * events after the first rejection (with the 5 s default over 120 s: 32 events, 6 tasks; before
 * the back-off, ≈ 1,175 events in 30 s).
 */
const WATCH_MS = 24_000;
const TASK_BOUND = 7;
const EVENT_BOUND = 45;

interface EventsPage { events: { type: string; time: string; summary: string; object: { id: string } }[]; head: number; next?: string }

let c: TestCluster;
before(async () => { c = await startTestCluster("backoff"); });
after(async () => { await c?.cleanup(); });

/** Every event (batch members expanded) after sequence `from`. */
async function eventsAfter(from: number): Promise<EventsPage["events"]> {
  const out: EventsPage["events"] = [];
  let since = `seq:${from + 1}`;
  for (;;) {
    const page = await c.get<EventsPage>(`/jetswarm/events?since=${encodeURIComponent(since)}`);
    out.push(...page.events);
    if (!page.next) return out;
    since = page.next;
  }
}

describe("an image that cannot be pulled does not storm the log", { timeout: 180_000 }, () => {
  it(`${WATCH_MS / 1000} s append at most ${EVENT_BOUND} events and create at most ${TASK_BOUND} tasks`, async (t) => {
    const head = (await c.get<EventsPage>(`/jetswarm/events?since=${encodeURIComponent("seq:1")}`)).head;
    await c.swarm("service", "create", "--detach", "--name", "nopull", "--restart-delay", "1s", "jetswarm-test/no-such-image:404");
    const tasks = () => c.get<Task[]>(`/tasks?filters=${encodeURIComponent(JSON.stringify({ service: ["nopull"] }))}`);
    await eventually(async () => (await tasks()).some((t) => t.Status.State === "rejected"),
      { timeoutMs: 60_000, what: "the first task to be rejected (pull failed)" });
    await sleep(WATCH_MS);
    const events = await eventsAfter(head);
    const created = events.filter((e) => e.type === "TaskCreated").length;
    const t0 = Date.parse(events[0]?.time ?? "");
    const timeline = events.filter((e) => e.type.startsWith("Task")).map((e) => `${((Date.parse(e.time) - t0) / 1000).toFixed(1)}s ${e.type} ${e.object.id.slice(0, 6)} ${e.summary}`);
    const summary = timeline.join("\n") + "\n" + JSON.stringify(Object.entries(events.reduce<Record<string, number>>((m, e) => ({ ...m, [e.type]: (m[e.type] ?? 0) + 1 }), {})));
    t.diagnostic(`${events.length} events, ${created} tasks created in the watch`);
    assert.ok(created >= 3, `the slot is still retried: ${created} tasks created (${summary})`);
    assert.ok(created <= TASK_BOUND, `at most ${TASK_BOUND} tasks created, got ${created} (${summary})`);
    assert.ok(events.length <= EVENT_BOUND, `at most ${EVENT_BOUND} events, got ${events.length} (${summary})`);
    const rejected = (await tasks()).filter((t) => t.Status.State === "rejected");
    assert.ok(rejected.length > 0 && rejected.every((t) => /no-such-image/.test(t.Status.Err ?? "")), "the error names the image");
  });
});
