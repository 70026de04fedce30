import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { MemberRecord } from "../../shared/instances/index.js";
import { controlPlaneView } from "./control-plane.js";

const rec = (over: Partial<MemberRecord>): MemberRecord => ({
  service: "orchestrator", instanceId: "orchestrator-1", node: "m1", pid: 1, startedAt: "2026-01-01T00:00:00Z", role: "all", ...over,
});

describe("GET /control-plane rows", () => {
  it("names a partitioned member's share, a lease holder's role from the lease, the rest as reported", () => {
    const rows = controlPlaneView([
      rec({ role: "partitions", owns: { count: 3, kind: "service" }, seq: 40 }),
      rec({ service: "dispatcher", instanceId: "dispatcher-1", role: "partitions", owns: { count: 1, kind: "node" }, seq: 42 }),
      rec({ service: "dispatcher", instanceId: "dispatcher-2", role: "partitions", owns: { count: 0, kind: "node" } }),
      rec({ service: "scheduler", instanceId: "scheduler-1", role: "standby" }),
      rec({ service: "api", instanceId: "api-1" }),
    ], new Map([["scheduler", "scheduler-1"]]), 42, new Date("2026-01-01T00:01:00Z"));
    assert.deepEqual(rows.map((r) => [r.Instance, r.Role, r.Behind, r.UptimeSeconds]), [
      ["orchestrator-1", "owns 3 services", 2, 60],
      ["dispatcher-1", "owns 1 node", 0, 60],
      ["dispatcher-2", "owns 0 nodes", null, 60],
      ["scheduler-1", "active", null, 60],
      ["api-1", "all", null, 60],
    ]);
  });

  it("shows a lease service's instance as standby while nobody holds the lease, whatever it reported (the roster says it is leased)", () => {
    const rows = controlPlaneView([rec({ service: "scheduler", instanceId: "scheduler-2", role: "all" })], new Map(), 0, new Date("2026-01-01T00:00:00Z"));
    assert.deepEqual(rows.map((r) => [r.Instance, r.Role]), [["scheduler-2", "standby"]]);
  });
});
