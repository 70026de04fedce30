import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { subjects, type Envelope, type ServiceSpec } from "../../../schemas/index.js";
import { evolve, initialClusterState, type ClusterState } from "../../shared/model/index.js";
import { SwarmError } from "../../shared/errors/index.js";
import { decideCreateService, decideUpdateService } from "./decide.js";
import { resolveReferences } from "./references.js";

const fresh = { requestId: "r1" };
let seq = 0;
function apply(s: ClusterState, type: string, kind: string, id: string, data: unknown): void {
  evolve(s, { seq: ++seq, event: { type, subject: subjects.event(kind as "secret", id), data, id: `e${seq}`, at: "2026-01-01T00:00:00Z", actor: { kind: "user", id: "t" } } as Envelope });
}
function state(): ClusterState {
  const s = initialClusterState();
  apply(s, "ClusterInitialized", "cluster", "default", { clusterId: "c", workerToken: "W", managerToken: "M", heartbeatPeriodMs: 2000, taskHistoryLimit: 5 });
  apply(s, "SecretCreated", "secret", "sec1", { secretId: "sec1", name: "db-pass", labels: {}, version: 1, size: 3, hmac: "h" });
  apply(s, "SecretRotated", "secret", "sec1", { secretId: "sec1", version: 2, size: 4, hmac: "h2" });
  apply(s, "SecretCreated", "secret", "sec2", { secretId: "sec2", name: "tls-key", labels: {}, version: 1, size: 3, hmac: "h" });
  apply(s, "ConfigCreated", "config", "cfg1", { configId: "cfg1", name: "nginx.conf", labels: {}, version: 1, size: 3, hmac: "h" });
  return s;
}
const file = (Name: string) => ({ Name, UID: "0", GID: "0", Mode: 0o444 });
const spec = (c: Partial<ServiceSpec["TaskTemplate"]["ContainerSpec"]>): ServiceSpec =>
  ({ Name: "web", TaskTemplate: { ContainerSpec: { Image: "img", ...c } } });
const err = (fn: () => unknown) => { try { fn(); } catch (e) { return e instanceof SwarmError ? [e.code, e.message] : ["?", String(e)]; } return undefined; };

describe("secret and config references", () => {
  it("a name (as the swarm CLI sends it) or an id resolves to id, name and the current version; a pin is kept", () => {
    const out = resolveReferences(state(), spec({
      Secrets: [
        { SecretID: "db-pass", SecretName: "db-pass", File: file("db") },
        { SecretID: "sec2", SecretName: "whatever", File: file("tls") },
        { SecretID: "db-pass", SecretName: "db-pass", Version: 1, Pinned: true, File: file("old") },
      ],
      Configs: [{ ConfigID: "nginx.conf", ConfigName: "nginx.conf" }],
    }));
    const c = out.TaskTemplate.ContainerSpec;
    assert.deepEqual(c.Secrets?.map((r) => [r.SecretID, r.SecretName, r.Version, r.Pinned]),
      [["sec1", "db-pass", 2, undefined], ["sec2", "tls-key", 1, undefined], ["sec1", "db-pass", 1, true]]);
    assert.deepEqual(c.Configs, [{ ConfigID: "cfg1", ConfigName: "nginx.conf", Version: 1 }]);
  });

  it("unknown references are refused with Swarm's message, naming every one", () => {
    assert.deepEqual(err(() => resolveReferences(state(), spec({ Secrets: [{ SecretID: "nope", SecretName: "nope" }] }))),
      ["invalid_argument", "secret not found: nope"]);
    assert.deepEqual(err(() => resolveReferences(state(), spec({ Secrets: [{ SecretID: "a", SecretName: "a" }, { SecretID: "b", SecretName: "b" }] }))),
      ["invalid_argument", "secrets not found: a, b"]);
    assert.deepEqual(err(() => resolveReferences(state(), spec({ Configs: [{ ConfigID: "x", ConfigName: "x" }] }))),
      ["invalid_argument", "config not found: x"]);
  });

  it("a version that does not exist is refused", () => {
    assert.deepEqual(err(() => resolveReferences(state(), spec({ Secrets: [{ SecretID: "db-pass", SecretName: "db-pass", Version: 3, Pinned: true }] }))),
      ["invalid_argument", "secret db-pass has no version 3 (versions: 1, 2)"]);
  });

  it("two references with the same target are refused (the default target is the name)", () => {
    assert.deepEqual(err(() => resolveReferences(state(), spec({ Secrets: [
      { SecretID: "db-pass", SecretName: "db-pass", File: file("x") }, { SecretID: "tls-key", SecretName: "tls-key", File: file("x") },
    ] }))), ["invalid_argument", "secret references 'db-pass' and 'tls-key' have a conflicting target: 'x'"]);
    assert.deepEqual(err(() => resolveReferences(state(), spec({ Secrets: [
      { SecretID: "db-pass", SecretName: "db-pass" }, { SecretID: "tls-key", SecretName: "tls-key", File: file("db-pass") },
    ] }))), ["invalid_argument", "secret references 'db-pass' and 'tls-key' have a conflicting target: 'db-pass'"]);
  });

  it("create and update store the resolved spec; a refused reference appends nothing", () => {
    const s = state();
    const [created] = decideCreateService(s, spec({ Secrets: [{ SecretID: "db-pass", SecretName: "db-pass" }] }), "s1", fresh);
    const stored = (created?.data as { spec: ServiceSpec }).spec;
    assert.deepEqual(stored.TaskTemplate.ContainerSpec.Secrets, [{ SecretID: "sec1", SecretName: "db-pass", Version: 2 }]);
    apply(s, "ServiceCreated", "service", "s1", created!.data);
    const version = seq;
    const [updated] = decideUpdateService(s, "web", version, spec({ Configs: [{ ConfigID: "cfg1", ConfigName: "nginx.conf" }] }), fresh);
    assert.deepEqual((updated?.data as { spec: ServiceSpec }).spec.TaskTemplate.ContainerSpec.Configs, [{ ConfigID: "cfg1", ConfigName: "nginx.conf", Version: 1 }]);
    assert.equal(err(() => decideUpdateService(s, "web", version, spec({ Secrets: [{ SecretID: "zz", SecretName: "zz" }] }), fresh))?.[1], "secret not found: zz");
  });
});
