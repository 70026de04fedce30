import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decimal } from "./decimal.js";
import { buildCreateSpec, parseScale, parseUint } from "./service-flags.js";
import { parsePublish } from "./service-placement-flags.js";
import { parseScaleArg } from "./control-plane.js";
import { parseSwarmSettings } from "./swarm.js";

const NOT_DECIMAL = ["0x5", "+26", "028", "18.0", "1e3", " 3", "3 ", "", "9007199254740993", "١٢"];

describe("strict integer flags", () => {
  it("a plain decimal is read; anything else is not", () => {
    assert.deepEqual(["0", "7", "10000", "9007199254740991"].map((v) => decimal(v)), [0, 7, 10000, 9007199254740991]);
    for (const v of [...NOT_DECIMAL, "-1"]) assert.equal(decimal(v), undefined, v);
    assert.equal(decimal("-5", true), -5);
    assert.equal(decimal("-05", true), undefined);
  });

  it("--replicas, --update-parallelism and friends refuse 0x5, +26, 028, 18.0, 1e3 naming the flag", () => {
    for (const v of NOT_DECIMAL) {
      assert.throws(() => parseUint("--update-parallelism", v), { message: `invalid argument "${v}" for "--update-parallelism" flag: expected a non-negative integer` });
      assert.throws(() => buildCreateSpec("img", [], { replicas: v, env: [], label: [], containerLabel: [] } as never, () => "x"),
        { message: `invalid argument "${v}" for "--replicas" flag: expected a non-negative integer` });
    }
  });

  it("scale arguments, published ports and the task history limit refuse them too", () => {
    for (const v of ["0x5", "+26", "028", "18.0", "1e3"]) {
      assert.throws(() => parseScale(`web=${v}`), { message: `invalid replicas value ${v}: expected a non-negative integer` });
      assert.throws(() => parseScaleArg(`scheduler=${v}`), /invalid scale specifier/);
      assert.throws(() => parsePublish(`published=${v},target=80,mode=host`), /published port must be 1-65535/);
      assert.throws(() => parseSwarmSettings({ taskHistoryLimit: v }), { message: `invalid argument "${v}" for "--task-history-limit" flag: expected an integer` });
    }
    assert.deepEqual(parseScale("web=028".replace("028", "28")), { service: "web", replicas: 28 });
  });
});
