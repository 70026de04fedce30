import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Node, Service, Task } from "../../schemas/api.js";
import { chooseFormat, renderFormat } from "../output/format.js";
import { nodeName } from "./node-view.js";
import { errorCell, portsCell, psRows, restartNote, SERVICE_HEADERS, SERVICE_TABLE, serviceContext, servicePorts, sortServices, TASK_HEADERS, taskContexts } from "./service-rows.js";

function task(id: string, slot: number, state: Task["Status"]["State"], desired: Task["DesiredState"], createdAt: string, err?: string): Task {
  return {
    ID: id.padEnd(25, "0"), Version: { Index: 1 }, CreatedAt: createdAt, UpdatedAt: createdAt, ServiceID: "s1", ServiceName: "web",
    Slot: slot, NodeID: "n1", Spec: { ContainerSpec: { Image: "busybox:1@sha256:abc" } },
    Status: { Timestamp: "2026-01-01T00:00:00Z", State: state, Message: "", Err: err }, DesiredState: desired,
  };
}

describe("service ps rows", () => {
  it("groups by slot, newest first, history rows marked, node by name, state with age", () => {
    const now = new Date("2026-01-01T00:00:05Z");
    const rows = psRows([
      task("old1", 1, "failed", "shutdown", "2026-01-01T00:00:00Z", "task: non-zero exit (1): something went quite wrong"),
      task("new1", 1, "running", "running", "2026-01-01T00:00:02Z"),
      task("two", 2, "running", "running", "2026-01-01T00:00:01Z"),
    ], new Map([["n1", "host-1"]]), now);
    assert.deepEqual(rows, [
      ["new100000000", "web.1", "busybox:1", "host-1", "Running", "Running 5 seconds ago", "", ""],
      ["old100000000", " \\_ web.1", "busybox:1", "host-1", "Shutdown", "Failed 5 seconds ago", `"task: non-zero exit (1): some…"`, ""],
      ["two000000000", "web.2", "busybox:1", "host-1", "Running", "Running 5 seconds ago", "", ""],
    ]);
  });
  it("a held restart replacement shows its back-off in the ERROR column", () => {
    const held = (createdAt: string, restartAt: string) => ({ ...task("r", 1, "pending", "ready", createdAt), RestartAt: restartAt });
    const now = new Date("2026-01-01T00:01:00Z");
    // Created 0:00:40 with an 80 s back-off (5 s × 2^4): the 5th failure in a row; 60 s to go.
    assert.equal(restartNote(held("2026-01-01T00:00:40Z", "2026-01-01T00:02:00Z"), now), "restarting in 1m (back-off after 5 failures)");
    assert.equal(restartNote(held("2026-01-01T00:00:58Z", "2026-01-01T00:01:03Z"), now), "restarting in 3s", "a first failure: the plain delay");
    assert.equal(restartNote(held("2026-01-01T00:00:00Z", "2026-01-01T00:00:05Z"), now), undefined, "delay over");
    const rows = psRows([held("2026-01-01T00:00:40Z", "2026-01-01T00:02:00Z")], new Map(), now, true);
    assert.equal(rows[0]![6], `"restarting in 1m (back-off after 5 failures)"`);
  });
  it("shows the whole error with --no-trunc, nothing when there is none", () => {
    assert.equal(errorCell("a".repeat(40), true), `"${"a".repeat(40)}"`);
    assert.equal(errorCell(undefined, false), "");
  });
  it("shows the host-mode ports bound to a task as docker does", () => {
    const t = task("p", 1, "running", "running", "2026-01-01T00:00:00Z");
    assert.equal(portsCell(t), "");
    t.Status.PortStatus = { Ports: [{ Protocol: "tcp", TargetPort: 80, PublishedPort: 8080, PublishMode: "host" }, { Protocol: "udp", TargetPort: 53, PublishedPort: 5353, PublishMode: "host" }] };
    assert.equal(portsCell(t), "*:8080->80/tcp,*:5353->53/udp");
  });
});

