import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ipMatches, matchAll, matchConstraint, parseConstraint, parseConstraints, OPERATOR_ERROR } from "../../shared/model/index.js";
import { desc, node } from "./test-fixture.js";

describe("parseConstraint", () => {
  const table: [string, string][] = [
    ["node.role==manager", "node.role == manager hard"],
    [" node.labels.zone != eu-1 ", "node.labels.zone != eu-1 hard"],
    ["node.labels.disk==~ssd", "node.labels.disk == ssd soft"],
    ["node.labels.disk!=~hdd", "node.labels.disk != hdd soft"],
    ["engine.labels.os==Linux", "engine.labels.os == Linux hard"],
    ["node.ip==10.0.0.0/8", "node.ip == 10.0.0.0/8 hard"],
    ["node.role=manager", `error: ${OPERATOR_ERROR}`],
    ["node.role", `error: ${OPERATOR_ERROR}`],
    ["==manager", "error: key '' is invalid"],
    ["9node==x", "error: key '9node' is invalid"],
    ["node.role==", "error: value '' is invalid"],
    ["node.role==a,b", "error: value 'a,b' is invalid"],
  ];
  for (const [expr, want] of table) {
    it(expr, () => {
      const p = parseConstraint(expr);
      const got = p.ok ? `${p.constraint.key} ${p.constraint.equal ? "==" : "!="} ${p.constraint.value} ${p.constraint.soft ? "soft" : "hard"}` : `error: ${p.error}`;
      assert.equal(got, want);
    });
  }
});

describe("matchConstraint", () => {
  const n = node("abc123", {
    role: "manager", labels: { zone: "eu-1", Disk: "SSD" }, addr: "10.1.2.3",
    description: desc({ hostname: "web-01", os: "linux", architecture: "x86_64", engineLabels: { storage: "fast" } }),
  });
  const table: [string, boolean][] = [
    ["node.id==abc123", true],
    ["node.id!=abc123", false],
    ["NODE.HOSTNAME==WEB-01", true],
    ["node.role==manager", true],
    ["node.role==worker", false],
    ["node.role!=worker", true],
    ["node.platform.os==Linux", true],
    ["node.platform.arch==x86_64", true],
    ["node.labels.zone==eu-1", true],
    ["node.labels.zone==EU-1", true],
    ["node.labels.Zone==eu-1", false], // label names are case-sensitive: missing = ""
    ["node.labels.Disk==ssd", true],
    ["node.labels.missing!=x", true],
    ["node.labels.missing==x", false],
    ["engine.labels.storage==fast", true],
    ["engine.labels.storage!=fast", false],
    ["node.ip==10.1.2.3", true],
    ["node.ip==10.1.0.0/16", true],
    ["node.ip==10.2.0.0/16", false],
    ["node.ip!=10.2.0.0/16", true],
    ["node.ip==not-an-ip", false],
    ["node.unknown==x", false],
    ["node.unknown!=x", false],
  ];
  for (const [expr, want] of table) {
    it(`${expr} → ${want}`, () => {
      const p = parseConstraint(expr);
      assert.ok(p.ok);
      assert.equal(matchConstraint(p.constraint, n), want);
    });
  }
  it("a malformed constraint fails closed: no node matches", () => {
    const cs = parseConstraints(["node.role==manager", "node.labels.zone==a,b"]);
    assert.equal(cs.length, 2);
    assert.equal(matchAll(cs, n), false);
    assert.equal(matchAll(parseConstraints(["node.role==manager"]), n), true);
  });
  it("CIDR edge cases", () => {
    assert.equal(ipMatches("0.0.0.0/0", "192.168.1.1"), true);
    assert.equal(ipMatches("10.0.0.0/33", "10.0.0.1"), undefined);
    assert.equal(ipMatches("fe80::1", "FE80::1"), true);
  });
});
