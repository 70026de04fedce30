import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { NodeTaskDoc } from "../../../schemas/index.js";
import { containerConfig } from "./container-config.js";
import { fileMounts, needsFiles, planFiles, tmpfsSize, wantedFiles } from "./task-files.js";

function doc(container: Partial<NodeTaskDoc["spec"]["ContainerSpec"]> = {}): NodeTaskDoc {
  return {
    taskId: "t1", serviceId: "s", serviceName: "web", slot: 1, nodeId: "n",
    spec: { ContainerSpec: { Image: "img", ...container } }, desiredState: "running", version: 1, removed: false,
  };
}
const withRefs = doc({
  Secrets: [
    { SecretID: "s1", SecretName: "db", Version: 2 },
    { SecretID: "s2", SecretName: "tls", Version: 1, File: { Name: "/etc/tls.key", UID: "1000", GID: "1001", Mode: 0o400 } },
  ],
  Configs: [
    { ConfigID: "c1", ConfigName: "nginx.conf", Version: 1 },
    { ConfigID: "c2", ConfigName: "app", Version: 3, File: { Name: "etc/app.yml" } },
  ],
});

describe("task files", () => {
  it("targets: secrets under /run/secrets, configs under /, absolute kept; Swarm's owner and mode defaults", () => {
    assert.deepEqual(wantedFiles(withRefs).map((f) => [f.file, f.target, f.uid, f.gid, f.mode.toString(8)]), [
      ["secret-0", "/run/secrets/db", 0, 0, "444"],
      ["secret-1", "/etc/tls.key", 1000, 1001, "400"],
      ["config-2", "/nginx.conf", 0, 0, "444"],
      ["config-3", "/etc/app.yml", 0, 0, "444"],
    ]);
    assert.equal(needsFiles(withRefs), true);
    assert.equal(needsFiles(doc()), false);
  });

  it("a delivery must match the references one for one (kind, id, version, order)", () => {
    const files = [
      { kind: "secret" as const, id: "s1", version: 2, data: "YQ==" }, { kind: "secret" as const, id: "s2", version: 1, data: "Yg==" },
      { kind: "config" as const, id: "c1", version: 1, data: "Yw==" }, { kind: "config" as const, id: "c2", version: 3, data: "ZA==" },
    ];
    const ok = planFiles(withRefs, { files });
    assert.ok(ok.ok);
    assert.deepEqual(ok.files.map((f) => [f.target, f.data]), [["/run/secrets/db", "YQ=="], ["/etc/tls.key", "Yg=="], ["/nginx.conf", "Yw=="], ["/etc/app.yml", "ZA=="]]);
    assert.deepEqual(planFiles(withRefs, { files: files.slice(1) }), { ok: false, error: "the secret-store delivered 3 files for 4 references" });
    const wrongVersion = planFiles(withRefs, { files: [{ ...files[0]!, version: 1 }, ...files.slice(1)] });
    assert.deepEqual(wrongVersion, { ok: false, error: "delivered secret s1 version 1 does not match reference 1 (secret s1 version 2)" });
    const swapped = planFiles(withRefs, { files: [files[1]!, files[0]!, ...files.slice(2)] });
    assert.equal(swapped.ok, false);
  });

  it("each file is bind-mounted read-only from the task's host directory", () => {
    const mounts = fileMounts("/var/agent/t1", wantedFiles(withRefs));
    assert.deepEqual(mounts[0], { Type: "bind", Source: "/var/agent/t1/secret-0", Target: "/run/secrets/db", ReadOnly: true });
    const cfg = containerConfig(withRefs, mounts);
    assert.equal(cfg.HostConfig.Mounts?.length, 4);
    assert.equal(containerConfig(doc()).HostConfig.Mounts, undefined);
  });

  it("tmpfs size: whole pages per file plus slack", () => {
    assert.equal(tmpfsSize([1, 4096, 4097]), (1 + 1 + 2 + 4) * 4096);
  });
});
