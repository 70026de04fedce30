import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ServiceSpec, TaskState } from "../../../schemas/index.js";
import { initialClusterState, type ClusterState, type NodeView } from "../../shared/model/index.js";
import { classicSystemStatus, inspectContainer } from "./container-inspect.js";
import { findContainer, listContainers } from "./container-views.js";
import { listServices } from "./views.js";

/* Classic containers read back from the projection: `docker ps` names, states, lookups, /info. */

const NOW = new Date("2026-01-01T00:10:00Z");
const spec = (name: string, replicas: number, container = true, constraints: string[] = []): ServiceSpec => ({
  Name: name, ...(container ? { Labels: { "jetswarm.container": "classic" } } : {}), Mode: { Replicated: { Replicas: replicas } },
  TaskTemplate: { ContainerSpec: { Image: "img:1", Args: ["sleep", "9"] }, ...(constraints.length ? { Placement: { Constraints: constraints } } : {}) },
});

function state(): ClusterState {
  const s = initialClusterState();
  const node = (id: string, name: string): NodeView => ({ id, name, role: "worker", availability: "active", labels: { zone: "a" }, state: "ready", message: "", createdAt: "", updatedAt: "" });
  s.nodes.set("n1id", node("n1id", "n1"));
  s.nodes.set("n2id", node("n2id", "n2"));
  const svc = (id: string, sp: ServiceSpec, at: string) =>
    s.services.set(id, { id, spec: sp, specVersion: 1, createdAt: at, updatedAt: at, removed: false });
  const task = (id: string, serviceId: string, st: TaskState, nodeId: string | undefined, at: string, exitCode?: number) => {
    s.tasks.set(id, {
      id, serviceId, serviceName: serviceId, slot: 1, spec: spec("x", 1).TaskTemplate, specVersion: 1, desiredState: "running", state: st, message: "",
      statusAt: at, createdAt: at, updatedAt: at, ...(nodeId ? { nodeId } : {}), ...(st === "running" ? { runningAt: at } : {}), ...(exitCode !== undefined ? { exitCode } : {}),
    });
    s.tasksByService.set(serviceId, new Set([...(s.tasksByService.get(serviceId) ?? []), id]));
  };
  svc("aaa111", spec("web", 1), "2026-01-01T00:00:00Z");
  task("t-old", "aaa111", "failed", "n1id", "2026-01-01T00:00:01Z", 1);
  task("t-new", "aaa111", "running", "n2id", "2026-01-01T00:07:00Z");
  svc("bbb222", spec("stopped", 0, true, ["node.id==n1id"]), "2026-01-01T00:01:00Z");
  svc("ccc333", spec("svc", 1, false), "2026-01-01T00:02:00Z");
  svc("ddd444", spec("waiting", 1), "2026-01-01T00:03:00Z");
  task("t-pend", "ddd444", "pending", undefined, "2026-01-01T00:03:00Z");
  return s;
}

describe("classic container views", () => {
  it("docker ps: running containers only, named node/name, from the latest task", () => {
    const rows = listContainers(state(), new Map(), false, NOW) as Array<{ Names: string[]; State: string; Status: string; Command: string }>;
    assert.deepEqual(rows.map((r) => [r.Names[0], r.State, r.Status, r.Command]), [["/n2/web", "running", "Up 3 minutes", "sleep 9"]]);
  });

  it("docker ps -a: stopped ones on the node they are pinned to, created ones without a node; never services", () => {
    const rows = listContainers(state(), new Map(), true, NOW) as Array<{ Names: string[]; State: string }>;
    assert.deepEqual(rows.map((r) => `${r.Names[0]} ${r.State}`), ["/waiting created", "/n1/stopped exited", "/n2/web running"]);
    const filtered = listContainers(state(), new Map([["status", ["exited"]]]), false, NOW) as Array<{ Names: string[] }>;
    assert.deepEqual(filtered.map((r) => r.Names[0]), ["/n1/stopped"]);
  });

  it("lookups: id, name, /name, node/name, prefix; a service is no container", () => {
    const s = state();
    for (const ref of ["aaa111", "web", "/web", "n2/web", "aa"]) assert.equal(findContainer(s, ref).svc.id, "aaa111", ref);
    assert.throws(() => findContainer(s, "svc"), { message: "No such container: svc" });
  });

  it("inspect: Docker's State, classic Swarm's Node, restarts counted in tasks", () => {
    const s = state();
    const v = inspectContainer(s, findContainer(s, "web")) as { Name: string; State: { Running: boolean }; Node: { Name: string }; RestartCount: number };
    assert.equal(v.Name, "/web");
    assert.equal(v.State.Running, true);
    assert.equal(v.Node.Name, "n2");
    assert.equal(v.RestartCount, 1);
  });

  it("service ls leaves containers out", () => {
    assert.deepEqual(listServices(state(), new Map()).map((x) => x.Spec.Name), ["svc"]);
  });

  it("/info's node list counts each node's containers", () => {
    const status = classicSystemStatus(state(), "binpack");
    assert.deepEqual(status.slice(0, 4), [["Role", "primary"], ["Strategy", "binpack"], ["Filters", "health, port, containerslots, dependency, affinity, constraint"], ["Nodes", "2"]]);
    const containers = status.filter(([k]) => k === "  └ Containers").map(([, v]) => v);
    assert.deepEqual(containers, ["1 (0 Running, 0 Paused, 1 Stopped)", "1 (1 Running, 0 Paused, 0 Stopped)"]);
  });

  it("docker ps status in docker's long units: up 400 days is Up 13 months (schemas/human-duration.test.ts has the boundaries)", () => {
    const later = new Date(Date.parse("2026-01-01T00:07:00Z") + 400 * 86_400_000);
    const rows = listContainers(state(), new Map(), false, later) as Array<{ Status: string }>;
    assert.deepEqual(rows.map((r) => r.Status), ["Up 13 months"]);
  });
});
