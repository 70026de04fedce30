import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Service } from "../../schemas/api.js";
import { bytesSize, prettyService } from "./service-pretty.js";

describe("service inspect --pretty", () => {
  it("docker's layout: mode, update status, configs, container spec, resources, restart, endpoint", () => {
    const s: Service = {
      ID: "s1", Version: { Index: 3 }, CreatedAt: "t", UpdatedAt: "t",
      Spec: {
        Name: "web", Mode: { Replicated: { Replicas: 2 } },
        TaskTemplate: {
          ContainerSpec: { Image: "busybox:2", Args: ["sleep", "9"], Env: ["A=1"], StopGracePeriod: 10e9 },
          Resources: { Limits: { MemoryBytes: 64 * 1024 * 1024 } },
          RestartPolicy: { Condition: "any", Delay: 5e9, MaxAttempts: 0, Window: 0 },
          Placement: { Constraints: ["node.role==manager"] },
        },
        UpdateConfig: { Parallelism: 1, Delay: 10e9, FailureAction: "rollback", Monitor: 5e9, MaxFailureRatio: 0, Order: "stop-first" },
        RollbackConfig: { Parallelism: 1, Delay: 0, FailureAction: "pause", Monitor: 5e9, MaxFailureRatio: 0, Order: "stop-first" },
        EndpointSpec: { Mode: "vip" },
      },
      UpdateStatus: { State: "completed", Message: "update completed", StartedAt: "2026-01-01T00:00:00Z", CompletedAt: "2026-01-01T00:00:09Z" },
    };
    assert.equal(prettyService(s, new Date("2026-01-01T00:02:00Z")), [
      "ID:\t\ts1", "Name:\t\tweb", "Service Mode:\tReplicated", " Replicas:\t2",
      "UpdateStatus:", " State:\t\tcompleted", " Started:\t2 minutes ago", " Completed:\tAbout a minute ago", " Message:\tupdate completed",
      "Placement:", " Constraints:\t[node.role==manager]",
      "UpdateConfig:", " Parallelism:\t1", " Delay:\t\t10s", " On failure:\trollback", " Monitoring Period: 5s", " Max failure ratio: 0", " Update order:      stop-first",
      "RollbackConfig:", " Parallelism:\t1", " On failure:\tpause", " Monitoring Period: 5s", " Max failure ratio: 0", " Rollback order:    stop-first",
      "ContainerSpec:", " Image:\t\tbusybox:2", " Args:\t\tsleep 9", " Env:\t\tA=1", " Stop grace period: 10s",
      "Resources:", " Limits:", "  Memory:\t64MiB",
      "Restart Policy:", " Condition:\tany", " Delay:\t\t5s", " Max attempts:\t0", " Window:\t0s",
      "Endpoint Mode:\tvip",
    ].join("\n"));
    assert.equal(bytesSize(1.5 * 1024 ** 3), "1.5GiB");
  });
});

describe("service inspect --pretty: networks and the allocated endpoint", () => {
  it("names the networks, the endpoint mode and the ports the allocator filled in", () => {
    const s: Service = {
      ID: "s1", Version: { Index: 3 }, CreatedAt: "t", UpdatedAt: "t",
      Spec: { Name: "web", TaskTemplate: { ContainerSpec: { Image: "i" }, Networks: [{ Target: "n1" }, { Target: "n2" }] },
        EndpointSpec: { Mode: "vip", Ports: [{ TargetPort: 80 }] } },
      Endpoint: { Spec: { Mode: "vip" }, Ports: [{ TargetPort: 80, PublishedPort: 30000, Protocol: "tcp", PublishMode: "ingress" }] },
    };
    const text = prettyService(s, new Date("2026-01-01T00:00:00Z"), new Map([["n1", "backend"]]));
    assert.equal(text.split("\n").slice(-7).join("\n"), [
      "Networks: backend n2 ", "Endpoint Mode:\tvip", "Ports:", " PublishedPort = 30000", "  Protocol = tcp", "  TargetPort = 80", "  PublishMode = ingress",
    ].join("\n"));
  });
});

describe("service inspect --pretty: container options", () => {
  it("Init, Capabilities, Mounts and Log Driver blocks as docker prints them", () => {
    const s: Service = {
      ID: "s1", Version: { Index: 3 }, CreatedAt: "t", UpdatedAt: "t",
      Spec: { Name: "web", TaskTemplate: {
        ContainerSpec: { Image: "i", Init: true, CapabilityAdd: ["NET_ADMIN"], CapabilityDrop: ["MKNOD", "CHOWN"],
          Mounts: [{ Type: "volume", Source: "data", Target: "/data" }, { Type: "tmpfs", Target: "/t", ReadOnly: true }] },
        LogDriver: { Name: "json-file", Options: { "max-size": "1m" } },
      } },
    };
    const lines = prettyService(s, new Date("2026-01-01T00:00:00Z")).split("\n");
    assert.ok(lines.includes(" Init:\t\ttrue"));
    const from = lines.indexOf("Capabilities:");
    assert.deepEqual(lines.slice(from, from + 15), [
      "Capabilities:", " Add: NET_ADMIN", " Drop: MKNOD, CHOWN",
      "Mounts:", " Target:\t/data", "  Source:\tdata", "  ReadOnly:\tfalse", "  Type:\t\tvolume",
      " Target:\t/t", "  Source:\t", "  ReadOnly:\ttrue", "  Type:\t\ttmpfs",
      "Log Driver:", " Name:\t\tjson-file", " LogOpts:",
    ]);
  });
});
