import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { subjects, type Envelope, type SecretReference, type ServiceSpec } from "../../../schemas/index.js";
import { evolve, initialClusterState, type ClusterState, type PlannedEvent } from "../../shared/model/index.js";
import { SwarmError } from "../../shared/errors/index.js";
import {
  checkCreate, decideCreateObject, decideMoveUsers, decideRemoveObject, decideRotateObject, decideYieldName, findObject, moveReferences,
} from "./secret-decide.js";
import { listObjects, secretView, configView } from "./secret-views.js";

const fresh = { requestId: "r1" };
const actor = { kind: "user", id: "t" } as const;

type Given = { type: string; data: unknown; subject: string };
function given(...events: Given[]): ClusterState {
  const s = initialClusterState();
  const all = [{ type: "ClusterInitialized", subject: subjects.event("cluster", "default"),
    data: { clusterId: "c", workerToken: "W", managerToken: "M", heartbeatPeriodMs: 2000, taskHistoryLimit: 5 } }, ...events];
  all.forEach((e, i) => evolve(s, { seq: i + 1, event: { ...e, id: `e${i}`, at: `2026-01-01T00:00:0${i}Z`, actor } as unknown as Envelope }));
  return s;
}
/** Applies planned events as if appended next (seq = state.seq + 1 …). */
function apply(s: ClusterState, planned: PlannedEvent[]): void {
  for (const p of planned) {
    evolve(s, { seq: s.seq + 1, event: { type: p.type, data: p.data, subject: subjects.event(p.kind, p.aggregateId), id: p.key, at: "2026-01-02T00:00:00Z", actor } as Envelope });
  }
}
const code = (fn: () => unknown) => { try { fn(); } catch (e) { return e instanceof SwarmError ? [e.code, e.message] : ["?", String(e)]; } return undefined; };

const secretCreated = (id: string, name: string, labels: Record<string, string> = {}) =>
  ({ type: "SecretCreated", subject: subjects.event("secret", id), data: { secretId: id, name, labels, version: 1, size: 3, hmac: "h1" } });
const configCreated = (id: string, name: string) =>
  ({ type: "ConfigCreated", subject: subjects.event("config", id), data: { configId: id, name, labels: {}, version: 1, size: 3, hmac: "h1" } });
const ref = (id: string, over: Partial<SecretReference> = {}): SecretReference =>
  ({ SecretID: id, SecretName: id, File: { Name: id }, Version: 1, ...over });
const spec = (name: string, secrets: SecretReference[]): ServiceSpec =>
  ({ Name: name, TaskTemplate: { ContainerSpec: { Image: "img", Secrets: secrets } } });
const serviceCreated = (id: string, s: ServiceSpec) => ({ type: "ServiceCreated", subject: subjects.event("service", id), data: { serviceId: id, spec: s } });

