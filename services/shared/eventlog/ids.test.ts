import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { deterministicId, randomId, toBase36 } from "./ids.js";

/** The definition: the number's base-36 digits, least significant first, by BigInt division. */
function reference(buf: Uint8Array): string {
  let n = BigInt("0x" + Buffer.from(buf).toString("hex"));
  let out = "";
  while (out.length < 25) {
    out += (n % 36n).toString(36);
    n /= 36n;
  }
  return out;
}

describe("ids", () => {
  it("toBase36 gives the BigInt digits for edge and random values", () => {
    const edges = [Buffer.alloc(16, 0), Buffer.alloc(16, 0xff), Buffer.from("00000000000000000000000000000023", "hex"),
      Buffer.from("80000000000000000000000000000000", "hex"), Buffer.from("00000000ffffffff00000000ffffffff", "hex")];
    for (const b of edges) assert.equal(toBase36(b), reference(b), b.toString("hex"));
    for (let i = 0; i < 20_000; i++) {
      const b = randomBytes(16);
      assert.equal(toBase36(b), reference(b), b.toString("hex"));
    }
  });

  it("deterministicId is stable for a seed (ids already in logs keep their names)", () => {
    // Pinned to what the BigInt implementation gave: a changed function would rename the aggregates
    // a retried decision creates.
    assert.equal(deterministicId("seed"), "9l75yf3tmk1pkq6kqh2dzlri1");
    assert.equal(deterministicId("task:svc1:1:0"), "28897ugqessngxaz39rx1xvq9");
    assert.match(randomId(), /^[0-9a-z]{25}$/);
    assert.notEqual(randomId(), randomId());
  });
});
