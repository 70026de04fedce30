import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { evolve, initialClusterState, type ClusterState } from "../../shared/model/index.js";
import { API, LogBuilder, NODE, ORCH } from "./audit-test-fixture.js";
import { listTasks, nodeView, serviceView } from "./views.js";

/*
 * Tasks of three services whose ids share prefixes, one removed service whose name a live one
 * reuses, and deleted tasks — interleaved, so the log's order differs from any one service's.
 */
function state(): ClusterState {
  const b = new LogBuilder();
  const spec = (name: string) => ({ Name: name, TaskTemplate: { ContainerSpec: { Image: "img:1" } } });
  const task = (taskId: string, serviceId: string, serviceName: string, slot: number) =>
    b.add("TaskCreated", "task", taskId, {
      taskId, serviceId, serviceName, slot, spec: { ContainerSpec: { Image: "img:1" } }, specVersion: 1, desiredState: "running", state: "new",
    }, ORCH);
  b.add("ServiceCreated", "service", "abc1", { serviceId: "abc1", spec: spec("web") }, API);
  b.add("ServiceCreated", "service", "abd2", { serviceId: "abd2", spec: spec("db") }, API);
  task("t1", "abc1", "web", 1);
  task("t2", "abd2", "db", 1);
  task("t3", "abc1", "web", 2);
  b.add("ServiceRemoved", "service", "abc1", { serviceId: "abc1" }, API);
  b.add("ServiceCreated", "service", "xyz3", { serviceId: "xyz3", spec: spec("web") }, API);
  task("t4", "xyz3", "web", 1);
  task("t5", "abd2", "db", 2);
  task("t6", "xyz3", "web", 2);
  b.add("TaskDeleted", "task", "t2", { taskId: "t2" }, ORCH);
  // A service all of whose tasks are gone.
  b.add("ServiceCreated", "service", "gone4", { serviceId: "gone4", spec: spec("old") }, API);
  task("t7", "gone4", "old", 1);
  b.add("TaskDeleted", "task", "t7", { taskId: "t7" }, ORCH);
  const s = initialClusterState();
  for (const m of b.log) evolve(s, { seq: m.seq, event: m.event });
  return s;
}

/** What the filter means: every task of the log, kept when one value names its service. */
function byScan(s: ClusterState, values: string[]): string[] {
  return [...s.tasks.values()]
    .filter((t) => values.some((v) => t.serviceId === v || t.serviceName === v || (v.length >= 1 && t.serviceId.startsWith(v))))
    .map((t) => t.id);
}

describe("api views: task list by service", () => {
  const s = state();
  const cases: [string, string[], string[]][] = [
    ["an id", ["abd2"], ["t5"]],
    ["an id prefix of one service", ["xy"], ["t4", "t6"]],
    ["an id prefix of two services, in the log's order", ["ab"], ["t1", "t3", "t5"]],
    ["a name two services had, in the log's order", ["web"], ["t1", "t3", "t4", "t6"]],
    ["two values", ["db", "xyz3"], ["t4", "t5", "t6"]],
    ["a service whose tasks were all deleted", ["gone4"], []],
    ["nothing known", ["nope"], []],
    ["an empty value matches no id prefix", [""], []],
  ];
  for (const [what, values, want] of cases) {
    it(what, () => {
      const got = listTasks(s, new Map([["service", values]])).map((t) => t.ID);
      assert.deepEqual(got, want);
      assert.deepEqual(got, byScan(s, values));
    });
  }

  it("combined with another filter; no service filter lists every task", () => {
    const got = listTasks(s, new Map([["service", ["web"]], ["name", ["web.2"]]])).map((t) => t.ID);
    assert.deepEqual(got, ["t3", "t6"]);
    assert.deepEqual(listTasks(s, new Map()).map((t) => t.ID), ["t1", "t3", "t4", "t5", "t6"]);
  });
});

describe("api views: a node's certificate", () => {
  it("node inspect shows the issued certificate and Docker's TLSInfo (the cluster's root, the issuer's subject and key)", () => {
    const b = new LogBuilder();
    b.add("ClusterInitialized", "cluster", "default", {
      clusterId: "c1", workerTokenHash: "W", managerTokenHash: "M", heartbeatPeriodMs: 2000, taskHistoryLimit: 5, caCert: "ROOT PEM", caDigest: "d",
    }, API);
    b.add("NodeJoined", "node", "n1", { nodeId: "n1", name: "host1", role: "worker", availability: "active" }, API);
    b.add("NodeRegistered", "node", "n1", {
      nodeId: "n1", addr: "10.0.0.1",
      description: { hostname: "h", os: "linux", architecture: "x86_64", nanoCpus: 1e9, memoryBytes: 1e9, engineVersion: "27", engineLabels: {} },
    }, NODE);
    const cert = { serial: "0a", fingerprint: "ff", notBefore: "2026-12-01T00:00:00.000Z", notAfter: "2027-03-01T00:00:00.000Z", issuerSubject: "MBMx", issuerPublicKey: "MFkw" };
    b.add("NodeCertificateIssued", "node", "n1", { nodeId: "n1", reason: "renewal", role: "worker", ...cert }, { kind: "node", id: "n1", via: "secret-store-1" });
    const s = initialClusterState();
    for (const m of b.log) evolve(s, { seq: m.seq, event: m.event });
    const v = nodeView(s, s.nodes.get("n1")!);
    assert.deepEqual(v.Certificate, { Serial: "0a", Fingerprint: "ff", NotBefore: cert.notBefore, NotAfter: cert.notAfter });
    assert.deepEqual(v.Description?.TLSInfo, { TrustRoot: "ROOT PEM", CertIssuerSubject: "MBMx", CertIssuerPublicKey: "MFkw" });
  });
});

describe("api views: a job's status", () => {
  it("counts the current iteration only; DesiredTasks = min(MaxConcurrent, TotalCompletions − completed); JobStatus", () => {
    const b = new LogBuilder();
    const spec = { Name: "job", Mode: { ReplicatedJob: { MaxConcurrent: 2, TotalCompletions: 3 } }, TaskTemplate: { ContainerSpec: { Image: "img:1" } } };
    const task = (taskId: string, slot: number, specVersion: number) => b.add("TaskCreated", "task", taskId, {
      taskId, serviceId: "j", serviceName: "job", slot, spec: spec.TaskTemplate, specVersion, desiredState: "running", state: "pending",
    }, ORCH);
    const done = (taskId: string) => b.add("TaskStatusChanged", "task", taskId, { taskId, state: "complete", message: "finished", timestamp: "2026-01-01T00:00:00Z" }, NODE);
    b.add("ServiceCreated", "service", "j", { serviceId: "j", spec }, API);
    task("a", 1, 1);
    done("a");
    b.add("ServiceUpdated", "service", "j", { serviceId: "j", spec: { ...spec, TaskTemplate: { ...spec.TaskTemplate, ForceUpdate: 1 } } }, API);
    task("b", 1, 4);
    task("c", 2, 4);
    done("b");
    const s = initialClusterState();
    for (const m of b.log) evolve(s, { seq: m.seq, event: m.event });
    const v = serviceView(s, s.services.get("j")!);
    assert.deepEqual(v.ServiceStatus, { RunningTasks: 0, DesiredTasks: 2, CompletedTasks: 1 });
    assert.equal(v.JobStatus?.JobIteration.Index, 4);
  });
});
