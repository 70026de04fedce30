import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ListCache } from "./list-cache.js";

describe("list cache", () => {
  it("renders once per key and sequence; a new sequence renders again", () => {
    let seq = 1;
    let renders = 0;
    const cache = new ListCache(() => seq);
    const render = () => ({ n: ++renders, seq });
    assert.equal(String(cache.text("services", render)), `{"n":1,"seq":1}`);
    assert.equal(String(cache.text("services", render)), `{"n":1,"seq":1}`);
    assert.equal(String(cache.text("tasks", render)), `{"n":2,"seq":1}`);
    seq = 2;
    assert.equal(String(cache.text("services", render)), `{"n":3,"seq":2}`);
  });

  it("keeps at most maxEntries texts; a failed render caches nothing", () => {
    let renders = 0;
    const cache = new ListCache(() => 7, 2);
    for (const k of ["a", "b", "c", "a"]) cache.text(k, () => ++renders);
    assert.equal(renders, 4); // "c" dropped a and b
    assert.throws(() => cache.text("x", () => { throw new Error("not a manager"); }), /not a manager/);
    assert.equal(String(cache.text("x", () => "ok")), `"ok"`);
  });
});
