import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { onlyAddsBackends } from "./vip-rules.js";

describe("onlyAddsBackends (which VIP changes may be batched)", () => {
  const t = (vip: string, ...backends: string[]) => ({ vip, backends });
  it("a backend added to a VIP that has some: may wait", () => {
    assert.equal(onlyAddsBackends([t("10.0.1.2", "10.0.1.5")], [t("10.0.1.2", "10.0.1.5", "10.0.1.6")]), true);
    assert.equal(onlyAddsBackends([t("a", "x"), t("b", "y")], [t("a", "x", "z"), t("b", "y")]), true);
    assert.equal(onlyAddsBackends([t("a", "x"), t("idle")], [t("a", "x", "z"), t("idle")]), true, "beside a VIP that stays without backends");
  });
  it("a removed backend, a VIP's first backend, a new or gone VIP: at once", () => {
    assert.equal(onlyAddsBackends([t("a", "x", "y")], [t("a", "x")]), false, "removed");
    assert.equal(onlyAddsBackends([t("a", "x")], [t("a", "y")]), false, "replaced");
    assert.equal(onlyAddsBackends([t("a")], [t("a", "x")]), false, "first backend");
    assert.equal(onlyAddsBackends([t("a", "x")], [t("a", "x"), t("b", "y")]), false, "new VIP");
    assert.equal(onlyAddsBackends([t("a", "x"), t("b", "y")], [t("a", "x", "z")]), false, "VIP gone");
    assert.equal(onlyAddsBackends([t("a", "x")], [t("b", "x", "y")]), false, "other VIP");
  });
});
