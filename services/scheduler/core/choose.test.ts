import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { TaskSpec } from "../../../schemas/index.js";
import { chooseNode, hash32, hasImage, isPlainSpread, SpreadHeap } from "./choose.js";
import type { NodeInfo, TaskInfo } from "./node-info.js";
import { desc, GiB, info, nodeInfo } from "./test-fixture.js";

const mine = (): TaskInfo => ({ ...info(), id: "x" });
const other = (cpu = 0, mem = 0): TaskInfo => ({ ...info(), id: "o", serviceId: "other", nanoCpus: cpu, memoryBytes: mem });
function withTasks(n: NodeInfo, own: number, others = 0): NodeInfo {
  for (let i = 0; i < own; i++) n.add(mine(), true);
  for (let i = 0; i < others; i++) n.add(other(), true);
  return n;
}
const zone = (z: string, id: string, own = 0) => withTasks(nodeInfo({ labels: z ? { zone: z } : {} }, id), own);
function pick(spec: Partial<TaskSpec>, nodes: NodeInfo[], id = "t1"): string | undefined {
  return chooseNode(info(spec, undefined, id), nodes, nodes)?.node.id;
}

describe("node choice: spread (default)", () => {
  const table: [string, NodeInfo[], string][] = [
    ["fewest of this service", [withTasks(nodeInfo({}, "a"), 2), withTasks(nodeInfo({}, "b"), 1, 5)], "b"],
    ["then fewest in total", [withTasks(nodeInfo({}, "a"), 1, 2), withTasks(nodeInfo({}, "b"), 1, 1)], "b"],
    ["then the node that has the image", [nodeInfo({}, "a"), nodeInfo({ description: desc({ images: ["img:latest"] }) }, "b")], "b"],
    ["then node id", [nodeInfo({}, "b"), nodeInfo({}, "a")], "a"],
  ];
  for (const [name, nodes, want] of table) it(name, () => assert.equal(pick({}, nodes), want));
});

describe("node choice: spread tree (placement preferences)", () => {
  const spread = (...d: string[]): Partial<TaskSpec> => ({ Placement: { Preferences: d.map((SpreadDescriptor) => ({ Spread: { SpreadDescriptor } })) } });
  it("goes to the label value with the fewest of the service's tasks, not the emptiest node", () => {
    // zone a: 2 tasks over 2 nodes (1 each); zone b: 1 task on one node.
    const nodes = [zone("a", "a1", 1), zone("a", "a2", 1), zone("b", "b1", 1)];
    assert.equal(pick(spread("node.labels.zone"), nodes), "b1");
    assert.equal(pick({}, nodes), "a1"); // without the preference: plain spread by node
  });
  it("counts tasks on every node of a branch, eligible or not", () => {
    const all = [zone("a", "a1", 0), zone("a", "a2", 3), zone("b", "b1", 1)];
    const eligible = [all[0]!, all[2]!];
    assert.equal(chooseNode(info(spread("node.labels.zone")), all, eligible)?.node.id, "b1");
  });
  it("a missing label is its own branch (value \"\")", () => {
    assert.equal(pick(spread("node.labels.zone"), [zone("a", "a1", 1), zone("", "x1", 0), zone("a", "a2", 0)]), "x1");
  });
  it("nested levels", () => {
    const n = (z: string, r: string, id: string, own: number) => withTasks(nodeInfo({ labels: { zone: z, rack: r } }, id), own);
    const nodes = [n("a", "1", "a1", 1), n("a", "2", "a2", 0), n("b", "1", "b1", 1), n("b", "2", "b2", 1)];
    assert.equal(pick(spread("node.labels.zone", "node.labels.rack"), nodes), "a2");
  });
  it("engine labels, and descriptors other than labels are ignored", () => {
    const e = (v: string, id: string, own: number) => withTasks(nodeInfo({ description: desc({ engineLabels: { dc: v } }) }, id), own);
    assert.equal(pick(spread("engine.labels.dc"), [e("x", "a", 1), e("x", "b", 0), e("y", "c", 0)]), "c");
    assert.equal(pick(spread("node.hostname"), [e("x", "a", 1), e("x", "b", 0)]), "b");
  });
});

