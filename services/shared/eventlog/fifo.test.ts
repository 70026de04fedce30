import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Fifo } from "./fifo.js";

describe("Fifo", () => {
  it("gives items back in order, across compactions, and undefined when empty", () => {
    const q = new Fifo<number>();
    assert.equal(q.take(), undefined);
    const out: number[] = [];
    for (let i = 0; i < 5000; i++) {
      q.push(i);
      if (i % 3 === 0) out.push(q.take()!);
    }
    assert.equal(q.length, 5000 - out.length);
    for (let x = q.take(); x !== undefined; x = q.take()) out.push(x);
    assert.deepEqual(out, Array.from({ length: 5000 }, (_, i) => i));
    assert.equal(q.length, 0);
  });
});
