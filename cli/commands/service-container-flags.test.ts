import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ServiceSpec } from "../../schemas/index.js";
import { applyContainerFlags, parseEnvFile, parseHost, parseUlimit } from "./service-container-flags.js";

const base = (): ServiceSpec => ({ Name: "web", TaskTemplate: { ContainerSpec: { Image: "busybox:1" } } });

describe("container flags: create", () => {
  it("every option lands in Docker's ContainerSpec / TaskTemplate fields", () => {
    const s = applyContainerFlags(base(), {
      mount: ["type=tmpfs,target=/t"], readOnly: true, init: true, tty: true, hostname: "h1", user: "nobody",
      workdir: "/tmp", entrypoint: "sh -c", group: ["audio"], host: ["db:10.0.0.5"], dns: ["9.9.9.9"],
      dnsOption: ["ndots:2"], dnsSearch: ["example.org"], capAdd: ["NET_ADMIN"], capDrop: ["MKNOD"],
      sysctl: ["net.ipv4.ip_forward=1"], ulimit: ["nofile=1024:2048"], logDriver: "json-file", logOpt: ["max-size=1m"],
      oomScoreAdj: "-5",
    });
    assert.deepEqual(s.TaskTemplate.ContainerSpec, {
      Image: "busybox:1", Mounts: [{ Type: "tmpfs", Target: "/t" }], ReadOnly: true, Init: true, TTY: true,
      Hostname: "h1", User: "nobody", Dir: "/tmp", Command: ["sh", "-c"], Groups: ["audio"], Hosts: ["10.0.0.5 db"],
      DNSConfig: { Nameservers: ["9.9.9.9"], Search: ["example.org"], Options: ["ndots:2"] },
      CapabilityAdd: ["NET_ADMIN"], CapabilityDrop: ["MKNOD"], Sysctls: { "net.ipv4.ip_forward": "1" },
      Ulimits: [{ Name: "nofile", Soft: 1024, Hard: 2048 }], OomScoreAdj: -5,
    });
    assert.deepEqual(s.TaskTemplate.LogDriver, { Name: "json-file", Options: { "max-size": "1m" } });
  });
  it("no flag → the spec unchanged (sparse)", () => {
    assert.deepEqual(applyContainerFlags(base(), {}), base());
  });
  it("refused flags say why and name the flag", () => {
    assert.throws(() => applyContainerFlags(base(), { withRegistryAuth: true }), /--with-registry-auth: not yet supported/);
    assert.throws(() => applyContainerFlags(base(), { credentialSpec: "file://x" }), /--credential-spec: Windows only/);
    assert.throws(() => applyContainerFlags(base(), { isolation: "hyperv" }), /--isolation: Windows only/);
    assert.throws(() => applyContainerFlags(base(), { genericResource: ["gpu=1"] }), /--generic-resource: not yet supported/);
    assert.doesNotThrow(() => applyContainerFlags(base(), { isolation: "default" }));
  });
  it("bad values are refused naming the flag", () => {
    assert.throws(() => applyContainerFlags(base(), { oomScoreAdj: "2000" }), /--oom-score-adj/);
    assert.throws(() => parseUlimit("nofile=10:5"), /soft limit must be less than or equal to hard limit/);
    assert.throws(() => parseUlimit("nofile"), /--ulimit/);
    assert.throws(() => parseHost("nohost"), /bad format for add-host/);
    assert.throws(() => applyContainerFlags(base(), { sysctl: ["x"] }), /--sysctl/);
    assert.throws(() => applyContainerFlags(base(), { logOpt: ["a=b"] }), /--log-opt requires --log-driver/);
  });
});

describe("container flags: update", () => {
  const current = (): ServiceSpec => applyContainerFlags(base(), {
    readOnly: true, group: ["audio", "video"], host: ["db:10.0.0.5", "cache:10.0.0.6"], dns: ["9.9.9.9"],
    sysctl: ["a.b=1", "c.d=2"], ulimit: ["nofile=10", "nproc=5"], capAdd: ["NET_ADMIN"], mount: ["target=/v"],
  });
  it("-add / -rm edit lists by key; --no-read-only clears", () => {
    const c = applyContainerFlags(current(), {
      readOnly: false, groupRm: ["audio"], groupAdd: ["disk"], hostRm: ["db"], hostAdd: ["web:10.0.0.7"],
      dnsRm: ["9.9.9.9"], sysctlRm: ["a.b"], sysctlAdd: ["c.d=3"], ulimitRm: ["nproc"], ulimitAdd: ["nofile=20:30"],
      capDrop: ["NET_ADMIN"], mountRm: ["/v"],
    }).TaskTemplate.ContainerSpec;
    assert.equal(c.ReadOnly, undefined);
    assert.deepEqual(c.Groups, ["video", "disk"]);
    assert.deepEqual(c.Hosts, ["10.0.0.6 cache", "10.0.0.7 web"]);
    assert.equal(c.DNSConfig, undefined);
    assert.deepEqual(c.Sysctls, { "c.d": "3" });
    assert.deepEqual(c.Ulimits, [{ Name: "nofile", Soft: 20, Hard: 30 }]);
    assert.equal(c.CapabilityAdd, undefined);
    assert.deepEqual(c.CapabilityDrop, ["NET_ADMIN"]);
    assert.equal(c.Mounts, undefined);
  });
});

describe("--env-file", () => {
  it("KEY=VALUE lines, KEY from the environment, comments and blanks skipped", () => {
    assert.deepEqual(parseEnvFile("# c\nA=1\n\nB\nC\n", { B: "2" }), ["A=1", "B=2"]);
    assert.throws(() => parseEnvFile("BAD KEY=1"), /contains whitespaces/);
  });
});
