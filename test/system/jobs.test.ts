import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Service, Task } from "../../schemas/api.js";
import { IMAGE, startTestCluster, type TestCluster } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";

/*
 * Jobs end to end (issue #18) with real containers: a replicated job runs to its completions
 * never more than MaxConcurrent at once — read from the log's task events, not from timing —, a
 * failing job is retried per its restart policy and then stays failed, `--force` runs it again,
 * and `service ls` prints docker's MODE and REPLICAS.
 */

interface LogEvent { type: string; time: string; summary: string; object: { id: string } }
interface EventsPage { events: LogEvent[]; head: number; next?: string }

let c: TestCluster;
before(async () => { c = await startTestCluster("jobs"); });
after(async () => { await c?.cleanup(); });

async function eventsAfter(from: number): Promise<LogEvent[]> {
  const out: LogEvent[] = [];
  let since = `seq:${from + 1}`;
  for (;;) {
    const page = await c.get<EventsPage>(`/jetswarm/events?since=${encodeURIComponent(since)}`);
    out.push(...page.events);
    if (!page.next) return out;
    since = page.next;
  }
}
const head = async () => (await c.get<EventsPage>(`/jetswarm/events?since=${encodeURIComponent("seq:1")}`)).head;
const tasksOf = (name: string) => c.get<Task[]>(`/tasks?filters=${encodeURIComponent(JSON.stringify({ service: [name] }))}`);
const serviceOf = (name: string) => c.get<Service>(`/services/${name}`);
/** Until `n` tasks of the service's current iteration completed. */
async function completions(name: string, n: number): Promise<void> {
  await eventually(async () => (await serviceOf(name)).ServiceStatus?.CompletedTasks === n, { timeoutMs: 90_000, what: `${n} completions of ${name}` });
}

/** The most tasks the log shows running at once: a task runs from its `running` event until it ended. */
function maxRunning(events: readonly LogEvent[], taskIds: ReadonlySet<string>): number {
  const running = new Set<string>();
  let max = 0;
  for (const e of events) {
    if (e.type !== "TaskStatusChanged" || !taskIds.has(e.object.id)) continue;
    if (/ running$/.test(e.summary)) running.add(e.object.id);
    else if (/ (complete|failed|shutdown|rejected|orphaned)( |$)/.test(e.summary)) running.delete(e.object.id);
    max = Math.max(max, running.size);
  }
  return max;
}

describe("jobs", { timeout: 240_000 }, () => {
  it("5 completions, at most 2 running at once (from the log); ls and ps; --force runs it again", async () => {
    const from = await head();
    await c.swarm("service", "create", "--detach", "--name", "batch", "--mode", "replicated-job", "--replicas", "5",
      "--max-concurrent", "2", IMAGE, "sh", "-c", "sleep 1; exit 0");
    await completions("batch", 5);
    const tasks = await tasksOf("batch");
    assert.equal(tasks.length, 5, "one task per completion, none restarted");
    assert.ok(tasks.every((t) => t.Status.State === "complete"));
    const events = await eventsAfter(from);
    const ids = new Set(tasks.map((t) => t.ID));
    const peak = maxRunning(events, ids);
    assert.ok(peak >= 1 && peak <= 2, `at most 2 running at once, the log shows ${peak}`);

    const ls = await c.swarm("service", "ls");
    assert.match(ls, /batch\s+replicated job\s+0\/0 \(5\/5 completed\)/);
    const ps = await c.swarm("service", "ps", "batch");
    assert.equal(ps.split("\n").filter((l) => / Complete /.test(l)).length, 5, ps);
    const before = (await serviceOf("batch")).JobStatus!.JobIteration.Index;

    await c.swarm("service", "update", "--detach", "--force", "batch");
    await completions("batch", 5);
    assert.equal((await tasksOf("batch")).filter((t) => t.Status.State === "complete").length, 10, "the job ran again");
    assert.ok((await serviceOf("batch")).JobStatus!.JobIteration.Index > before, "a new iteration");
  });

  it("a global job: one task on the node, to completion", async () => {
    await c.swarm("service", "create", "--detach", "--name", "everywhere", "--mode", "global-job", IMAGE, "sh", "-c", "exit 0");
    await completions("everywhere", 1);
    assert.match(await c.swarm("service", "ls"), /everywhere\s+global job\s+0\/1 \(1\/1 completed\)/);
    assert.equal((await tasksOf("everywhere")).length, 1, "a completed task is not replaced");
  });

  it("a failing job is retried per its restart policy, then stays failed; update flags refused", async () => {
    await c.swarm("service", "create", "--detach", "--name", "broken", "--mode", "replicated-job",
      "--restart-max-attempts", "2", "--restart-delay", "0s", IMAGE, "sh", "-c", "exit 3");
    await eventually(async () => (await tasksOf("broken")).filter((t) => t.Status.State === "failed").length === 3,
      { timeoutMs: 90_000, what: "the task and its 2 retries failed" });
    const svc = await serviceOf("broken");
    // Nothing more is created once the retries are used up (level-triggered: a pass at rest plans nothing).
    await eventually(async () => (await tasksOf("broken")).every((t) => t.DesiredState === "shutdown"), { what: "every failed task shut down" });
    assert.equal((await tasksOf("broken")).length, 3);
    assert.equal(svc.ServiceStatus!.CompletedTasks, 0);
    await assert.rejects(c.swarm("service", "update", "--update-parallelism", "2", "broken"), /update and rollback configuration is not supported for jobs/);
  });
});
