import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { nodeInfos } from "./node-info.js";
import { explain, runPipeline } from "./pipeline.js";
import { plan } from "./plan.js";
import { PassVerdicts } from "./verdicts.js";
import { GiB, NOW, info, node, state, task } from "./test-fixture.js";

const reserve = (cpu: number) => ({ ContainerSpec: { Image: "img" }, Resources: { Reservations: { NanoCPUs: cpu, MemoryBytes: GiB } } });

describe("pass verdicts (pipeline once per group, then only changed nodes)", () => {
  it("given nodes filling up, when placements change them, then every result equals a fresh runPipeline", () => {
    const s = state([node("n1"), node("n2"), node("n3", { state: "down" })], []);
    const infos = nodeInfos(s);
    const verdicts = new PassVerdicts(infos);
    const t = info(reserve(2e9), s);
    for (let i = 0; i < 6; i++) {
      const got = verdicts.result("k", () => t);
      const want = runPipeline(t, infos);
      assert.deepEqual(got.eligible.map((n) => n.node.id), want.eligible.map((n) => n.node.id), `placement ${i}`);
      assert.equal(explain(got.failures), explain(want.failures), `placement ${i}`);
      const target = got.eligible[0];
      if (!target) break;
      target.add(t, true);
      verdicts.changed(target);
    }
    assert.equal(explain(verdicts.result("k", () => t).failures), "insufficient resources on 2 nodes; 1 node not available for new tasks");
  });

  it("given two services sharing nodes, when one fills a node, then the other's next pass result sees it", () => {
    const s = state([node("n1"), node("n2")], [
      ...[1, 2, 3].map((i) => task(`a${i}`, { serviceId: "a", slot: i, spec: reserve(2e9) })),
      ...[1, 2].map((i) => task(`b${i}`, { serviceId: "b", slot: i, spec: reserve(3e9) })),
    ]);
    const out = plan(s, NOW).map((p) => `${p.type}:${(p.data as { taskId: string }).taskId}:${(p.data as { nodeId?: string; err?: string }).nodeId ?? (p.data as { err?: string }).err}`);
    // a1→n1, a2→n2 (spread), a3→n1 (n1 full: 4e9), b1 fits only n2? n2 has 2e9 left < 3e9: none.
    assert.deepEqual(out, [
      "TaskAssigned:a1:n1", "TaskAssigned:a2:n2", "TaskAssigned:a3:n1",
      "TaskUnschedulable:b1:no suitable node (insufficient resources on 2 nodes)",
      "TaskUnschedulable:b2:no suitable node (insufficient resources on 2 nodes)",
    ]);
  });

  it("given a limit, when more tasks are pending, then the pass stops after that many events", () => {
    const s = state([node("n1")], [1, 2, 3].map((i) => task(`t${i}`, { slot: i })));
    assert.deepEqual(plan(s, NOW, 2).map((p) => (p.data as { taskId: string }).taskId), ["t1", "t2"]);
  });
});
