import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { initialClusterState, type ClusterState, type TaskView } from "../../shared/model/index.js";
import type { TaskState } from "../../../schemas/index.js";
import { decideDelivery } from "./deliver.js";

const at = "2026-01-01T00:00:00.000Z";

function given(task: Partial<TaskView> = {}): ClusterState {
  const s = initialClusterState();
  const view = (id: string, name: string, versions: number[]) => ({
    id, name, labels: {}, createdAt: at, updatedAt: at, versions: versions.map((version) => ({ version, size: 1, hmac: "h", createdAt: at })),
  });
  s.secrets.set("sec1", view("sec1", "db-pass", [1, 2]));
  s.configs.set("cfg1", view("cfg1", "nginx", [1]));
  s.tasks.set("t1", {
    id: "t1", serviceId: "svc", serviceName: "web", slot: 1, nodeId: "n1", specVersion: 1, desiredState: "running", state: "assigned",
    message: "", statusAt: at, createdAt: at, updatedAt: at,
    spec: { ContainerSpec: {
      Image: "x",
      Secrets: [{ SecretID: "sec1", SecretName: "db-pass", Version: 2 }],
      Configs: [{ ConfigID: "cfg1", ConfigName: "nginx", Version: 1 }],
    } },
    ...task,
  });
  return s;
}

describe("decideDelivery", () => {
  it("serves the assigned node every referenced version, secrets then configs", () => {
    for (const state of ["assigned", "accepted", "preparing", "starting", "running"] as TaskState[]) {
      assert.deepEqual(decideDelivery(given({ state }), "n1", "t1"), {
        ok: true, refs: [{ kind: "secret", id: "sec1", version: 2 }, { kind: "config", id: "cfg1", version: 1 }],
      }, state);
    }
  });

  it("refuses another node, an unknown task, and a task not yet placed (the last two may be the projection lagging)", () => {
    assert.deepEqual(decideDelivery(given(), "n2", "t1"), { ok: false, reason: "task t1 is not assigned to node n2", unseen: false });
    assert.deepEqual(decideDelivery(given(), "n1", "t9"), { ok: false, reason: "task t9 is unknown", unseen: true });
    const pending = decideDelivery(given({ nodeId: undefined, state: "pending" }), "n1", "t1");
    assert.deepEqual(pending, { ok: false, reason: "task t1 is not assigned to node n1", unseen: true });
  });

  it("refuses a task that should not run or has ended", () => {
    assert.match(reason(given({ desiredState: "shutdown" })), /not meant to run \(desired state shutdown\)/);
    assert.match(reason(given({ state: "failed" })), /has ended \(failed\)/);
    assert.match(reason(given({ state: "complete" })), /has ended/);
  });

  it("refuses a reference to a removed secret, a missing version, or no version", () => {
    const gone = given();
    gone.secrets.delete("sec1");
    assert.match(reason(gone), /secret db-pass \(sec1\) does not exist/);
    const v3 = given();
    v3.tasks.get("t1")!.spec.ContainerSpec.Configs![0]!.Version = 3;
    assert.match(reason(v3), /config nginx has no version 3/);
    const none = given();
    delete none.tasks.get("t1")!.spec.ContainerSpec.Secrets![0]!.Version;
    assert.match(reason(none), /secret db-pass is referenced without a version/);
  });
});

function reason(s: ClusterState): string {
  const d = decideDelivery(s, "n1", "t1");
  assert.equal(d.ok, false);
  return d.ok ? "" : d.reason;
}
