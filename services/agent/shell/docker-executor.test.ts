import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { boundPorts } from "./docker-executor.js";

describe("bound ports from docker inspect", () => {
  it("reports one binding per published port although the engine bound IPv4 and IPv6 on different host ports", () => {
    const ports = boundPorts({
      "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "8080" }, { HostIp: "::", HostPort: "8080" }],
      "81/tcp": [{ HostIp: "0.0.0.0", HostPort: "32776" }, { HostIp: "::", HostPort: "32774" }],
      "82/udp": null,
    });
    assert.deepEqual(ports, [
      { Protocol: "tcp", TargetPort: 80, PublishedPort: 8080, PublishMode: "host" },
      { Protocol: "tcp", TargetPort: 81, PublishedPort: 32776, PublishMode: "host" },
    ]);
  });

  it("keeps two published ports of one target, and an IPv6-only binding", () => {
    const ports = boundPorts({
      "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "8080" }, { HostIp: "0.0.0.0", HostPort: "8081" }],
      "53/udp": [{ HostIp: "::", HostPort: "5353" }],
    });
    assert.deepEqual(ports.map((p) => `${p.PublishedPort}->${p.TargetPort}/${p.Protocol}`), ["8080->80/tcp", "8081->80/tcp", "5353->53/udp"]);
  });
});