describe("service ls PORTS", () => {
  const ep = (Ports: { TargetPort: number; PublishedPort?: number; Protocol?: "tcp" | "udp"; PublishMode?: "ingress" | "host" }[]) => ({ Endpoint: { Spec: {}, Ports } });
  it("allocated ingress ports as docker prints them; consecutive ones as ranges; host mode not shown", () => {
    assert.equal(servicePorts(ep([{ TargetPort: 80, PublishedPort: 8080, PublishMode: "ingress" }])), "*:8080->80/tcp");
    assert.equal(servicePorts(ep([
      { TargetPort: 53, PublishedPort: 53, Protocol: "udp", PublishMode: "ingress" },
      { TargetPort: 81, PublishedPort: 8081, PublishMode: "ingress" }, { TargetPort: 80, PublishedPort: 8080, PublishMode: "ingress" },
      { TargetPort: 90, PublishedPort: 30000, PublishMode: "ingress" }, { TargetPort: 22, PublishedPort: 2222, PublishMode: "host" },
    ])), "*:8080-8081->80-81/tcp, *:30000->90/tcp, *:53->53/udp");
    assert.equal(servicePorts({}), "");
  });
});

describe("service ls / ps row contexts (docker's serviceContext and taskContext)", () => {
  const svc = (ID: string, Name: string, Image: string): Service => ({
    ID, Version: { Index: 1 }, CreatedAt: "t", UpdatedAt: "t",
    Spec: { Name, Mode: { Replicated: { Replicas: 2 } }, TaskTemplate: { ContainerSpec: { Image } } }, ServiceStatus: { RunningTasks: 1, DesiredTasks: 2 },
  });
  it("service ls: .ID is 12 characters (so is -q), images as docker shows them, --format and json over the same fields", () => {
    const s = [svc("0123456789abcdefghijklmno", "web10", "docker.io/library/busybox:1@sha256:abc"), svc("zyxwvutsrqponmlkjihgfedcb", "web2", "busybox@sha256:abc")];
    const rows = sortServices(s).map(serviceContext);
    assert.equal(renderFormat(chooseFormat(undefined, true, { table: SERVICE_TABLE }), rows, SERVICE_HEADERS), "zyxwvutsrqpo\n0123456789ab\n");
    assert.equal(renderFormat("{{.Name}} {{.Image}} {{.Replicas}}", rows, SERVICE_HEADERS), "web2 busybox@sha256:abc 1/2\nweb10 busybox:1 1/2\n");
    assert.equal(renderFormat("json", rows.slice(0, 1), SERVICE_HEADERS),
      `{"ID":"zyxwvutsrqpo","Image":"busybox@sha256:abc","Mode":"replicated","Name":"web2","Ports":"","Replicas":"1/2"}\n`);
    assert.equal(renderFormat("table {{.ID}}\t{{.Name}}", rows, SERVICE_HEADERS), "ID             NAME\nzyxwvutsrqpo   web2\n0123456789ab   web10\n");
  });
  it("service ps: NODE as the id resolver names it, ids with --no-resolve (NAME from the service id), full image with --no-trunc", () => {
    const now = new Date("2026-01-01T00:00:05Z");
    const t = task("t1", 1, "running", "running", "2026-01-01T00:00:00Z");
    const named = taskContexts([t], new Map([["n1", "worker-a"]]), now)[0]!;
    assert.deepEqual([named.Node, named.Name, named.Image], ["worker-a", "web.1", "busybox:1"]);
    const raw = taskContexts([t], new Map([["n1", "worker-a"]]), now, { noResolve: true, noTrunc: true })[0]!;
    assert.deepEqual([raw.Node, raw.Name, raw.Image, raw.ID], ["n1", "s1.1", "busybox:1@sha256:abc", t.ID]);
    assert.equal(renderFormat("{{.Name}} on {{.Node}}: {{.CurrentState}}", [named], TASK_HEADERS), "web.1 on worker-a: Running 5 seconds ago\n");
  });
  it("the resolver's node name: Spec.Name, else the hostname, else the id", () => {
    const n = (Name: string, Hostname?: string) => ({ ID: "n1", Spec: { Name }, Description: Hostname === undefined ? undefined : { Hostname } }) as Node;
    assert.deepEqual([nodeName(n("named", "host")), nodeName(n("", "host")), nodeName(n(""))], ["named", "host", "n1"]);
  });
});
