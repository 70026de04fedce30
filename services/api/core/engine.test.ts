import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { api } from "../../../schemas/index.js";
import type { ClusterView, SecretView } from "../../shared/model/index.js";
import { API, LogBuilder, smallLog } from "./audit-test-fixture.js";
import { engineInfo, engineVersion, type HostFacts } from "./engine-info.js";
import { EngineNames, engineEvent, engineEventMatches, parseUnixTime } from "./engine-events.js";
import { checkObjectUpdate, checkSamePayload } from "./engine-objects.js";
import { engineServiceSpec, registryAuthProblem } from "./engine-spec.js";
import { dockerSwarm, isDockerSwarmSpec, swarmUpdateFromDocker } from "./engine-swarm.js";
import { apiVersionProblem, compareVersions, pingHeaders } from "./engine-version.js";

/* The Docker Engine API front end's pure shaping: negotiation, /version, /info, events, specs. */

const HOST: HostFacts = { hostname: "h1", kernelVersion: "6.1", operatingSystem: "Debian", arch: "x86_64", ncpu: 2, memTotal: 1 << 30 };
const CLUSTER: ClusterView = {
  id: "c1", heartbeatPeriodMs: 5000, taskHistoryLimit: 5, joinTokens: { worker: { hash: "w", generation: 1 }, manager: { hash: "m", generation: 1 } },
  createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-01T00:00:00Z",
};
const node = (id: string, role: "manager" | "worker", addr: string): api.Node => ({
  ID: id, Version: { Index: 1 }, CreatedAt: "", UpdatedAt: "", Spec: { Name: id, Role: role, Availability: "active", Labels: {} },
  Status: { State: "ready", Addr: addr }, ...(role === "manager" ? { ManagerStatus: { Leader: true, Reachability: "reachable", Addr: addr } } : {}),
}) as api.Node;

describe("engine API: version negotiation", () => {
  it("serves 1.41 to 1.51 and refuses others in moby's words", () => {
    assert.equal(compareVersions("1.9", "1.41"), -1);
    assert.equal(apiVersionProblem("1.41"), undefined);
    assert.equal(apiVersionProblem("1.50"), undefined);
    assert.equal(apiVersionProblem("1.51"), undefined);
    assert.equal(apiVersionProblem("1.40"), "client version 1.40 is too old. Minimum supported API version is 1.41, please upgrade your client to a newer version");
    assert.equal(apiVersionProblem("1.52"), "client version 1.52 is too new. Maximum supported API version is 1.51");
    assert.equal(apiVersionProblem("2"), "client version 2 is too new. Maximum supported API version is 1.51");
  });
  it("ping headers say a manager once the swarm exists", () => {
    const h = pingHeaders(true);
    assert.deepEqual([h["API-Version"], h.OSType, h.Swarm, h["Docker-Experimental"], h.Pragma], ["1.51", "linux", "active/manager", "false", "no-cache"]);
    assert.equal(h["Cache-Control"], "no-cache, no-store, must-revalidate");
    assert.equal(pingHeaders(false).Swarm, "inactive");
  });
});

describe("engine API: /version and /info", () => {
  it("version names jetswarm and the API range", () => {
    const v = engineVersion("0.1.0", HOST);
    assert.deepEqual([v.Version, v.ApiVersion, v.MinAPIVersion, v.Os, v.Arch, v.Components[0]?.Name], ["0.1.0", "1.51", "1.41", "linux", "x86_64", "Engine"]);
  });
  it("the Swarm section: self, managers, counts and the cluster; inactive before init", () => {
    const { JoinTokens: _t, ...info } = { ID: "c1", Version: { Index: 1 }, CreatedAt: "", UpdatedAt: "", JoinTokens: { Worker: "", Manager: "" }, Spec: { Orchestration: { TaskHistoryRetentionLimit: 5 }, Dispatcher: { HeartbeatPeriod: 5e9 } } };
    const nodes = [node("m1", "manager", "10.0.0.1"), node("w1", "worker", "10.0.0.2"), node("m2", "manager", "10.0.0.3")];
    const i = engineInfo("0.1.0", HOST, { cluster: info, nodes, selfId: "m2" }, new Date(0));
    assert.equal(i.ID, "c1");
    assert.equal(i.Name, "h1");
    assert.deepEqual({ ...i.Swarm, Cluster: undefined }, {
      NodeID: "m2", NodeAddr: "10.0.0.3", LocalNodeState: "active", ControlAvailable: true, Error: "", Nodes: 3, Managers: 2, Cluster: undefined,
      RemoteManagers: [{ NodeID: "m1", Addr: "10.0.0.1" }, { NodeID: "m2", Addr: "10.0.0.3" }],
    });
    assert.equal(engineInfo("0.1.0", HOST, { cluster: info, nodes, selfId: undefined }, new Date(0)).Swarm.NodeID, "m1", "unknown self: the first manager");
    assert.equal(engineInfo("0.1.0", HOST, undefined, new Date(0)).Swarm.LocalNodeState, "inactive");
  });
});

