import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Task } from "../../schemas/api.js";
import { IMAGE, IMAGE2, startTestCluster, type TestCluster } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";

/*
 * Audit by replay on the whole stack (separate processes, one agent on the real Docker Engine),
 * used as a person would with the compiled CLI: what `service ps` printed at some point is what
 * `audit state --at` that point prints later, after the service was scaled and updated.
 */
let c: TestCluster;
before(async () => { c = await startTestCluster("audit"); });
after(async () => { await c?.cleanup(); });

const tasksOf = (svc: string) => c.get<Task[]>(`/tasks?filters=${encodeURIComponent(JSON.stringify({ service: [svc] }))}`);
const head = async () => (await c.get<{ head: number }>("/jetswarm/events?since=seq:999999999")).head;
async function converged(svc: string, n: number, image: string): Promise<void> {
  await eventually(async () => {
    const [ctrs, tasks] = await Promise.all([c.containers({ running: true, service: svc }), tasksOf(svc)]);
    const live = tasks.filter((t) => t.Status.State === "running" && t.DesiredState === "running" && t.Spec.ContainerSpec.Image === image);
    const moving = tasks.filter((t) => t.DesiredState !== "running" && ["assigned", "accepted", "preparing", "starting", "running"].includes(t.Status.State));
    return ctrs.length === n && live.length === n && moving.length === 0;
  }, { timeoutMs: 90_000, what: `${n} running tasks of ${svc} on ${image}` });
}

/** A `service ps` table as rows of cells, the CURRENT STATE cell without its "… ago" duration. */
function psTable(text: string): string[][] {
  return text.trimEnd().split("\n").map((line) => line.trim().split(/\s{2,}/).map((cell) => cell.replace(/^(\w+) .* ago$/, "$1")));
}

describe("audit state on a real cluster", () => {
  const rec = { ps: "", seq: 0, time: "" };

  it("records what service ps printed, with the log's sequence and the time", async () => {
    // A 1 s stop grace: the sleep (pid 1) ignores SIGTERM, so each stop would wait the default 10 s.
    await c.swarm("service", "create", "--detach", "--name", "web", "--replicas", "2", "--stop-grace-period", "1s", IMAGE, "sleep", "3600");
    await converged("web", 2, IMAGE);
    // A quiet log around the ps and the time: the sequence before and after both is the same (the
    // time is read before the second head, so an event stored after it cannot be older than it).
    await eventually(async () => {
      const s1 = await head();
      const ps = await c.swarm("service", "ps", "web");
      const time = new Date().toISOString();
      const s2 = await head();
      Object.assign(rec, { ps, seq: s2, time });
      return s1 === s2;
    }, { what: "a quiet log around service ps", timeoutMs: 30_000, intervalMs: 500 });
    assert.equal(psTable(rec.ps).length, 3, rec.ps);
  });

  it("the service is scaled and updated afterwards", async () => {
    await c.swarm("service", "scale", "--detach", "web=3");
    await converged("web", 3, IMAGE);
    await c.swarm("service", "update", "--detach", "--image", IMAGE2, "--update-parallelism", "3", "web");
    await converged("web", 3, IMAGE2);
    assert.ok((await head()) > rec.seq);
  });

  it("audit state --at the recorded sequence and the recorded time shows the same service ps rows", async () => {
    for (const at of [`seq:${rec.seq}`, rec.time]) {
      const out = await c.swarm("audit", "state", "--at", at);
      assert.match(out, new RegExp(`^# state at seq ${rec.seq} `), at);
      const ps = out.split("$ swarm service ps\n")[1]!.split("\n\n")[0]!;
      assert.deepEqual(psTable(ps), psTable(rec.ps), `${at}\n${ps}\n--- recorded ---\n${rec.ps}`);
    }
    const now = await c.swarm("audit", "state", "--at", "0s");
    assert.match(now, /\bweb +replicated +3\/3 +jetswarm-test\/busybox:2/);
  });

  it("diff, events and verify on the real log", async () => {
    const diff = await c.swarm("audit", "diff", "--from", `seq:${rec.seq}`, "--to", "0s");
    assert.match(diff, /^service web: updated: replicas 2 → 3, image jetswarm-test\/busybox:1 → jetswarm-test\/busybox:2$/m);
    const events = (await c.swarm("events", "--since", `seq:${rec.seq + 1}`, "--filter", "service=web", "--format", "json"))
      .trimEnd().split("\n").map((l) => JSON.parse(l) as { type: string; actor: { kind: string; id: string; via?: string } });
    const kinds = new Map(events.map((e) => [e.type, `${e.actor.kind}:${e.actor.via ?? e.actor.id}`.replace(/-\d+$/, "")]));
    assert.equal(kinds.get("ServiceUpdated"), "user:api");
    assert.equal(kinds.get("TaskCreated"), "service:orchestrator");
    assert.equal(kinds.get("TaskAssigned"), "service:scheduler");
    assert.equal(kinds.get("TaskStatusChanged"), "node:dispatcher");
    const verify = await c.swarm("audit", "verify");
    assert.match(verify, /^ok: EVENTS has \d+ events, all legal; chain [0-9a-f]{12} matches 0 checkpoint\(s\); sealed at seq \d+\n$/);
  });
});