describe("secret and config deciders", () => {
  it("create: Swarm's name rule, size bounds and duplicate name, each refused in Swarm's words", () => {
    const s = given(secretCreated("s1", "db"));
    const invalid = "invalid name, only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]";
    for (const bad of ["-x", "x-", "a b", "a/b", "x".repeat(65), "é"]) assert.deepEqual(code(() => checkCreate(s, "secret", bad, 1)), ["invalid_argument", invalid], bad);
    for (const ok of ["a", "a.b-c_d", "x".repeat(64), "A9"]) assert.equal(code(() => checkCreate(s, "secret", ok, 1)), undefined, ok);
    assert.deepEqual(code(() => checkCreate(s, "secret", "", 1)), ["invalid_argument", "name must be provided"]);
    const secretSize = ["invalid_argument", "secret data must be larger than 0 and less than 512000 bytes"];
    assert.deepEqual(code(() => checkCreate(s, "secret", "x", 0)), secretSize);
    assert.deepEqual(code(() => checkCreate(s, "secret", "x", 512000)), secretSize);
    assert.equal(code(() => checkCreate(s, "secret", "x", 511999)), undefined);
    assert.deepEqual(code(() => checkCreate(s, "config", "x", 1024000)), ["invalid_argument", "config data must be larger than 0 and less than 1024000 bytes"]);
    assert.equal(code(() => checkCreate(s, "config", "x", 1023999)), undefined);
    assert.deepEqual(code(() => checkCreate(s, "secret", "db", 1)), ["already_exists", "rpc error: code = AlreadyExists desc = secret db already exists"]);
    // Names are per kind: a config may share a secret's name.
    assert.equal(code(() => checkCreate(s, "config", "db", 1)), undefined);
    assert.equal(code(() => checkCreate(initialClusterState(), "secret", "x", 1))?.[0], "unavailable");
  });

  it("create: a new aggregate (expects 0) with the stored payload's metadata", () => {
    const [e] = decideCreateObject(given(), "config", { id: "c9", name: "nginx", labels: { a: "b" }, payload: { version: 1, size: 5, hmac: "hm" } }, fresh);
    assert.deepEqual([e?.type, e?.aggregateId, e?.expect], ["ConfigCreated", "c9", 0]);
    assert.deepEqual(e?.data, { configId: "c9", name: "nginx", labels: { a: "b" }, version: 1, size: 5, hmac: "hm" });
  });

  it("two creates of one name that both appended: the later yields (removes itself), the earlier keeps it", () => {
    const s = given(secretCreated("s1", "db"), secretCreated("s2", "db"), secretCreated("s3", "other"));
    assert.deepEqual(decideYieldName(s, "secret", "s1", fresh), []);
    assert.deepEqual(decideYieldName(s, "secret", "s3", fresh), []);
    assert.deepEqual(decideYieldName(s, "secret", "s2", fresh).map((e) => [e.type, e.aggregateId, e.expect, e.data]), [["SecretRemoved", "s2", 3, { secretId: "s2", name: "db" }]]);
    assert.deepEqual(decideYieldName(s, "secret", "gone", fresh), []);
  });

  it("remove: refused while a live service references it, naming the services; allowed once none does", () => {
    const s = given(secretCreated("s1", "db"), serviceCreated("w1", spec("web", [ref("s1")])), serviceCreated("w2", spec("api", [ref("s1")])));
    assert.deepEqual(code(() => decideRemoveObject(s, "secret", "db", fresh)),
      ["invalid_argument", "secret 'db' is in use by the following services: api, web"]);
    apply(s, [{ type: "ServiceRemoved", kind: "service", aggregateId: "w2", data: { serviceId: "w2" }, expect: 0, key: "k" }]);
    assert.deepEqual(code(() => decideRemoveObject(s, "secret", "db", fresh)), ["invalid_argument", "secret 'db' is in use by the following service: web"]);
    apply(s, [{ type: "ServiceUpdated", kind: "service", aggregateId: "w1", data: { serviceId: "w1", spec: spec("web", []) }, expect: 0, key: "k" }]);
    const [e] = decideRemoveObject(s, "secret", "s1", fresh);
    assert.deepEqual([e?.type, e?.expect, e?.data], ["SecretRemoved", 2, { secretId: "s1", name: "db" }]);
    assert.deepEqual(code(() => decideRemoveObject(s, "secret", "nope", fresh)), ["not_found", "secret nope not found"]);
    // A config of the same id is another aggregate.
    assert.equal(code(() => decideRemoveObject(s, "config", "s1", fresh))?.[0], "not_found");
  });

  it("rotate: records a version above the current once; a retry is a no-op; another rotate's payload at that version is a conflict", () => {
    const s = given(secretCreated("s1", "db"));
    const p = { version: 2, size: 4, hmac: "h2" };
    const planned = decideRotateObject(s, "secret", "s1", p, fresh);
    assert.deepEqual(planned.map((e) => [e.type, e.expect, e.data]), [["SecretRotated", 2, { secretId: "s1", ...p }]]);
    apply(s, planned);
    assert.deepEqual(decideRotateObject(s, "secret", "s1", p, fresh), []);
    assert.equal(code(() => decideRotateObject(s, "secret", "s1", { ...p, hmac: "other" }, fresh))?.[0], "conflict");
    assert.equal(code(() => decideRotateObject(s, "secret", "s1", { ...p, version: 1, hmac: "hx" }, fresh))?.[0], "conflict");
    // A version above n+1 (n+1 was stored by a rotate that failed before its append) is recorded as is.
    assert.deepEqual(decideRotateObject(s, "secret", "s1", { ...p, version: 4 }, fresh).map((e) => e.type), ["SecretRotated"]);
    assert.equal(code(() => decideRotateObject(s, "secret", "zz", p, fresh))?.[0], "not_found");
  });

  it("rotate: unpinned references move to the current version, pinned ones and other secrets stay; nothing when all are current", () => {
    const s = given(secretCreated("s1", "db"), secretCreated("s2", "other"),
      serviceCreated("w1", spec("web", [ref("s1"), ref("s2"), ref("s1", { File: { Name: "copy" } })])),
      serviceCreated("w2", spec("pinned", [ref("s1", { Pinned: true })])),
      serviceCreated("w3", spec("bystander", [ref("s2")])));
    apply(s, decideRotateObject(s, "secret", "s1", { version: 2, size: 1, hmac: "h2" }, fresh));
    const moves = decideMoveUsers(s, "secret", "s1", fresh);
    assert.deepEqual(moves.map((e) => [e.type, e.aggregateId, e.expect]), [["ServiceUpdated", "w1", 4]]);
    const moved = (moves[0]!.data as { spec: ServiceSpec }).spec.TaskTemplate.ContainerSpec.Secrets!;
    assert.deepEqual(moved.map((r) => [r.SecretID, r.Version, r.File?.Name]), [["s1", 2, "s1"], ["s2", 1, "s2"], ["s1", 2, "copy"]]);
    // Everything else in the spec is what it was.
    const before = s.services.get("w1")!.spec;
    assert.deepEqual({ ...(moves[0]!.data as { spec: ServiceSpec }).spec, TaskTemplate: {} }, { ...before, TaskTemplate: {} });
    apply(s, moves);
    assert.deepEqual(decideMoveUsers(s, "secret", "s1", fresh), []);
  });

  it("configs move the same way, through ConfigReference", () => {
    const cspec: ServiceSpec = { Name: "nginx", TaskTemplate: { ContainerSpec: { Image: "img", Configs: [{ ConfigID: "c1", ConfigName: "conf", Version: 1 }] } } };
    const s = given(configCreated("c1", "conf"), serviceCreated("w1", cspec));
    assert.deepEqual(code(() => decideRemoveObject(s, "config", "conf", fresh)), ["invalid_argument", "config 'conf' is in use by the following service: nginx"]);
    apply(s, decideRotateObject(s, "config", "c1", { version: 2, size: 1, hmac: "h2" }, fresh));
    const [u] = decideMoveUsers(s, "config", "c1", fresh);
    assert.equal((u!.data as { spec: ServiceSpec }).spec.TaskTemplate.ContainerSpec.Configs![0]!.Version, 2);
    assert.equal(moveReferences(cspec, "secret", "c1", 5), cspec);
  });

  it("a config's remove and its yield name it, as a secret's do", () => {
    const s = given(configCreated("c1", "conf"), configCreated("c2", "conf"));
    assert.deepEqual(decideYieldName(s, "config", "c2", fresh).map((e) => [e.type, e.data]), [["ConfigRemoved", { configId: "c2", name: "conf" }]]);
    assert.deepEqual(decideRemoveObject(s, "config", "c1", fresh).map((e) => [e.type, e.data]), [["ConfigRemoved", { configId: "c1", name: "conf" }]]);
  });

  it("lookup, list filters and views: id, name prefix, exact names, labels; a secret view has no data", () => {
    const s = given(secretCreated("abc1", "db-pass", { env: "prod" }), secretCreated("abd2", "db-user", { env: "dev", tier: "x" }), secretCreated("x3", "tls"));
    assert.equal(findObject(s, "secret", "tls").id, "x3");
    assert.equal(findObject(s, "secret", "abd").name, "db-user");
    assert.equal(code(() => findObject(s, "secret", "ab"))?.[0], "invalid_argument");
    const names = (f: Record<string, string[]>) => listObjects(s, "secret", new Map(Object.entries(f))).map((v) => v.name);
    assert.deepEqual(names({}), ["db-pass", "db-user", "tls"]);
    assert.deepEqual(names({ name: ["db"] }), ["db-pass", "db-user"]);
    assert.deepEqual(names({ names: ["db"] }), []);
    assert.deepEqual(names({ id: ["ab"], label: ["env=prod"] }), ["db-pass"]);
    assert.deepEqual(names({ label: ["tier"] }), ["db-user"]);
    const v = secretView(s, s.secrets.get("x3")!);
    assert.deepEqual(v, { ID: "x3", Version: { Index: 4 }, CreatedAt: "2026-01-01T00:00:03Z", UpdatedAt: "2026-01-01T00:00:03Z",
      Versions: [{ Version: 1, Size: 3, CreatedAt: "2026-01-01T00:00:03Z" }], Spec: { Name: "tls", Labels: {} } });
    assert.equal(configView(s, s.secrets.get("x3")!, "aGk=").Spec.Data, "aGk=");
  });
});
