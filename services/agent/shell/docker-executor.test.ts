import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type Docker from "dockerode";
import { createLogger } from "../../shared/telemetry/index.js";
import type { ContainerCreate } from "../core/executor.js";
import { boundPorts, DockerExecutor } from "./docker-executor.js";

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

/*
 * The executor's image check over a stand-in for dockerode (only the calls it makes): the engine's
 * own answers are the real engine's (404 with `No such image`), counted.
 */
function fakeEngine() {
  const state = { present: true, inspects: 0, pulls: 0, creates: 0 };
  const notFound = (message: string) => Object.assign(new Error(message), { statusCode: 404, json: { message } });
  const docker = {
    getImage: () => ({ inspect: async () => { state.inspects++; if (!state.present) throw notFound("No such image: busybox:1"); return {}; } }),
    pull: async () => { state.pulls++; state.present = true; return {}; },
    modem: { followProgress: (_s: unknown, done: (err: Error | null) => void) => done(null) },
    createContainer: async () => { state.creates++; if (!state.present) throw notFound("No such image: busybox:1"); return { id: "c1" }; },
  };
  return { state, executor: new DockerExecutor(docker as unknown as Docker, createLogger("test", "silent")) };
}

describe("docker executor: image check", () => {
  it("tasks of one image inspect it once", async () => {
    const { state, executor } = fakeEngine();
    await Promise.all([1, 2, 3].map(() => executor.ensureImage("busybox:1")));
    await executor.ensureImage("busybox:1");
    assert.equal(state.inspects, 1);
  });

  it("an image removed after its check was remembered is pulled again and the create goes through", async () => {
    const { state, executor } = fakeEngine();
    await executor.ensureImage("busybox:1");
    state.present = false;
    await executor.ensureImage("busybox:1");
    const id = await executor.create({ name: "web.1.t1", Image: "busybox:1", HostConfig: {} } as ContainerCreate);
    assert.equal(id, "c1");
    assert.deepEqual({ inspects: state.inspects, pulls: state.pulls, creates: state.creates }, { inspects: 2, pulls: 1, creates: 2 });
  });
});
