import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { subjects, type Envelope } from "../../schemas/index.js";
import { startInProcessApi, type InProcessApi } from "../helpers/in-process-api.js";

let t: InProcessApi;
let store: JetStreamEventStore;

const call: InProcessApi["call"] = (method, path, body) => t.call(method, path, body);
const spec = (name: string, extra: Record<string, unknown> = {}) =>
  ({ Name: name, TaskTemplate: { ContainerSpec: { Image: "busybox:1" } }, ...extra });
const filters = (f: Record<string, string[]>) => `filters=${encodeURIComponent(JSON.stringify(f))}`;

before(async () => {
  t = await startInProcessApi("api");
  store = t.store;
});
after(async () => {
  await t?.stop();
});

describe("api", () => {
  it("refuses service calls before init with Swarm's words", async () => {
    const r = await call("GET", "/swarm");
    assert.equal(r.status, 503);
    assert.match(r.body.message, /This node is not a swarm manager/);
    assert.equal((await call("POST", "/services/create", spec("early"))).status, 503);
  });

  it("initialises once: cluster, tokens, a manager node", async () => {
    const init = await call("POST", "/swarm/init", { NodeName: "n1" });
    assert.equal(init.status, 200);
    const info = await call("GET", "/swarm");
    assert.equal(info.body.ID, init.body.ClusterID);
    const { Worker, Manager } = info.body.JoinTokens;
    assert.match(Worker, /^SWMTKN-1-[0-9a-z]{50}-[0-9a-z]{25}$/);
    assert.equal(Worker.slice(0, 59), Manager.slice(0, 59));
    assert.notEqual(Worker, Manager);
    assert.equal(info.body.Spec.Orchestration.TaskHistoryRetentionLimit, 5);
    const nodes = await call("GET", "/nodes");
    assert.deepEqual(nodes.body.map((n: any) => [n.ID, n.Spec.Name, n.Spec.Role]), [[init.body.NodeID, "n1", "manager"]]);
    assert.equal((await call("GET", "/nodes/n1")).body.ID, init.body.NodeID);

    const again = await call("POST", "/swarm/init", {});
    assert.equal(again.status, 412);
    assert.equal(again.body.message, `This node is already part of a swarm. Use "swarm leave" to leave this swarm and join another one.`);
  });

  it("joins with a token; refuses a bad one", async () => {
    const { body: info } = await call("GET", "/swarm");
    const w = await call("POST", "/jetswarm/join", { JoinToken: info.JoinTokens.Worker, NodeName: "w1" });
    assert.equal(w.status, 200);
    assert.equal(w.body.Role, "worker");
    const m = await call("POST", "/jetswarm/join", { JoinToken: info.JoinTokens.Manager, NodeName: "m2" });
    assert.equal(m.body.Role, "manager");
    const bad = await call("POST", "/jetswarm/join", { JoinToken: "SWMTKN-1-nope", NodeName: "x" });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.message, "A valid join token is necessary to join this cluster");
    assert.equal((await call("GET", `/nodes/${w.body.NodeID.slice(0, 8)}`)).body.Spec.Name, "w1");
  });

  it("creates a service and shows it at once (read-your-writes)", async () => {
    const c = await call("POST", "/services/create", spec("web", { Mode: { Replicated: { Replicas: 3 } } }));
    assert.equal(c.status, 201);
    const byId = await call("GET", `/services/${c.body.ID}`);
    assert.equal(byId.body.Spec.Name, "web");
    assert.deepEqual(byId.body.ServiceStatus, { RunningTasks: 0, DesiredTasks: 3 });
    assert.equal((await call("GET", "/services/web")).body.ID, c.body.ID);
    assert.equal((await call("GET", `/services/${c.body.ID.slice(0, 6)}`)).body.ID, c.body.ID);
    const ls = await call("GET", `/services?${filters({ name: ["web"] })}`);
    assert.deepEqual(ls.body.map((s: any) => s.ID), [c.body.ID]);
  });

  it("rejects a bad body naming the field, and appends nothing", async () => {
    const head = await store.headSeq();
    const r = await call("POST", "/services/create", { Name: "bad", TaskTemplate: { ContainerSpec: {} } });
    assert.equal(r.status, 400);
    assert.equal(r.body.message, "TaskTemplate.ContainerSpec.Image: required");
    const r2 = await call("POST", "/services/create", { ...spec("bad"), Bogus: 1 });
    assert.equal(r2.status, 400);
    assert.match(r2.body.message, /Bogus: unknown field/);
    assert.equal(await store.headSeq(), head);
  });

  it("404s unknown services and routes; 409s duplicate names", async () => {
    const r = await call("GET", "/services/nosuch");
    assert.equal(r.status, 404);
    assert.equal(r.body.message, "service nosuch not found");
    assert.equal((await call("GET", "/nowhere")).status, 404);
    const dup = await call("POST", "/services/create", spec("web"));
    assert.equal(dup.status, 409);
    assert.equal(dup.body.message, "rpc error: code = AlreadyExists desc = name conflicts with an existing object: service web already exists");
  });

  it("scales with the current version; refuses a stale one and a rename", async () => {
    const svc = (await call("GET", "/services/web")).body;
    const scaled = { ...svc.Spec, Mode: { Replicated: { Replicas: 5 } }, Labels: { tier: "front" } };
    const ok = await call("POST", `/services/${svc.ID}/update?version=${svc.Version.Index}`, scaled);
    assert.equal(ok.status, 200);
    const after = (await call("GET", "/services/web")).body;
    assert.equal(after.Spec.Mode.Replicated.Replicas, 5);
    assert.ok(after.Version.Index > svc.Version.Index);
    const stale = await call("POST", `/services/${svc.ID}/update?version=${svc.Version.Index}`, scaled);
    assert.equal(stale.status, 409);
    assert.equal(stale.body.message, "update out of sequence");
    const rename = await call("POST", `/services/${svc.ID}/update?version=${after.Version.Index}`, { ...after.Spec, Name: "other" });
    assert.equal(rename.status, 400);
    const labelled = await call("GET", `/services?${filters({ label: ["tier=front"] })}`);
    assert.deepEqual(labelled.body.map((s: any) => s.Spec.Name), ["web"]);
  });

  it("lists tasks filtered by service name or id", async () => {
    const svc = (await call("GET", "/services/web")).body;
    const other = (await call("POST", "/services/create", spec("db"))).body.ID;
    const task = (taskId: string, serviceId: string, serviceName: string, slot: number): Envelope => ({
      id: `t-${taskId}`, type: "TaskCreated", subject: subjects.event("task", taskId), at: new Date().toISOString(),
      actor: { kind: "service", id: "test" },
      data: { taskId, serviceId, serviceName, slot, spec: svc.Spec.TaskTemplate, specVersion: 1, desiredState: "running", state: "pending" },
    });
    await store.append({ event: task("t1aaaaaaaaaaaaaaaaaaaaaaa", svc.ID, "web", 1), expectedLastSubjectSeq: 0, msgId: "t1" });
    const last = await store.append({ event: task("t2aaaaaaaaaaaaaaaaaaaaaaa", other, "db", 1), expectedLastSubjectSeq: 0, msgId: "t2" });
    // The api's projection follows the log; wait until it has seen the fixture (up to 30 s: 2.5 s
    // was a loaded machine's scheduling hiccup away from the assertions below).
    for (let i = 0; i < 600 && (await call("GET", "/tasks")).body.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(last.seq > 0);
    const web = await call("GET", `/tasks?${filters({ service: ["web"] })}`);
    assert.deepEqual(web.body.map((t: any) => [t.ID, t.ServiceName, t.Slot, t.Status.State, t.DesiredState]),
      [["t1aaaaaaaaaaaaaaaaaaaaaaa", "web", 1, "pending", "running"]]);
    const db = await call("GET", `/tasks?${filters({ service: [other], "desired-state": ["running"] })}`);
    assert.deepEqual(db.body.map((t: any) => t.ID), ["t2aaaaaaaaaaaaaaaaaaaaaaa"]);
    assert.equal((await call("GET", `/tasks?${filters({ bogus: ["x"] })}`)).status, 400);
  });

  it("removes a service: gone from GET, name reusable", async () => {
    const svc = (await call("GET", "/services/db")).body;
    assert.equal((await call("DELETE", `/services/${svc.ID}`)).status, 200);
    assert.equal((await call("GET", `/services/${svc.ID}`)).status, 404);
    assert.ok(!(await call("GET", "/services")).body.some((s: any) => s.ID === svc.ID));
    assert.equal((await call("DELETE", `/services/${svc.ID}`)).status, 404);
    assert.equal((await call("POST", "/services/create", spec("db"))).status, 201);
  });
});
