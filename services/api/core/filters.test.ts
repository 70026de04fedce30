import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseFilters, type FilterValues } from "./filters.js";
import { NODE_FILTER_VALUES, NODE_FILTERS, SERVICE_FILTER_VALUES, SERVICE_FILTERS, TASK_FILTER_VALUES, TASK_FILTERS } from "./views.js";

const json = (f: unknown) => JSON.stringify(f);

describe("filters", () => {
  it("refuses unknown keys and values outside a key's closed set, naming them", () => {
    const cases: [string, readonly string[], FilterValues, string][] = [
      [json({ mode: ["bogus"] }), SERVICE_FILTERS, SERVICE_FILTER_VALUES, "invalid filter 'mode=bogus'"],
      [json({ mode: { global: true, nope: true } }), SERVICE_FILTERS, SERVICE_FILTER_VALUES, "invalid filter 'mode=nope'"],
      [json({ colour: ["red"] }), SERVICE_FILTERS, SERVICE_FILTER_VALUES, "invalid filter 'colour'"],
      [json({ "desired-state": ["sleeping"] }), TASK_FILTERS, TASK_FILTER_VALUES, "invalid filter 'desired-state=sleeping'"],
      [json({ role: ["boss"] }), NODE_FILTERS, NODE_FILTER_VALUES, "invalid filter 'role=boss'"],
      [json({ membership: ["maybe"] }), NODE_FILTERS, NODE_FILTER_VALUES, "invalid filter 'membership=maybe'"],
    ];
    for (const [raw, keys, values, message] of cases) assert.throws(() => parseFilters(raw, keys, values), { message }, raw);
  });

  it("accepts the known values, and any value of an open key", () => {
    assert.deepEqual([...parseFilters(json({ mode: ["global", "replicated"], name: ["x"] }), SERVICE_FILTERS, SERVICE_FILTER_VALUES)],
      [["mode", ["global", "replicated"]], ["name", ["x"]]]);
    assert.deepEqual([...parseFilters(json({ "desired-state": ["running", "shutdown"] }), TASK_FILTERS, TASK_FILTER_VALUES)],
      [["desired-state", ["running", "shutdown"]]]);
    assert.deepEqual([...parseFilters(json({ role: { manager: true } }), NODE_FILTERS, NODE_FILTER_VALUES)], [["role", ["manager"]]]);
  });
});
