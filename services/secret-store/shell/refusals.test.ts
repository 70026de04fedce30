import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RefusalBudget } from "./refusals.js";

describe("RefusalBudget", () => {
  it("records at most perNode per node and total in all per window, then starts afresh", () => {
    const b = new RefusalBudget({ perNode: 2, total: 3, windowMs: 1000 });
    assert.deepEqual([b.take("a", 0), b.take("a", 1), b.take("a", 2)], [true, true, false]);
    assert.deepEqual([b.take("b", 3), b.take("c", 4)], [true, false], "the total caps many node ids");
    assert.equal(b.take("a", 1000), true, "a new window");
  });
});
