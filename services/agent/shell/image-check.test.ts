import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ImageCheck } from "./image-check.js";

/* The per-task image check, remembered for a while: a clock given as data, checks counted. */
function counted(results: (boolean | Error)[]) {
  let calls = 0;
  const check = async () => {
    const r = results[Math.min(calls++, results.length - 1)]!;
    if (r instanceof Error) throw r;
    return r;
  };
  return { check, calls: () => calls };
}

describe("image check: one engine check per image for a while", () => {
  it("checks in flight are one; a found image is not checked again until ttl has passed", async () => {
    let t = 1000;
    const images = new ImageCheck(10_000, () => t);
    const c = counted([true]);
    await Promise.all(Array.from({ length: 50 }, () => images.ensure("busybox:1", c.check)));
    assert.equal(c.calls(), 1, "50 concurrent tasks: one check");
    t += 9_999;
    await images.ensure("busybox:1", c.check);
    assert.equal(c.calls(), 1, "still fresh");
    t += 1;
    await images.ensure("busybox:1", c.check);
    assert.equal(c.calls(), 2, "ttl passed: checked again");
    await images.ensure("other:1", c.check);
    assert.equal(c.calls(), 3, "another image is its own check");
  });

  it("a check that left no image (failed pull) or threw is not remembered", async () => {
    const images = new ImageCheck(10_000, () => 0);
    const c = counted([false, new Error("engine down"), true]);
    await images.ensure("gone:1", c.check);
    await assert.rejects(images.ensure("gone:1", c.check), /engine down/);
    await images.ensure("gone:1", c.check);
    assert.equal(c.calls(), 3, "each of them asked the engine");
    await images.ensure("gone:1", c.check);
    assert.equal(c.calls(), 3, "the found one is remembered");
  });

  it("forget: true only for an image taken as there; the next ensure checks again", async () => {
    const images = new ImageCheck(10_000, () => 0);
    const c = counted([true]);
    assert.equal(images.forget("busybox:1"), false, "never checked");
    await images.ensure("busybox:1", c.check);
    assert.equal(images.forget("busybox:1"), true);
    assert.equal(images.forget("busybox:1"), false, "forgotten already");
    await images.ensure("busybox:1", c.check);
    assert.equal(c.calls(), 2);
  });
});
