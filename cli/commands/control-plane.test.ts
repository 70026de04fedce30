import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { renderTable } from "../output/table.js";
import { CONTROL_PLANE_HEADERS, controlPlaneRows, countByService, parseScaleArg, type ControlPlaneMember } from "./control-plane.js";

const member = (over: Partial<ControlPlaneMember>): ControlPlaneMember => ({
  Service: "scheduler", Instance: "scheduler-1", Node: "m1", Pid: 1, Role: "active", Behind: 0,
  StartedAt: "2026-01-01T00:00:00Z", UptimeSeconds: 0, ...over,
});

describe("control-plane ls rows", () => {
  it("shows role, events behind and a human uptime; `-` for a process without a projection", () => {
    const rows = controlPlaneRows([
      member({ UptimeSeconds: 125 }),
      member({ Instance: "scheduler-2", Role: "standby", Behind: 3, UptimeSeconds: 5 }),
      member({ Service: "dispatcher", Instance: "dispatcher-1", Role: "all", Behind: null, UptimeSeconds: 7200 }),
      member({ Service: "orchestrator", Instance: "orchestrator-2", Role: "owns 3 services", Behind: 0, UptimeSeconds: 61 }),
    ]);
    assert.deepEqual(rows, [
      ["scheduler", "scheduler-1", "m1", "active", "0", "2 minutes"],
      ["scheduler", "scheduler-2", "m1", "standby", "3", "5 seconds"],
      ["dispatcher", "dispatcher-1", "m1", "all", "-", "2 hours"],
      ["orchestrator", "orchestrator-2", "m1", "owns 3 services", "0", "About a minute"],
    ]);
    assert.match(renderTable(CONTROL_PLANE_HEADERS, rows).split("\n")[0]!, /^SERVICE\s+INSTANCE\s+NODE\s+ROLE\s+BEHIND\s+UPTIME$/);
  });
});

describe("control-plane scale arguments", () => {
  it("SERVICE=INSTANCES parses; anything else is refused naming the argument", () => {
    assert.deepEqual(parseScaleArg("scheduler=2"), ["scheduler", 2]);
    for (const bad of ["scheduler", "scheduler=", "=2", "scheduler=-1", "scheduler=two"]) {
      assert.throws(() => parseScaleArg(bad), new RegExp(`invalid scale specifier '${bad}'`));
    }
  });
  it("counts live instances per service", () => {
    const counts = countByService([member({}), member({ Instance: "scheduler-2" }), member({ Service: "api", Instance: "api-1" })]);
    assert.deepEqual([...counts], [["scheduler", 2], ["api", 1]]);
  });
});
