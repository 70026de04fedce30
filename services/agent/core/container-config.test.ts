import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { NodeTaskDoc, TaskSpec } from "../../../schemas/index.js";
import { attachments, containerConfig, hostConfig } from "./container-config.js";

function doc(spec: Partial<TaskSpec> & { container?: Partial<TaskSpec["ContainerSpec"]> } = {}, over: Partial<NodeTaskDoc> = {}): NodeTaskDoc {
  const { container, ...task } = spec;
  return {
    taskId: "t1", serviceId: "s1", serviceName: "web", slot: 1, nodeId: "n1",
    spec: { ContainerSpec: { Image: "busybox:1", ...container }, ...task },
    desiredState: "running", version: 1, removed: false, ...over,
  };
}
const S = 1_000_000_000;

describe("container config: health check", () => {
  it("passes Test, Interval, Timeout, Retries and StartPeriod to Docker (ns)", () => {
    const cfg = containerConfig(doc({ container: { Healthcheck: { Test: ["CMD-SHELL", "test -f /ok"], Interval: S, Timeout: 2 * S, Retries: 3, StartPeriod: 5 * S } } }));
    assert.deepEqual(cfg.Healthcheck, { Test: ["CMD-SHELL", "test -f /ok"], Interval: S, Timeout: 2 * S, Retries: 3, StartPeriod: 5 * S });
  });
  it("Test [\"NONE\"] is passed through (disables the image's); unset fields are left to the image", () => {
    assert.deepEqual(containerConfig(doc({ container: { Healthcheck: { Test: ["NONE"] } } })).Healthcheck, { Test: ["NONE"] });
    assert.deepEqual(containerConfig(doc({ container: { Healthcheck: { Interval: 2 * S } } })).Healthcheck, { Interval: 2 * S });
  });
  it("no Healthcheck in the spec → none in the create body (the image's applies)", () => {
    assert.equal(containerConfig(doc()).Healthcheck, undefined);
  });
});

describe("container config: stop", () => {
  it("StopTimeout is the grace period in whole seconds, default 10", () => {
    assert.equal(containerConfig(doc()).StopTimeout, 10);
    assert.equal(containerConfig(doc({ container: { StopGracePeriod: 1_200_000_000, StopSignal: "SIGUSR1" } })).StopTimeout, 2);
    assert.equal(containerConfig(doc({ container: { StopSignal: "SIGUSR1" } })).StopSignal, "SIGUSR1");
  });
});

describe("container config: resources", () => {
  it("Limits → NanoCpus, Memory, PidsLimit; Reservations set nothing on the engine", () => {
    const hc = containerConfig(doc({ Resources: { Limits: { NanoCPUs: 500_000_000, MemoryBytes: 64 << 20, Pids: 50 }, Reservations: { NanoCPUs: S, MemoryBytes: 32 << 20 } } })).HostConfig;
    assert.deepEqual(hc, { RestartPolicy: { Name: "no" }, NanoCpus: 500_000_000, Memory: 64 << 20, PidsLimit: 50 });
  });
  it("no resources → only the restart policy (restarts are the orchestrator's)", () => {
    assert.deepEqual(containerConfig(doc()).HostConfig, { RestartPolicy: { Name: "no" } });
  });
});

describe("container config: host-mode ports", () => {
  it("binds host-mode ports (PublishedPort, or \"\" for the engine to pick) and exposes them; ingress ports are not bound here", () => {
    const cfg = containerConfig(doc({}, { endpoint: { Ports: [
      { TargetPort: 80, PublishedPort: 18080, PublishMode: "host" },
      { TargetPort: 53, Protocol: "udp", PublishMode: "host" },
      { TargetPort: 443, PublishedPort: 30443 },
      { TargetPort: 8080, PublishedPort: 30080, PublishMode: "ingress" },
    ] } }));
    assert.deepEqual(cfg.HostConfig.PortBindings, { "80/tcp": [{ HostPort: "18080" }], "53/udp": [{ HostPort: "" }] });
    assert.deepEqual(cfg.ExposedPorts, { "80/tcp": {}, "53/udp": {} });
  });
  it("the same target port published twice gets two bindings", () => {
    const hc = hostConfig(undefined, { Ports: [{ TargetPort: 80, PublishedPort: 1, PublishMode: "host" }, { TargetPort: 80, PublishedPort: 2, PublishMode: "host" }] });
    assert.deepEqual(hc.PortBindings, { "80/tcp": [{ HostPort: "1" }, { HostPort: "2" }] });
  });
  it("no endpoint → no ports", () => {
    const cfg = containerConfig(doc());
    assert.equal(cfg.HostConfig.PortBindings, undefined);
    assert.equal(cfg.ExposedPorts, undefined);
  });
});

