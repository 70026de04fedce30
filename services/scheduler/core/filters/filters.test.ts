import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { TaskSpec } from "../../../../schemas/index.js";
import type { Filter } from "./filter.js";
import { readyFilter } from "./ready.js";
import { resourcesFilter } from "./resources.js";
import { constraintFilter } from "./constraints.js";
import { platformFilter, normaliseArch } from "./platform.js";
import { hostPortFilter } from "./host-ports.js";
import { maxReplicasFilter } from "./max-replicas.js";
import { desc, GiB, info, nodeInfo, state } from "../test-fixture.js";
import type { NodeInfo } from "../node-info.js";
import type { NodeView as NV } from "../../../shared/model/index.js";

/** One row: task template, node, what was already placed there → enabled? passes? */
interface Row {
  name: string;
  spec?: Partial<TaskSpec>;
  node?: Partial<NV>;
  prep?: (n: NodeInfo) => void;
  ports?: { PublishMode: "host" | "ingress"; PublishedPort?: number; TargetPort: number; Protocol?: "tcp" | "udp" }[];
  want: "disabled" | "pass" | "fail";
}

function runTable(filter: Filter, rows: Row[], explained: [number, string][]): void {
  describe(`filter ${filter.name}`, () => {
    for (const r of rows) {
      it(`${r.name} → ${r.want}`, () => {
        const s = state([], [], r.ports ? [{ Name: "svc", TaskTemplate: { ContainerSpec: { Image: "img" } }, EndpointSpec: { Ports: r.ports } }] : []);
        const t = info(r.spec ?? {}, s);
        const n = nodeInfo(r.node ?? {});
        r.prep?.(n);
        const got = !filter.enabled(t) ? "disabled" : filter.check(t, n) ? "pass" : "fail";
        assert.equal(got, r.want);
      });
    }
    for (const [count, text] of explained) it(`explains ${count}`, () => assert.equal(filter.explain(count), text));
  });
}

const other = (cpu: number, mem: number, ports: string[] = []) => ({
  id: "o", serviceId: "other", spec: { ContainerSpec: { Image: "x" } }, constraints: [], hostPorts: ports, nanoCpus: cpu, memoryBytes: mem,
});
const mine = () => ({ ...other(0, 0), serviceId: "svc" });

runTable(readyFilter, [
  { name: "ready active", want: "pass" },
  { name: "down", node: { state: "down" }, want: "fail" },
  { name: "unknown", node: { state: "unknown" }, want: "fail" },
  { name: "disconnected", node: { state: "disconnected" }, want: "fail" },
  { name: "pause", node: { availability: "pause" }, want: "fail" },
  { name: "drain", node: { availability: "drain" }, want: "fail" },
], [[1, "1 node not available for new tasks"], [2, "2 nodes not available for new tasks"]]);

const reserve = (cpu: number, mem: number): Partial<TaskSpec> => ({ Resources: { Reservations: { NanoCPUs: cpu, MemoryBytes: mem } } });
runTable(resourcesFilter, [
  { name: "no reservations", want: "disabled" },
  { name: "fits", spec: reserve(2e9, 4 * GiB), want: "pass" },
  { name: "exactly fits", spec: reserve(4e9, 8 * GiB), want: "pass" },
  { name: "too much cpu", spec: reserve(5e9, 0), want: "fail" },
  { name: "too much memory", spec: reserve(0, 9 * GiB), want: "fail" },
  { name: "others' reservations count", spec: reserve(2e9, 0), prep: (n) => n.add(other(3e9, 0), true), want: "fail" },
  { name: "node without description", spec: reserve(1e9, 0), node: { description: undefined }, want: "fail" },
], [[3, "insufficient resources on 3 nodes"], [1, "insufficient resources on 1 node"]]);