describe("engine API: swarm spec", () => {
  it("GET /swarm carries Docker's spec fields with jetswarm's values", () => {
    const s = dockerSwarm({ ID: "c1", Version: { Index: 1 }, CreatedAt: "", UpdatedAt: "", Spec: { Orchestration: { TaskHistoryRetentionLimit: 5 }, Dispatcher: { HeartbeatPeriod: 5e9 } } }, { ...CLUSTER, subnetSize: 26 });
    assert.equal(s.Spec.CAConfig.NodeCertExpiry, 90 * 24 * 3600 * 1e9);
    assert.deepEqual([s.DefaultAddrPool, s.SubnetSize, s.DataPathPort, s.Spec.Name], [["10.0.0.0/8"], 26, 4789, "default"]);
  });
  it("docker swarm update's whole spec names only what changed; what jetswarm cannot honour is refused", () => {
    const sent = { Name: "default", Labels: null, Orchestration: { TaskHistoryRetentionLimit: 3 }, Raft: { ElectionTick: 0 }, Dispatcher: { HeartbeatPeriod: 5e9 }, CAConfig: { NodeCertExpiry: 90 * 24 * 3600 * 1e9 }, TaskDefaults: {}, EncryptionConfig: { AutoLockManagers: false } };
    assert.ok(isDockerSwarmSpec(sent));
    assert.ok(!isDockerSwarmSpec({ TaskHistoryRetentionLimit: 3 }));
    assert.deepEqual(swarmUpdateFromDocker(sent, CLUSTER), { TaskHistoryRetentionLimit: 3 });
    assert.deepEqual(swarmUpdateFromDocker({ ...sent, Dispatcher: { HeartbeatPeriod: 7e9 }, EncryptionConfig: { AutoLockManagers: true } }, CLUSTER),
      { TaskHistoryRetentionLimit: 3, HeartbeatPeriodMs: 7000, AutoLockManagers: true });
    assert.throws(() => swarmUpdateFromDocker({ ...sent, Labels: { a: "b" }, TaskDefaults: { LogDriver: { Name: "syslog" } } }, CLUSTER),
      /swarm spec: not supported by jetswarm: Labels, TaskDefaults.LogDriver/);
  });
});

describe("engine API: service specs from the docker CLI", () => {
  it("Go's zero values are dropped; anything else is left for the strict parse", () => {
    const sent = {
      Name: "web", Labels: {}, TaskTemplate: {
        ContainerSpec: { Image: "i", Init: false, DNSConfig: {}, Isolation: "default", Privileges: { CredentialSpec: null, SELinuxContext: null, NoNewPrivileges: false } },
        Resources: { Limits: {}, Reservations: {} }, Placement: {}, Networks: null, ForceUpdate: 0,
      },
      Mode: { Replicated: { Replicas: 2 } }, EndpointSpec: { Mode: "vip", Ports: null },
    };
    assert.deepEqual(engineServiceSpec(sent), {
      Name: "web", Labels: {}, TaskTemplate: { ContainerSpec: { Image: "i", Init: false, DNSConfig: {} }, ForceUpdate: 0 },
      Mode: { Replicated: { Replicas: 2 } }, EndpointSpec: { Mode: "vip" },
    });
    const kept = engineServiceSpec({ TaskTemplate: { ContainerSpec: { Isolation: "hyperv", Privileges: { NoNewPrivileges: true } } } });
    assert.deepEqual(kept, { TaskTemplate: { ContainerSpec: { Isolation: "hyperv", Privileges: { NoNewPrivileges: true } } } });
  });
  it("a deeply nested body is left for the parse (no stack overflow)", () => {
    const deep = JSON.parse('{"a":'.repeat(50_000) + "null" + "}".repeat(50_000)) as unknown;
    assert.doesNotThrow(() => engineServiceSpec(deep));
  });
  it("X-Registry-Auth: none or empty passes; credentials are refused by name", () => {
    const b64 = (o: unknown) => btoa(JSON.stringify(o));
    registryAuthProblem(undefined);
    registryAuthProblem(b64({}));
    registryAuthProblem(b64({ username: "", password: "" }));
    assert.throws(() => registryAuthProblem(b64({ username: "u", password: "p" })), /X-Registry-Auth: registry credentials are not supported \(username, password\)/);
    assert.throws(() => registryAuthProblem("%%%"), /X-Registry-Auth: not base64-encoded JSON/);
  });
});