describe("container config: networks", () => {
  const nets = [
    { networkId: "netA", address: "10.0.1.5/24", mac: "02:42:0a:00:01:05" },
    { networkId: "ingress1", address: "10.255.0.9/16", mac: "02:42:0a:ff:00:09" },
  ];
  it("the first network at create: NetworkMode, its address (no prefix), the MAC, DNS = the node's gateway", () => {
    const cfg = containerConfig(doc({}, { networks: nets }), [], "10.0.1.2");
    assert.equal(cfg.HostConfig.NetworkMode, "jetswarm-netA");
    assert.deepEqual(cfg.NetworkingConfig, { EndpointsConfig: { "jetswarm-netA": { IPAMConfig: { IPv4Address: "10.0.1.5" } } } });
    assert.equal(cfg.MacAddress, "02:42:0a:00:01:05");
    assert.deepEqual(cfg.HostConfig.Dns, ["10.0.1.2"]);
  });
  it("the others are listed for connecting before start, in order", () => {
    assert.deepEqual(attachments(doc({}, { networks: nets })).map((a) => [a.network, a.endpoint.IPAMConfig.IPv4Address]),
      [["jetswarm-netA", "10.0.1.5"], ["jetswarm-ingress1", "10.255.0.9"]]);
  });
  it("no networks: the engine's default network, no MAC, no DNS", () => {
    const cfg = containerConfig(doc(), [], "10.0.1.2");
    assert.equal(cfg.HostConfig.NetworkMode, undefined);
    assert.equal(cfg.MacAddress, undefined);
    assert.equal(cfg.HostConfig.Dns, undefined);
    assert.equal(cfg.NetworkingConfig, undefined);
  });
});

describe("container config: mounts and container options", () => {
  it("the spec's mounts go to HostConfig.Mounts before the task's secret/config files", () => {
    const vol = { Type: "volume" as const, Source: "data", Target: "/data", VolumeOptions: { NoCopy: true } };
    const file = { Type: "bind" as const, Source: "/run/x/s", Target: "/run/secrets/s", ReadOnly: true as const };
    assert.deepEqual(containerConfig(doc({ container: { Mounts: [vol] } }), [file]).HostConfig.Mounts, [vol, file]);
  });
  it("options map to the engine's fields (Hosts → ExtraHosts host:ip, LogDriver → LogConfig)", () => {
    const cfg = containerConfig(doc({
      container: {
        ReadOnly: true, Init: true, TTY: true, Groups: ["audio"], Hosts: ["10.0.0.5 db db.local"],
        DNSConfig: { Nameservers: ["9.9.9.9"], Search: ["example.org"], Options: ["ndots:2"] },
        CapabilityAdd: ["NET_ADMIN"], CapabilityDrop: ["MKNOD"], Sysctls: { "net.ipv4.ip_forward": "1" },
        Ulimits: [{ Name: "nofile", Soft: 1, Hard: 2 }], OomScoreAdj: 7, Healthcheck: { StartInterval: S },
      },
      LogDriver: { Name: "json-file", Options: { "max-size": "1m" } },
    }));
    assert.equal(cfg.Tty, true);
    assert.deepEqual(cfg.Healthcheck, { StartInterval: S });
    const { RestartPolicy: _r, ...hc } = cfg.HostConfig;
    assert.deepEqual(hc, {
      ReadonlyRootfs: true, Init: true, GroupAdd: ["audio"], ExtraHosts: ["db:10.0.0.5", "db.local:10.0.0.5"],
      Dns: ["9.9.9.9"], DnsSearch: ["example.org"], DnsOptions: ["ndots:2"], CapAdd: ["NET_ADMIN"], CapDrop: ["MKNOD"],
      Sysctls: { "net.ipv4.ip_forward": "1" }, Ulimits: [{ Name: "nofile", Soft: 1, Hard: 2 }], OomScoreAdj: 7,
      LogConfig: { Type: "json-file", Config: { "max-size": "1m" } },
    });
  });
  it("no options → none of these fields", () => {
    const cfg = containerConfig(doc());
    assert.deepEqual(cfg.HostConfig, { RestartPolicy: { Name: "no" } });
    assert.equal(cfg.Tty, undefined);
  });
});
