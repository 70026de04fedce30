import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { subjects, type Envelope } from "../../schemas/index.js";
import { startInProcessApi, type InProcessApi } from "../helpers/in-process-api.js";

let t: InProcessApi;
let store: JetStreamEventStore;

const call: InProcessApi["call"] = (method, path, body) => t.call(method, path, body);
const spec = (name: string, image = "busybox:1", extra: Record<string, unknown> = {}) =>
  ({ Name: name, TaskTemplate: { ContainerSpec: { Image: image } }, ...extra });

/** The events of one subject, replayed from the log up to its current head. */
async function eventsOf(subject: string): Promise<Envelope[]> {
  const head = await store.headSeq();
  const out: Envelope[] = [];
  await new Promise<void>((resolve) => {
    const sub = store.subscribe(1, (e) => {
      if (e.event.subject === subject) out.push(e.event);
      if (e.seq >= head) void sub.stop().then(resolve);
    });
  });
  return out;
}

before(async () => {
  t = await startInProcessApi("api-update");
  store = t.store;
  assert.equal((await call("POST", "/swarm/init", { NodeName: "n1" })).status, 200);
});
after(async () => {
  await t?.stop();
});

describe("api: updates and rollback", () => {
  let id = "";
  it("accepts an image and config change and keeps the previous spec", async () => {
    id = (await call("POST", "/services/create", spec("web"))).body.ID;
    const v = (await call("GET", `/services/${id}`)).body;
    assert.equal(v.PreviousSpec, undefined);
    const next = spec("web", "busybox:2", { UpdateConfig: { Delay: 1_000_000_000, FailureAction: "rollback" }, Labels: { a: "b" } });
    const u = await call("POST", `/services/${id}/update?version=${v.Version.Index}`, next);
    assert.equal(u.status, 200, JSON.stringify(u.body));
    const after = (await call("GET", `/services/web`)).body;
    assert.equal(after.Spec.TaskTemplate.ContainerSpec.Image, "busybox:2");
    assert.equal(after.PreviousSpec.TaskTemplate.ContainerSpec.Image, "busybox:1");
    assert.ok(after.Version.Index > v.Version.Index);
  });

  it("refuses bad values with the field named and appends nothing", async () => {
    const v = (await call("GET", `/services/${id}`)).body;
    const before = (await eventsOf(subjects.event("service", id))).length;
    const bad = await call("POST", `/services/${id}/update?version=${v.Version.Index}`, spec("web", "busybox:2", { UpdateConfig: { MaxFailureRatio: 2 } }));
    assert.equal(bad.status, 400);
    assert.equal(bad.body.message, "UpdateConfig.MaxFailureRatio: update-maxfailureratio cannot be less than 0 or bigger than 1");
    const rename = await call("POST", `/services/${id}/update?version=${v.Version.Index}`, spec("web2", "busybox:2"));
    assert.deepEqual([rename.status, rename.body.message], [400, "renaming services is not supported"]);
    const mode = await call("POST", `/services/${id}/update?version=${v.Version.Index}`, spec("web", "busybox:2", { Mode: { Global: {} } }));
    assert.deepEqual([mode.status, mode.body.message], [400, "service mode change is not allowed"]);
    const stale = await call("POST", `/services/${id}/update?version=1`, spec("web", "busybox:3"));
    assert.deepEqual([stale.status, stale.body.message], [409, "update out of sequence"]);
    assert.equal((await eventsOf(subjects.event("service", id))).length, before);
  });

  it("rollback=previous swaps spec and previous spec and says why", async () => {
    const v = (await call("GET", `/services/${id}`)).body;
    const r = await call("POST", `/services/${id}/update?version=${v.Version.Index}&rollback=previous`, v.Spec);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const after = (await call("GET", `/services/${id}`)).body;
    assert.equal(after.Spec.TaskTemplate.ContainerSpec.Image, "busybox:1");
    assert.equal(after.PreviousSpec.TaskTemplate.ContainerSpec.Image, "busybox:2");
    assert.equal(after.UpdateStatus.State, "rollback_started");
    assert.equal(after.UpdateStatus.Message, "manually requested rollback");
    assert.ok(after.UpdateStatus.StartedAt);
    const last = (await eventsOf(subjects.event("service", id))).at(-1);
    assert.deepEqual([last?.type, last?.data], ["ServiceRollbackRequested", { serviceId: id }]);
  });

  it("rollback without a previous spec is refused with Swarm's words", async () => {
    const fresh = (await call("POST", "/services/create", spec("solo"))).body.ID;
    const r = await call("POST", `/services/${fresh}/update?version=${(await call("GET", `/services/${fresh}`)).body.Version.Index}&rollback=previous`, {});
    assert.deepEqual([r.status, r.body.message], [412, `service ${fresh} does not have a previous spec`]);
    const odd = await call("POST", `/services/${fresh}/update?version=1&rollback=yes`, {});
    assert.equal(odd.status, 400);
  });

  it("insertDefaults fills the defaults; the stored spec stays sparse", async () => {
    const sparse = (await call("GET", `/services/solo`)).body;
    assert.equal(sparse.Spec.UpdateConfig, undefined);
    const full = (await call("GET", `/services/solo?insertDefaults=true`)).body;
    assert.deepEqual(full.Spec.UpdateConfig, { Parallelism: 1, Delay: 0, FailureAction: "pause", Monitor: 5e9, MaxFailureRatio: 0, Order: "stop-first" });
    assert.deepEqual(full.Spec.TaskTemplate.RestartPolicy, { Condition: "any", Delay: 5e9, MaxAttempts: 0, Window: 0 });
    assert.equal(full.Spec.TaskTemplate.ContainerSpec.StopGracePeriod, 10e9);
    assert.equal(full.Spec.RollbackConfig.Monitor, 5e9);
  });

  it("swarm/update appends ClusterUpdated and the cluster shows it", async () => {
    const r = await call("POST", "/swarm/update", { TaskHistoryRetentionLimit: 2, HeartbeatPeriodMs: 3000 });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const info = (await call("GET", "/swarm")).body;
    assert.equal(info.Spec.Orchestration.TaskHistoryRetentionLimit, 2);
    assert.equal(info.Spec.Dispatcher.HeartbeatPeriod, 3000 * 1_000_000);
    const last = (await eventsOf(subjects.event("cluster", "default"))).at(-1);
    assert.deepEqual([last?.type, last?.data], ["ClusterUpdated", { taskHistoryLimit: 2, heartbeatPeriodMs: 3000 }]);
    const bad = await call("POST", "/swarm/update", { HeartbeatPeriodMs: 0 });
    assert.equal(bad.status, 400);
  });
});
