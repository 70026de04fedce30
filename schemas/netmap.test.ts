import { test } from "node:test";
import assert from "node:assert/strict";
import { bridgeName, vxlanName, vxlanOfBridge, wireVni } from "./netmap.js";

test("wireVni: the VNI itself without a cluster id; with one, a rotation of the 24-bit space that keeps one cluster's VNIs distinct", () => {
  assert.equal(wireVni({ vni: 4097 }), 4097);
  const clusterId = "k3x9c0ffee1234567890abcde";
  const seen = new Set<number>();
  for (const vni of [1, 4097, 4098, 4099, 9000, 16_777_214, 16_777_215]) {
    const w = wireVni({ vni, clusterId });
    assert.ok(Number.isInteger(w) && w >= 1 && w <= 16_777_215, `${vni} → ${w}`);
    seen.add(w);
  }
  assert.equal(seen.size, 7, "distinct VNIs stay distinct (wrapping at the top of the space too)");
  assert.equal(wireVni({ vni: 4098, clusterId }) - wireVni({ vni: 4097, clusterId }), 1);
});

test("two clusters' first networks get different wire VNIs (100 cluster ids, no two alike)", () => {
  const wires = new Set(Array.from({ length: 100 }, (_, i) => wireVni({ vni: 4097, clusterId: `cluster${i}` })));
  assert.equal(wires.size, 100);
});

test("device names fit Linux's 15 characters and the VXLAN device follows from the bridge", () => {
  assert.equal(bridgeName(16_777_215), "jsbr16777215");
  assert.ok(bridgeName(16_777_215).length <= 15);
  assert.equal(vxlanOfBridge(bridgeName(12345)), vxlanName(12345));
  assert.equal(vxlanOfBridge("docker0"), undefined);
});