describe("engine API: events", () => {
  it("log events as Docker's messages, names remembered across a removal", () => {
    const log = smallLog();
    log.add("ServiceRemoved", "service", "s1", { serviceId: "s1" }, API);
    const names = new EngineNames(() => undefined);
    const out = log.log.map((s) => engineEvent(s.event, 1_700_000_000_123, names)).filter((e) => e !== undefined);
    assert.deepEqual(out.map((e) => `${e.Type} ${e.Action} ${e.Actor.ID} ${e.Actor.Attributes.name ?? "-"}`), [
      "node create n1 host1", "node update n1 host1", "service create s1 web", "node update n1 host1", "service remove s1 web",
    ]);
    assert.deepEqual([out[0]!.scope, out[0]!.time, out[0]!.timeNano], ["swarm", 1_700_000_000, 1_700_000_000_123_000_000]);
  });
  it("a network removed is named even when its create was not read (events --since after the create)", () => {
    const log = smallLog();
    log.add("NetworkRemoved", "network", "w1", { networkId: "w1", name: "st_default" }, API);
    const ev = engineEvent(log.log.at(-1)!.event, 0, new EngineNames(() => undefined))!;
    assert.equal(`${ev.Type} ${ev.Action} ${ev.Actor.Attributes.name}`, "network remove st_default");
  });
  it("a removed service, node, secret or config is named too, its create unread; filters by name match it", () => {
    const b = new LogBuilder();
    const removes = [
      b.add("ServiceRemoved", "service", "s9", { serviceId: "s9", name: "api" }, API),
      b.add("NodeRemoved", "node", "n9", { nodeId: "n9", name: "worker9" }, API),
      b.add("SecretRemoved", "secret", "x9", { secretId: "x9", name: "db" }, API),
      b.add("ConfigRemoved", "config", "c9", { configId: "c9", name: "conf" }, API),
    ];
    const evs = removes.map((e) => engineEvent(e, 0, new EngineNames(() => undefined))!);
    assert.deepEqual(evs.map((ev) => `${ev.Type} ${ev.Action} ${ev.Actor.ID} ${ev.Actor.Attributes.name}`),
      ["service remove s9 api", "node remove n9 worker9", "secret remove x9 db", "config remove c9 conf"]);
    const f = (o: Record<string, string[]>) => evs.filter((ev) => engineEventMatches(ev, new Map(Object.entries(o)))).map((ev) => ev.Actor.ID);
    assert.deepEqual([f({ service: ["api"] }), f({ node: ["worker9"] }), f({ secret: ["db"] }), f({ config: ["conf"] })], [["s9"], ["n9"], ["x9"], ["c9"]]);
  });

  it("Docker's filters: type, event, scope, object by id or name; local objects match nothing", () => {
    const ev = engineEvent(smallLog().log[3]!.event, 0, new EngineNames(() => undefined))!;
    const f = (o: Record<string, string[]>) => engineEventMatches(ev, new Map(Object.entries(o)));
    assert.ok(f({ scope: ["swarm"], type: ["service", "node"], event: ["create"] }));
    assert.ok(f({ service: ["web"] }) && f({ service: ["s1"] }));
    assert.ok(!f({ scope: ["local"] }) && !f({ type: ["node"] }) && !f({ service: ["db"] }) && !f({ node: ["n1"] }) && !f({ container: ["x"] }));
  });
  it("since/until are unix seconds", () => {
    assert.equal(parseUnixTime("1700000000.5", "since"), 1_700_000_000_500);
    assert.equal(parseUnixTime(null, "since"), undefined);
    assert.throws(() => parseUnixTime("10m", "since"), /failed to parse value 10m for since/);
  });
});

describe("engine API: secret and config updates", () => {
  const v: SecretView = { id: "x", name: "tok", labels: { a: "1" }, versions: [{ version: 1, size: 3, hmac: "h1", createdAt: "" }], createdAt: "", updatedAt: "" };
  it("an unchanged spec passes; a rename, new labels or new data are refused", () => {
    checkObjectUpdate("secret", v, { name: "tok", labels: { a: "1" } });
    checkSamePayload(v, "h1");
    assert.throws(() => checkObjectUpdate("secret", v, { name: "other", labels: { a: "1" } }), /only updates to Labels are allowed/);
    assert.throws(() => checkObjectUpdate("config", v, { name: "tok", labels: {} }), /config labels cannot be changed by jetswarm/);
    assert.throws(() => checkSamePayload(v, "h2"), /only updates to Labels are allowed/);
  });
});
