import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Service } from "../../schemas/api.js";
import { bytesSize, prettyService } from "./service-pretty.js";

/*
 * The expected texts are written from docker 28's serviceInspectPrettyTemplate
 * (cli/command/service/formatter.go) for the same service: its tabs, its trailing spaces after
 * ranges (`Args:\t\tsleep 9 `), the blank line it starts and ends with.
 */

const base = (spec: Partial<Service["Spec"]>, more: Partial<Service> = {}): Service => ({
  ID: "s1", Version: { Index: 3 }, CreatedAt: "t", UpdatedAt: "t",
  Spec: { Name: "web", TaskTemplate: { ContainerSpec: { Image: "i" } }, ...spec }, ...more,
});

describe("service inspect --pretty (docker's template)", () => {
  it("mode, update status, placement with preferences, update/rollback config, container spec, resources, endpoint", () => {
    const s = base({
      Mode: { Replicated: { Replicas: 2 } }, Labels: { tier: "fe", flag: "" },
      TaskTemplate: {
        ContainerSpec: { Image: "busybox:2", Args: ["sleep", "9"], Env: ["A=1"], StopGracePeriod: 10e9 },
        Resources: { Limits: { MemoryBytes: 64 * 1024 * 1024 }, Reservations: { NanoCPUs: 5e8 } },
        RestartPolicy: { Condition: "any", Delay: 5e9, MaxAttempts: 0, Window: 0 },
        Placement: { Constraints: ["node.role==manager", "node.labels.disk==ssd"], Preferences: [{ Spread: { SpreadDescriptor: "node.labels.zone" } }], MaxReplicas: 2 },
      },
      UpdateConfig: { Parallelism: 1, Delay: 10e9, FailureAction: "rollback", Monitor: 5e9, MaxFailureRatio: 0.2, Order: "stop-first" },
      RollbackConfig: { Parallelism: 1, Delay: 0, FailureAction: "pause", Monitor: 5e9, MaxFailureRatio: 0, Order: "stop-first" },
      EndpointSpec: { Mode: "vip" },
    }, { UpdateStatus: { State: "completed", Message: "update completed", StartedAt: "2026-01-01T00:00:00Z", CompletedAt: "2026-01-01T00:00:09Z" } });
    assert.equal(prettyService(s, new Date("2026-01-01T00:02:00Z")), [
      "", "ID:\t\ts1", "Name:\t\tweb", "Labels:", " flag", " tier=fe", "Service Mode:\tReplicated", " Replicas:\t2",
      "UpdateStatus:", " State:\t\tcompleted", " Started:\t2 minutes ago", " Completed:\tAbout a minute ago", " Message:\tupdate completed",
      "Placement:", " Constraints:\t[node.role==manager node.labels.disk==ssd]", " Preferences:   [spread=node.labels.zone]", " Max Replicas Per Node:   2",
      "UpdateConfig:", " Parallelism:\t1", " Delay:\t\t10s", " On failure:\trollback", " Monitoring Period: 5s", " Max failure ratio: 0.2", " Update order:      stop-first",
      "RollbackConfig:", " Parallelism:\t1", " On failure:\tpause", " Monitoring Period: 5s", " Max failure ratio: 0", " Rollback order:    stop-first",
      "ContainerSpec:", " Image:\t\tbusybox:2", " Args:\t\tsleep 9 ", " Env:\t\tA=1 ",
      "Resources:", " Reservations:", "  CPU:\t\t0.5", " Limits:", "  Memory:\t64MiB",
      "Endpoint Mode:\tvip", "", "",
    ].join("\n"));
    assert.equal(bytesSize(1.5 * 1024 ** 3), "1.5GiB");
  });

  it("a global service with a healthcheck: Healthcheck after the ports, laid out as docker's", () => {
    const s = base({
      Mode: { Global: {} },
      TaskTemplate: { ContainerSpec: { Image: "i", Healthcheck: { Test: ["CMD-SHELL", "wget -q localhost"], Interval: 30e9, Timeout: 5e9, Retries: 3 } } },
      EndpointSpec: { Mode: "vip" },
    }, { Endpoint: { Spec: { Mode: "vip" }, Ports: [{ TargetPort: 80, PublishedPort: 8080, Protocol: "tcp", PublishMode: "ingress" }] } });
    assert.equal(prettyService(s, new Date()).split("\n").slice(3).join("\n"), [
      "Service Mode:\tGlobal", "Placement:", "ContainerSpec:", " Image:\t\ti", "Endpoint Mode:\tvip",
      "Ports:", " PublishedPort = 8080", "  Protocol = tcp", "  TargetPort = 80", "  PublishMode = ingress ",
      " Healthcheck:", "  Interval = 30s", "  Retries = 3", "  StartPeriod =\t0s", "  Timeout =\t5s",
      "  Tests:", "\t Test = CMD-SHELL", "\t Test = wget -q localhost ", "", "",
    ].join("\n"));
  });

  it("names the networks, the endpoint mode and the ports the allocator filled in", () => {
    const s = base({ TaskTemplate: { ContainerSpec: { Image: "i" }, Networks: [{ Target: "n1" }, { Target: "n2" }] },
      EndpointSpec: { Mode: "vip", Ports: [{ TargetPort: 80 }] } },
    { Endpoint: { Spec: { Mode: "vip" }, Ports: [{ TargetPort: 80, PublishedPort: 30000, Protocol: "tcp", PublishMode: "ingress" }] } });
    const text = prettyService(s, new Date("2026-01-01T00:00:00Z"), new Map([["n1", "backend"]]));
    assert.equal(text.split("\n").slice(-9).join("\n"), [
      "Networks: backend n2 ", "Endpoint Mode:\tvip", "Ports:", " PublishedPort = 30000", "  Protocol = tcp", "  TargetPort = 80", "  PublishMode = ingress ", "", "",
    ].join("\n"));
  });

  it("Init, Capabilities, Mounts, Configs, Secrets and Log Driver blocks as docker prints them", () => {
    const s = base({ TaskTemplate: {
      ContainerSpec: { Image: "i", Init: true, CapabilityAdd: ["NET_ADMIN"], CapabilityDrop: ["MKNOD", "CHOWN"],
        Mounts: [{ Type: "volume", Source: "data", Target: "/data" }, { Type: "tmpfs", Target: "/t", ReadOnly: true }],
        Secrets: [{ SecretName: "db", SecretID: "x", File: { Name: "/run/secrets/db", UID: "0", GID: "0", Mode: 0o444 } }] },
      LogDriver: { Name: "json-file", Options: { "max-size": "1m" } },
    } });
    const lines = prettyService(s, new Date("2026-01-01T00:00:00Z")).split("\n");
    const from = lines.indexOf("ContainerSpec:");
    assert.deepEqual(lines.slice(from, from + 22), [
      "ContainerSpec:", " Image:\t\ti", " Init:\t\ttrue", "Capabilities:", " Add: NET_ADMIN", " Drop: MKNOD, CHOWN",
      "Mounts:", " Target:\t/data", "  Source:\tdata", "  ReadOnly:\tfalse", "  Type:\t\tvolume",
      " Target:\t/t", "  Source:\t", "  ReadOnly:\ttrue", "  Type:\t\ttmpfs",
      "Secrets:", " Target:\t/run/secrets/db", "  Source:\tdb",
      "Log Driver:", " Name:\t\tjson-file", " LogOpts:", "  max-size:       1m",
    ]);
  });
});
