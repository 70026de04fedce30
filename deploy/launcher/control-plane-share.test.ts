import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { instancesHere, processName } from "./control-plane-share.js";

const managers = ["m1", "m2", "m3"];
const total = (service: string, desired: Record<string, number> | undefined, ms = managers) =>
  ms.map((self) => instancesHere(service, { desired, managers: ms, self }));

describe("control-plane share per manager", () => {
  it("a service never scaled runs one instance on every manager", () => {
    assert.deepEqual(total("scheduler", undefined), [1, 1, 1]);
    assert.deepEqual(total("scheduler", { dispatcher: 5 }), [1, 1, 1]);
  });
  it("a set count is spread: the sum is exact and shares differ by at most one", () => {
    for (const n of [1, 2, 3, 4, 5, 7, 16]) {
      for (const svc of ["orchestrator", "scheduler", "dispatcher"]) {
        const shares = total(svc, { [svc]: n });
        assert.equal(shares.reduce((a, b) => a + b, 0), n, `${svc}=${n}: ${shares}`);
        assert.ok(Math.max(...shares) - Math.min(...shares) <= 1, `${svc}=${n}: ${shares}`);
      }
    }
  });
  it("one manager runs everything it is asked for", () => {
    assert.equal(instancesHere("dispatcher", { desired: { dispatcher: 3 }, managers: ["m1"], self: "m1" }), 3);
  });
  it("self counts even before it is listed as a ready manager", () => {
    assert.equal(instancesHere("scheduler", { desired: { scheduler: 2 }, managers: [], self: "m9" }), 2);
    assert.equal(instancesHere("scheduler", { desired: { scheduler: 2 }, managers: ["m1"], self: "m9" }), 1);
  });
  it("names: the first instance keeps the bare name", () => {
    assert.equal(processName("scheduler", 1), "scheduler");
    assert.equal(processName("scheduler", 3), "scheduler-3");
  });
});