describe("node choice: binpack", () => {
  const bp: Partial<TaskSpec> = { Placement: { Strategy: "binpack" } };
  it("fills the most reserved node first", () => {
    const a = nodeInfo({}, "a"); a.add(other(1e9, 0), true);
    const b = nodeInfo({}, "b"); b.add(other(2e9, 2 * GiB), true);
    assert.equal(pick(bp, [a, b]), "b");
  });
  it("then by task count", () => {
    assert.equal(pick(bp, [withTasks(nodeInfo({}, "a"), 1), withTasks(nodeInfo({}, "b"), 2)]), "b");
  });
  it("empty nodes: id order", () => assert.equal(pick(bp, [nodeInfo({}, "b"), nodeInfo({}, "a")]), "a"));
});

describe("node choice: random", () => {
  const rnd: Partial<TaskSpec> = { Placement: { Strategy: "random" } };
  const nodes = ["a", "b", "c", "d"].map((id) => nodeInfo({}, id));
  it("is a pure function of the task id", () => {
    for (const id of ["t1", "t2", "t3"]) assert.equal(pick(rnd, nodes, id), pick(rnd, [...nodes].reverse(), id));
  });
  it("uses more than one node over many tasks", () => {
    const used = new Set(Array.from({ length: 40 }, (_, i) => pick(rnd, nodes, `task-${i}`)));
    assert.ok(used.size >= 3, `used ${[...used]}`);
  });
  it("hash32 is stable", () => assert.equal(hash32("abc"), 440920331));
});

describe("node choice: soft constraints", () => {
  const soft = (...c: string[]): Partial<TaskSpec> => ({ Placement: { Constraints: c } });
  const nodes = [zone("a", "a1", 1), zone("b", "b1", 0)];
  it("honoured when some node satisfies them", () => assert.equal(pick(soft("node.labels.zone==~a"), nodes), "a1"));
  it("dropped when none does", () => assert.equal(pick(soft("node.labels.zone==~c"), nodes), "b1"));
  it("each one on its own", () => assert.equal(pick(soft("node.labels.zone!=~b", "node.labels.zone==~c"), nodes), "a1"));
});

describe("image preference", () => {
  const n = nodeInfo({ description: desc({ images: ["busybox:latest", "reg/app:2"] }) });
  const table: [string, boolean][] = [["busybox", true], ["busybox:latest", true], ["reg/app:2", true], ["reg/app", false], ["nginx", false]];
  for (const [img, want] of table) it(`${img} → ${want}`, () => assert.equal(hasImage(n, img), want));
});

describe("node choice: spread heap (a run of one group's placements)", () => {
  it("gives the same node as chooseNode for every placement of a run", () => {
    // Uneven start: own and other tasks, some nodes with the image — every tie-break level in play.
    let seed = 7;
    const rnd = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed % n; };
    const nodes = Array.from({ length: 60 }, (_, i) => withTasks(
      nodeInfo(rnd(3) === 0 ? { description: desc({ images: ["img:latest"] }) } : {}, `n${String(i).padStart(2, "0")}`), rnd(4), rnd(6)));
    const twins = nodes.map((n) => withTasks(nodeInfo(n.node, n.node.id), n.serviceCount("svc"), n.activeTotal - n.serviceCount("svc")));
    const t = info();
    assert.ok(isPlainSpread(t));
    const heap = new SpreadHeap("k", t, nodes);
    for (let i = 0; i < 500; i++) {
      const want = chooseNode({ ...t, id: `t${i}` }, twins, twins)!;
      const got = heap.min()!;
      assert.equal(got.node.id, want.node.id, `placement ${i}`);
      got.add(t, true);
      heap.raised(got);
      want.add(t, true);
    }
  });

  it("is not used for preferences, soft constraints or other strategies", () => {
    assert.equal(isPlainSpread(info({ Placement: { Strategy: "binpack" } })), false);
    assert.equal(isPlainSpread(info({ Placement: { Preferences: [{ Spread: { SpreadDescriptor: "node.labels.zone" } }] } })), false);
    assert.equal(isPlainSpread(info({ Placement: { Constraints: ["node.labels.zone==~a"] } })), false);
    assert.equal(isPlainSpread(info({ Placement: { Constraints: ["node.labels.zone==a"] } })), true);
  });
});
