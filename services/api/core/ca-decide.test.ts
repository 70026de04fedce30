import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { subjects, type Envelope } from "../../../schemas/index.js";
import { SwarmError } from "../../shared/errors/index.js";
import { evolve, initialClusterState, type ClusterState } from "../../shared/model/index.js";
import { caView, decideStartCaRotation } from "./ca-decide.js";

type Given = Pick<Envelope, "type" | "data" | "subject">;
function given(...events: Given[]): ClusterState {
  const s = initialClusterState();
  events.forEach((e, i) => evolve(s, { seq: i + 1, event: { ...e, id: `e${i}`, at: "2026-01-01T00:00:00Z", actor: { kind: "user", id: "t" } } as Envelope }));
  return s;
}
const cluster = subjects.event("cluster", "default");
const init = (ca: boolean): Given => ({ type: "ClusterInitialized", subject: cluster, data: {
  clusterId: "c", workerTokenHash: "W", managerTokenHash: "M", heartbeatPeriodMs: 2000, taskHistoryLimit: 5, ...(ca ? { caCert: "OLD", caDigest: "old" } : {}),
} });
const joined: Given = { type: "NodeJoined", subject: subjects.event("node", "n1"), data: { nodeId: "n1", name: "n1", role: "worker", availability: "active" } };
const root = { caCert: "NEW", caDigest: "new", crossSigned: "X" };
const refusal = (fn: () => unknown) => { try { fn(); } catch (e) { return e instanceof SwarmError ? `${e.code}: ${e.message}` : String(e); } return undefined; };

describe("swarm ca --rotate", () => {
  it("starts a rotation expecting the cluster's version, with the new root and its intermediate", () => {
    const s = given(init(true), joined);
    const [e] = decideStartCaRotation(s, root, { requestId: "r1" });
    assert.equal(e?.type, "ClusterCaRotationStarted");
    assert.equal(e?.expect, 1);
    assert.deepEqual(e?.data, root);
  });

  it("is refused while a rotation runs, and for a cluster without a root", () => {
    const running = given(init(true), { type: "ClusterCaRotationStarted", subject: cluster, data: root });
    assert.match(refusal(() => decideStartCaRotation(running, { ...root, caDigest: "other" }, { requestId: "r2" })) ?? "", /^failed_precondition: a root CA rotation is already in progress/);
    assert.match(refusal(() => decideStartCaRotation(given(init(false)), root, { requestId: "r3" })) ?? "", /^failed_precondition: .*no root to rotate/);
  });

  it("the view shows the root in use and the rotation's progress", () => {
    const s = given(init(true), joined, { type: "ClusterCaRotationStarted", subject: cluster, data: root });
    assert.deepEqual(caView(s), {
      CACert: "OLD", CADigest: "old", RootRotationInProgress: true,
      Rotation: { CACert: "NEW", CADigest: "new", NodesMoved: 0, NodesTotal: 1, Pending: ["n1"] },
    });
    assert.deepEqual(caView(given(init(true))), { CACert: "OLD", CADigest: "old", RootRotationInProgress: false });
  });
});
