import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { subjects, type Envelope, type StoredEvent } from "../../../schemas/index.js";
import { caRotationDone, caRotationProgress } from "./ca-rotation.js";
import { evolve, initialClusterState } from "./cluster-state.js";

const actor = { kind: "service", id: "t" } as const;
let seq = 0;
function ev(e: Omit<Envelope, "id" | "at" | "actor">): StoredEvent {
  seq++;
  return { seq, event: { ...e, id: `e${seq}`, at: new Date(seq * 1000).toISOString(), actor } as Envelope };
}
const cluster = (type: string, data: object) => ev({ type, subject: subjects.event("cluster", "default"), data } as Omit<Envelope, "id" | "at" | "actor">);
const node = (type: string, data: object) => ev({ type, subject: subjects.event("node", (data as { nodeId: string }).nodeId), data } as Omit<Envelope, "id" | "at" | "actor">);

function fold(events: StoredEvent[]) {
  const s = initialClusterState();
  for (const e of events) evolve(s, e);
  return s;
}

const init = () => cluster("ClusterInitialized", {
  clusterId: "c1", workerTokenHash: "w0", managerTokenHash: "m0", caCert: "OLD", caDigest: "old", heartbeatPeriodMs: 5000, taskHistoryLimit: 5,
});
const joined = (nodeId: string) => node("NodeJoined", { nodeId, name: nodeId, role: "worker", availability: "active" });
const issued = (nodeId: string, caDigest: string) => node("NodeCertificateIssued", {
  nodeId, reason: "renewal", role: "worker", serial: "01", fingerprint: "ff", notBefore: "2026-01-01T00:00:00.000Z", notAfter: "2027-01-01T00:00:00.000Z",
  issuerSubject: "", issuerPublicKey: "", caDigest,
});
const started = () => cluster("ClusterCaRotationStarted", { caCert: "NEW", caDigest: "new", crossSigned: "X" });

describe("CA rotation progress", () => {
  it("is undefined without a rotation", () => {
    assert.equal(caRotationProgress(fold([init(), joined("n1"), issued("n1", "old")])), undefined);
  });

  it("counts the nodes whose last certificate is of the new root; the others are pending", () => {
    const s = fold([init(), joined("n1"), joined("n2"), joined("n3"), issued("n1", "old"), started(), issued("n2", "new"), issued("n3", "old")]);
    const p = caRotationProgress(s)!;
    assert.deepEqual(p, { caDigest: "new", total: 3, moved: 1, pending: ["n1", "n3"] });
    assert.equal(caRotationDone(p), false);
  });

  it("is done when every node moved; a removed node no longer counts", () => {
    const s = fold([init(), joined("n1"), joined("n2"), started(), issued("n1", "new"), node("NodeRemoved", { nodeId: "n2" })]);
    const p = caRotationProgress(s)!;
    assert.deepEqual([p.moved, p.total], [1, 1]);
    assert.equal(caRotationDone(p), true);
  });

  it("completion makes the new root the cluster's, with the new token hashes, generations kept", () => {
    const s = fold([init(), joined("n1"), started(), issued("n1", "new"),
      cluster("ClusterCaRotationCompleted", { caDigest: "new", workerTokenHash: "w1", managerTokenHash: "m1" })]);
    const c = s.cluster!;
    assert.equal(c.caRotation, undefined);
    assert.deepEqual([c.caCert, c.caDigest], ["NEW", "new"]);
    assert.deepEqual(c.joinTokens, { worker: { hash: "w1", generation: 1 }, manager: { hash: "m1", generation: 1 } });
    assert.equal(caRotationProgress(s), undefined);
  });

  it("a completion of another rotation than the one under way changes nothing", () => {
    const s = fold([init(), started(), cluster("ClusterCaRotationCompleted", { caDigest: "other", workerTokenHash: "w1", managerTokenHash: "m1" })]);
    assert.equal(s.cluster!.caDigest, "old");
    assert.equal(s.cluster!.caRotation?.caDigest, "new");
  });
});
