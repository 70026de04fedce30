import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { noSuitableNode, runPipeline } from "./pipeline.js";
import { GiB, info, nodeInfo } from "./test-fixture.js";
import type { TaskSpec } from "../../../schemas/index.js";

describe("pipeline: explanation", () => {
  const spec: Partial<TaskSpec> = {
    Resources: { Reservations: { MemoryBytes: 6 * GiB } },
    Placement: { Constraints: ["node.labels.zone==a"] },
  };
  const table: { name: string; nodes: ReturnType<typeof nodeInfo>[]; want: string }[] = [
    { name: "no nodes at all", nodes: [], want: "no suitable node" },
    {
      name: "first failing filter counts, most frequent first",
      nodes: [
        nodeInfo({ state: "down" }, "n1"),
        nodeInfo({ labels: { zone: "b" } }, "n2"),
        nodeInfo({ labels: { zone: "b" } }, "n3"),
        nodeInfo({ labels: { zone: "a" }, description: undefined }, "n4"),
      ],
      want: "no suitable node (scheduling constraints not satisfied on 2 nodes; 1 node not available for new tasks; insufficient resources on 1 node)",
    },
    {
      name: "a down node that also fails constraints counts once, as not available",
      nodes: [nodeInfo({ state: "down", labels: { zone: "b" } }, "n1")],
      want: "no suitable node (1 node not available for new tasks)",
    },
    {
      name: "resources before constraints",
      nodes: [nodeInfo({ labels: { zone: "b" }, description: undefined }, "n1")],
      want: "no suitable node (insufficient resources on 1 node)",
    },
  ];
  for (const c of table) {
    it(c.name, () => {
      const r = runPipeline(info(spec), c.nodes);
      assert.equal(r.eligible.length, 0);
      assert.equal(noSuitableNode(r.failures), c.want);
    });
  }
  it("keeps the nodes that pass", () => {
    const r = runPipeline(info(spec), [nodeInfo({ labels: { zone: "a" } }, "n1"), nodeInfo({ labels: { zone: "b" } }, "n2")]);
    assert.deepEqual(r.eligible.map((n) => n.node.id), ["n1"]);
  });
});