const constrained = (...c: string[]): Partial<TaskSpec> => ({ Placement: { Constraints: c } });
runTable(constraintFilter, [
  { name: "none", want: "disabled" },
  { name: "only soft ones", spec: constrained("node.labels.zone==~a"), want: "disabled" },
  { name: "matches", spec: constrained("node.labels.zone==a", "node.role!=manager"), node: { labels: { zone: "a" } }, want: "pass" },
  { name: "one of two fails", spec: constrained("node.labels.zone==a", "node.role==manager"), node: { labels: { zone: "a" } }, want: "fail" },
  { name: "soft ones do not fail", spec: constrained("node.labels.zone==a", "node.labels.x==~y"), node: { labels: { zone: "a" } }, want: "pass" },
], [[1, "scheduling constraints not satisfied on 1 node"], [4, "scheduling constraints not satisfied on 4 nodes"]]);

const platforms = (...p: { OS?: string; Architecture?: string }[]): Partial<TaskSpec> => ({ Placement: { Platforms: p } });
const arm = { description: desc({ architecture: "aarch64" }) } as Partial<NV>;
runTable(platformFilter, [
  { name: "none", want: "disabled" },
  { name: "amd64 ≡ x86_64", spec: platforms({ OS: "linux", Architecture: "amd64" }), want: "pass" },
  { name: "arm64 ≡ aarch64", spec: platforms({ Architecture: "arm64" }), node: arm, want: "pass" },
  { name: "empty field is a wildcard", spec: platforms({ OS: "linux" }), node: arm, want: "pass" },
  { name: "any of several", spec: platforms({ OS: "windows" }, { Architecture: "arm64" }), node: arm, want: "pass" },
  { name: "wrong os", spec: platforms({ OS: "windows", Architecture: "amd64" }), want: "fail" },
  { name: "wrong arch", spec: platforms({ Architecture: "arm64" }), want: "fail" },
], [[1, "unsupported platform on 1 node"], [2, "unsupported platform on 2 nodes"]]);

describe("normaliseArch", () => {
  for (const [a, b] of [["x86_64", "amd64"], ["aarch64", "arm64"], ["AMD64", "amd64"], ["s390x", "s390x"]]) {
    it(`${a} → ${b}`, () => assert.equal(normaliseArch(a!), b));
  }
});

runTable(hostPortFilter, [
  { name: "no ports", want: "disabled" },
  { name: "ingress port", ports: [{ PublishMode: "ingress", PublishedPort: 80, TargetPort: 80 }], want: "disabled" },
  { name: "host port without a published port", ports: [{ PublishMode: "host", TargetPort: 80 }], want: "disabled" },
  { name: "free host port", ports: [{ PublishMode: "host", PublishedPort: 8080, TargetPort: 80 }], want: "pass" },
  { name: "taken", ports: [{ PublishMode: "host", PublishedPort: 8080, TargetPort: 80 }], prep: (n) => n.add(other(0, 0, ["tcp/8080"]), true), want: "fail" },
  { name: "same port, other protocol", ports: [{ PublishMode: "host", PublishedPort: 8080, TargetPort: 80, Protocol: "udp" }], prep: (n) => n.add(other(0, 0, ["tcp/8080"]), true), want: "pass" },
], [[1, "host-mode port already in use on 1 node"], [2, "host-mode port already in use on 2 nodes"]]);

const maxPer = (m: number): Partial<TaskSpec> => ({ Placement: { MaxReplicas: m } });
runTable(maxReplicasFilter, [
  { name: "unset", want: "disabled" },
  { name: "zero = unlimited", spec: maxPer(0), want: "disabled" },
  { name: "below the limit", spec: maxPer(2), prep: (n) => n.add(mine(), true), want: "pass" },
  { name: "at the limit", spec: maxPer(2), prep: (n) => { n.add(mine(), true); n.add(mine(), true); }, want: "fail" },
  { name: "other services do not count", spec: maxPer(1), prep: (n) => n.add(other(0, 0), true), want: "pass" },
], [[1, "max replicas per node limit exceed"], [3, "max replicas per node limit exceed"]]);
