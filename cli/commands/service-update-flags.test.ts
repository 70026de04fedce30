import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ServiceSpec } from "../../schemas/index.js";
import { buildCreateSpec } from "./service-flags.js";
import { buildUpdateSpec, splitArgs, type UpdateFlags } from "./service-update-flags.js";

const base: ServiceSpec = {
  Name: "web", Labels: { tier: "front" }, Mode: { Replicated: { Replicas: 2 } },
  TaskTemplate: { ContainerSpec: { Image: "busybox:1", Args: ["sleep", "1"], Env: ["A=1", "B=2"] } },
};
const flags = (o: Partial<UpdateFlags> = {}): UpdateFlags =>
  ({ envAdd: [], envRm: [], labelAdd: [], labelRm: [], containerLabelAdd: [], containerLabelRm: [], ...o });

describe("service update flags → spec", () => {
  it("no flags: the same spec (sparse, nothing added)", () => {
    assert.deepEqual(buildUpdateSpec(base, flags()), base);
  });
  it("--image, --args, --replicas, --force", () => {
    const s = buildUpdateSpec(base, flags({ image: "busybox:2", args: `sh -c 'echo "hi there"; sleep 9'`, replicas: "4", force: true }));
    assert.equal(s.TaskTemplate.ContainerSpec.Image, "busybox:2");
    assert.deepEqual(s.TaskTemplate.ContainerSpec.Args, ["sh", "-c", `echo "hi there"; sleep 9`]);
    assert.deepEqual(s.Mode, { Replicated: { Replicas: 4 } });
    assert.equal(s.TaskTemplate.ForceUpdate, 1);
    assert.equal(buildUpdateSpec(s, flags({ force: true })).TaskTemplate.ForceUpdate, 2);
    assert.equal(base.TaskTemplate.ContainerSpec.Image, "busybox:1", "input not mutated");
  });
  it("--env-add replaces by key, --env-rm removes; labels likewise", () => {
    const s = buildUpdateSpec(base, flags({
      envAdd: ["B=3", "C=4"], envRm: ["A"], labelAdd: ["x=y"], labelRm: ["tier"], containerLabelAdd: ["c=1"],
    }));
    assert.deepEqual(s.TaskTemplate.ContainerSpec.Env, ["B=3", "C=4"]);
    assert.deepEqual(s.Labels, { x: "y" });
    assert.deepEqual(s.TaskTemplate.ContainerSpec.Labels, { c: "1" });
    assert.equal(buildUpdateSpec(base, flags({ labelRm: ["tier"] })).Labels, undefined);
  });
  it("update/rollback configs, restart policy, stop grace period: merged into what is set", () => {
    const s = buildUpdateSpec({ ...base, UpdateConfig: { Parallelism: 2 } }, flags({
      updateDelay: "10s", updateFailureAction: "rollback", updateMonitor: "1m30s", updateMaxFailureRatio: "0.5", updateOrder: "start-first",
      rollbackParallelism: "0", rollbackFailureAction: "continue",
      restartCondition: "on-failure", restartDelay: "500ms", restartMaxAttempts: "3", restartWindow: "1m",
      stopGracePeriod: "20s", stopSignal: "SIGINT",
    }));
    assert.deepEqual(s.UpdateConfig, { Parallelism: 2, Delay: 10e9, FailureAction: "rollback", Monitor: 90e9, MaxFailureRatio: 0.5, Order: "start-first" });
    assert.deepEqual(s.RollbackConfig, { Parallelism: 0, FailureAction: "continue" });
    assert.deepEqual(s.TaskTemplate.RestartPolicy, { Condition: "on-failure", Delay: 5e8, MaxAttempts: 3, Window: 60e9 });
    assert.equal(s.TaskTemplate.ContainerSpec.StopGracePeriod, 20e9);
    assert.equal(s.TaskTemplate.ContainerSpec.StopSignal, "SIGINT");
  });
  it("health flags; --no-healthcheck; conflicts", () => {
    const s = buildUpdateSpec(base, flags({ healthCmd: "true", healthInterval: "2s", healthRetries: "3" }));
    assert.deepEqual(s.TaskTemplate.ContainerSpec.Healthcheck, { Test: ["CMD-SHELL", "true"], Interval: 2e9, Retries: 3 });
    const off = buildUpdateSpec(s, flags({ healthcheck: false }));
    assert.deepEqual(off.TaskTemplate.ContainerSpec.Healthcheck, { Test: ["NONE"] });
    assert.deepEqual(buildUpdateSpec(off, flags({ healthTimeout: "1s" })).TaskTemplate.ContainerSpec.Healthcheck, { Timeout: 1e9 });
    assert.throws(() => buildUpdateSpec(base, flags({ healthcheck: false, healthCmd: "x" })), /--no-healthcheck conflicts with --health-\* options/);
  });
  it("bad values name the flag", () => {
    assert.throws(() => buildUpdateSpec(base, flags({ updateDelay: "x" })), { message: `invalid argument "x" for "--update-delay" flag: time: invalid duration "x"` });
    assert.throws(() => buildUpdateSpec(base, flags({ rollbackFailureAction: "rollback" })), /"--rollback-failure-action" flag: expected one of pause, continue/);
    assert.throws(() => buildUpdateSpec(base, flags({ restartCondition: "always" })), /"--restart-condition" flag/);
    assert.throws(() => buildUpdateSpec(base, flags({ updateParallelism: "-1" })), /"--update-parallelism" flag/);
    assert.throws(() => buildUpdateSpec(base, flags({ updateMaxFailureRatio: "lots" })), /"--update-max-failure-ratio" flag/);
    assert.throws(() => buildUpdateSpec({ ...base, Mode: { Global: {} } }, flags({ replicas: "2" })), /replicas can only be used with replicated mode/);
    assert.throws(() => splitArgs(`sh -c 'oops`), /unterminated quote/);
  });
  it("service create takes the same flags (sparse when unset)", () => {
    const s = buildCreateSpec("img", [], { env: [], label: [], name: "a", updateParallelism: "3", restartCondition: "none", healthcheck: false }, () => "x");
    assert.deepEqual(s, {
      Name: "a", UpdateConfig: { Parallelism: 3 },
      TaskTemplate: { ContainerSpec: { Image: "img", Healthcheck: { Test: ["NONE"] } }, RestartPolicy: { Condition: "none" } },
    });
  });
});
