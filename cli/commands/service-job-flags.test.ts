import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Service } from "../../schemas/api.js";
import type { ServiceSpec } from "../../schemas/index.js";
import { buildCreateSpec } from "./service-flags.js";
import { buildUpdateSpec, type UpdateFlags } from "./service-update-flags.js";
import { rescale } from "./service-job-flags.js";
import { serviceRows } from "./service-rows.js";

const create = (o: Record<string, string | undefined>) => buildCreateSpec("busybox", [], { env: [], label: [], ...o }, () => "j");
const update = (spec: ServiceSpec, o: Partial<UpdateFlags>) =>
  buildUpdateSpec(spec, { envAdd: [], envRm: [], labelAdd: [], labelRm: [], containerLabelAdd: [], containerLabelRm: [], ...o });

describe("job flags", () => {
  it("--mode replicated-job: TotalCompletions from --replicas, MaxConcurrent from --max-concurrent or else --replicas", () => {
    assert.deepEqual(create({ mode: "replicated-job", replicas: "5", maxConcurrent: "2" }).Mode, { ReplicatedJob: { MaxConcurrent: 2, TotalCompletions: 5 } });
    assert.deepEqual(create({ mode: "replicated-job", replicas: "3" }).Mode, { ReplicatedJob: { MaxConcurrent: 3, TotalCompletions: 3 } });
    assert.deepEqual(create({ mode: "global-job" }).Mode, { GlobalJob: {} });
  });
  it("refuses what docker refuses, in its words", () => {
    assert.throws(() => create({ maxConcurrent: "2" }), /max-concurrent can only be used with replicated-job mode/);
    assert.throws(() => create({ mode: "global-job", replicas: "2" }), /replicas can only be used with replicated mode/);
    assert.throws(() => create({ mode: "cron" }), /invalid argument "cron" for "--mode" flag/);
    assert.throws(() => create({ mode: "replicated-job", updateParallelism: "2" }), /update and rollback configuration is not supported for jobs/);
    const job = create({ mode: "replicated-job", replicas: "2" });
    assert.throws(() => update(job, { rollbackMonitor: "1s" }), /update and rollback configuration is not supported for jobs/);
    assert.throws(() => rescale({ ...job, Mode: { GlobalJob: {} } }, 3, undefined, true), /scale can only be used with replicated or replicated-job mode/);
  });
  it("update --replicas/--max-concurrent and scale of a replicated job change its counts; --force bumps ForceUpdate", () => {
    const job = create({ mode: "replicated-job", replicas: "2" });
    assert.deepEqual(update(job, { replicas: "6", maxConcurrent: "3" }).Mode, { ReplicatedJob: { MaxConcurrent: 3, TotalCompletions: 6 } });
    assert.deepEqual(rescale(job, 4, undefined, true), { ReplicatedJob: { MaxConcurrent: 2, TotalCompletions: 4 } });
    assert.equal(update(job, { force: true }).TaskTemplate.ForceUpdate, 1);
  });
  it("service ls: MODE and REPLICAS as docker prints a job", () => {
    const svc = (Spec: ServiceSpec, st: NonNullable<Service["ServiceStatus"]>): Service =>
      ({ ID: "s".repeat(25), Version: { Index: 1 }, CreatedAt: "", UpdatedAt: "", Spec, ServiceStatus: st });
    const rows = serviceRows([
      svc({ ...create({ mode: "replicated-job", replicas: "3" }), Name: "a" }, { RunningTasks: 1, DesiredTasks: 1, CompletedTasks: 2 }),
      svc({ ...create({ mode: "global-job" }), Name: "b" }, { RunningTasks: 0, DesiredTasks: 2, CompletedTasks: 2 }),
    ]);
    assert.deepEqual(rows.map((r) => [r[2], r[3]]), [["replicated job", "1/1 (2/3 completed)"], ["global job", "0/2 (2/2 completed)"]]);
  });
});
