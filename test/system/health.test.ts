import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ServiceSpec } from "../../schemas/index.js";
import type { Task } from "../../schemas/api.js";
import { docker, IMAGE, startTestCluster, type TestCluster } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";

/*
 * Health checks through the whole stack (api → orchestrator → scheduler → dispatcher → agent →
 * Docker): a task is `running` only once its container is healthy; an unhealthy one is stopped,
 * fails with Swarm's error, and the restart policy replaces it.
 */
const S = 1_000_000_000;
let c: TestCluster;
before(async () => { c = await startTestCluster("health"); });
after(async () => { await c?.cleanup(); });

const tasksOf = (svc: string) => c.get<Task[]>(`/tasks?filters=${encodeURIComponent(JSON.stringify({ service: [svc] }))}`);
async function create(spec: ServiceSpec): Promise<void> {
  const res = await c.api("/services/create", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(spec) });
  assert.equal(res.status, 201, await res.text());
}

describe("health checks (whole stack)", () => {
  it("a failing health check: tasks never Running, failed as unhealthy, restarted by the policy in the same slot", async () => {
    await create({
      Name: "sick",
      TaskTemplate: {
        ContainerSpec: {
          Image: IMAGE, Command: ["sleep", "3600"], StopGracePeriod: S,
          Healthcheck: { Test: ["CMD", "false"], Interval: S / 4, Timeout: S, Retries: 1 },
        },
        RestartPolicy: { Condition: "any", Delay: S },
      },
      Mode: { Replicated: { Replicas: 1 } },
    });
    const seenRunning = new Set<string>();
    const failed = await eventually(async () => {
      const tasks = await tasksOf("sick");
      for (const t of tasks) if (t.Status.State === "running") seenRunning.add(t.ID);
      const f = tasks.filter((t) => t.Status.State === "failed");
      return f.length >= 3 ? f : undefined;
    }, { timeoutMs: 120_000, intervalMs: 100, what: "three failed tasks of sick" });
    assert.deepEqual([...seenRunning], [], "no task of an unhealthy service is ever running");
    for (const t of failed ?? []) {
      assert.match(t.Status.Err ?? "", /^task: non-zero exit \(\d+\): dockerexec: unhealthy container$/);
      assert.equal(t.Slot, 1, "replacements stay in the slot");
    }
    const running = await c.containers({ running: true, service: "sick" });
    assert.ok(running.length <= 1, "at most the current attempt's container runs");
  });

  it("a passing health check: Running once the container is healthy", async () => {
    await create({
      Name: "fine",
      TaskTemplate: {
        ContainerSpec: {
          Image: IMAGE, Command: ["sh", "-c", "sleep 2; touch /tmp/ok; exec sleep 3600"], StopGracePeriod: S,
          Healthcheck: { Test: ["CMD-SHELL", "test -f /tmp/ok"], Interval: S / 2, Timeout: S, Retries: 3, StartPeriod: 30 * S },
        },
      },
      Mode: { Replicated: { Replicas: 1 } },
    });
    const task = await eventually(async () => (await tasksOf("fine")).find((t) => t.Status.State === "running"),
      { timeoutMs: 90_000, what: "fine running" });
    const info = await docker.getContainer(task!.Status.ContainerStatus!.ContainerID!).inspect();
    assert.equal(info.State.Health?.Status, "healthy");
    assert.equal((await tasksOf("fine")).filter((t) => t.Status.State === "failed").length, 0);
  });

  it("a host-mode published port (engine-picked) is bound on the task's container", async () => {
    await create({
      Name: "hostport",
      TaskTemplate: { ContainerSpec: { Image: IMAGE, Command: ["sleep", "3600"], StopGracePeriod: S } },
      EndpointSpec: { Ports: [{ TargetPort: 80, PublishMode: "host" }] },
    });
    const [ctr] = await eventually(async () => {
      const list = await c.containers({ running: true, service: "hostport" });
      return list.length === 1 ? list : undefined;
    }, { timeoutMs: 60_000, what: "hostport's container" }) ?? [];
    const bound = (await docker.getContainer(ctr!.Id).inspect()).NetworkSettings.Ports["80/tcp"];
    assert.ok(Number(bound?.[0]?.HostPort) > 0, `80/tcp bound to a host port: ${JSON.stringify(bound)}`);
    // The user sees it in `service ps`, as with docker: `*:<port>->80/tcp`.
    const hostPort = bound?.find((b) => !(b.HostIp ?? "").includes(":"))?.HostPort ?? bound?.[0]?.HostPort;
    const ps = await eventually(async () => {
      const out = await c.swarm("service", "ps", "hostport");
      return out.includes(`*:${hostPort}->80/tcp`) ? out : undefined;
    }, { timeoutMs: 30_000, what: "service ps to show the bound port" });
    assert.match(ps ?? "", /PORTS/);
  });
});
