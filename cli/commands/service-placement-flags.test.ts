import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ServiceSpec } from "../../schemas/index.js";
import {
  applyPlacementFlags, maxPerNodeSuffix, parseCpus, parseMemory, parsePlacementPref, parsePublish,
} from "./service-placement-flags.js";

const base = (): ServiceSpec => ({ Name: "web", TaskTemplate: { ContainerSpec: { Image: "img" } } });

describe("scheduling flags", () => {
  it("memory sizes like docker (binary units)", () => {
    const table: [string, number][] = [["512", 512], ["512b", 512], ["4k", 4096], ["4KiB", 4096], ["64m", 64 * 2 ** 20],
      ["64MiB", 64 * 2 ** 20], ["64MB", 64 * 2 ** 20], ["1.5g", 1.5 * 2 ** 30], ["2GiB", 2 * 2 ** 30]];
    for (const [v, want] of table) assert.equal(parseMemory("--reserve-memory", v), want, v);
    assert.throws(() => parseMemory("--reserve-memory", "lots"), { message: `invalid argument "lots" for "--reserve-memory" flag: invalid size: 'lots'` });
    assert.throws(() => parseMemory("--limit-memory", "64X"), /"--limit-memory" flag/);
  });

  it("cpus as decimals", () => {
    assert.equal(parseCpus("--reserve-cpu", "0.5"), 500_000_000);
    assert.equal(parseCpus("--limit-cpu", "2"), 2_000_000_000);
    assert.throws(() => parseCpus("--limit-cpu", "-1"), /"--limit-cpu" flag: failed to parse -1 as a rational number/);
  });

  it("publish: long and short forms; bad ones named", () => {
    assert.deepEqual(parsePublish("published=8080,target=80,mode=host"), { TargetPort: 80, PublishedPort: 8080, PublishMode: "host" });
    assert.deepEqual(parsePublish("published=53,target=53,mode=host,protocol=udp"),
      { TargetPort: 53, PublishedPort: 53, PublishMode: "host", Protocol: "udp" });
    assert.deepEqual(parsePublish("8080:80"), { TargetPort: 80, PublishedPort: 8080, PublishMode: "ingress" });
    assert.deepEqual(parsePublish("80/udp"), { TargetPort: 80, PublishMode: "ingress", Protocol: "udp" });
    assert.throws(() => parsePublish("published=8080,mode=host"), /missing mandatory field "target"/);
    assert.throws(() => parsePublish("target=80,colour=red"), /invalid field key colour/);
    assert.throws(() => parsePublish("target=80,mode=bridge"), /invalid publish mode value \(bridge\)/);
    assert.throws(() => parsePublish("80:70000"), /target port must be 1-65535/);
  });

  it("placement preferences: only spread", () => {
    assert.deepEqual(parsePlacementPref("spread=node.labels.zone"), { Spread: { SpreadDescriptor: "node.labels.zone" } });
    assert.throws(() => parsePlacementPref("pack=node.labels.zone"), /only spread is supported/);
    assert.throws(() => parsePlacementPref("spread"), /expected spread=<descriptor>/);
  });

  it("create: a sparse spec that the api's schema accepts", () => {
    const spec = applyPlacementFlags(base(), {
      constraint: ["node.labels.zone==a"], placementPref: ["spread=node.labels.rack"], placementStrategy: "binpack",
      replicasMaxPerNode: "1", reserveCpu: "0.5", reserveMemory: "64MiB", limitCpu: "1", limitMemory: "128m", limitPids: "100",
      publish: ["published=8080,target=80,mode=host"],
    });
    assert.deepEqual(spec.TaskTemplate.Placement, {
      Constraints: ["node.labels.zone==a"], Preferences: [{ Spread: { SpreadDescriptor: "node.labels.rack" } }], Strategy: "binpack", MaxReplicas: 1,
    });
    assert.deepEqual(spec.TaskTemplate.Resources, {
      Limits: { NanoCPUs: 1e9, MemoryBytes: 128 * 2 ** 20, Pids: 100 }, Reservations: { NanoCPUs: 5e8, MemoryBytes: 64 * 2 ** 20 },
    });
    assert.deepEqual(spec.EndpointSpec, { Ports: [{ TargetPort: 80, PublishedPort: 8080, PublishMode: "host" }] });
    assert.ok(ServiceSpec.safeParse(spec).success);
    assert.deepEqual(applyPlacementFlags(base(), { constraint: [], publish: [] }), base(), "no flags: nothing added");
  });

  it("create: ingress is the default mode (short and long forms), host when asked", () => {
    assert.deepEqual(applyPlacementFlags(base(), { publish: ["8080:80", "published=9090,target=90", "published=7070,target=70,mode=host"] }).EndpointSpec?.Ports, [
      { TargetPort: 80, PublishedPort: 8080, PublishMode: "ingress" }, { TargetPort: 90, PublishedPort: 9090, PublishMode: "ingress" },
      { TargetPort: 70, PublishedPort: 7070, PublishMode: "host" }]);
  });

  it("update: rm before add, no duplicates; an emptied placement disappears", () => {
    const current = applyPlacementFlags(base(), { constraint: ["node.role==worker", "node.labels.zone==a"], placementPref: ["spread=node.labels.rack"],
      publish: ["published=8080,target=80,mode=host", "published=53,target=53,mode=host,protocol=udp"] });
    const next = applyPlacementFlags(current, {
      constraintRm: ["node.labels.zone==a"], constraintAdd: ["node.labels.zone==b", "node.role==worker"],
      placementPrefRm: ["spread=node.labels.rack"], publishRm: ["53/udp"], publishAdd: ["published=9090,target=90,mode=host"],
    });
    assert.deepEqual(next.TaskTemplate.Placement, { Constraints: ["node.role==worker", "node.labels.zone==b"] });
    assert.deepEqual(next.EndpointSpec?.Ports?.map((p) => p.PublishedPort), [8080, 9090]);
    const cleared = applyPlacementFlags(next, { constraintRm: ["node.role==worker", "node.labels.zone==b"], publishRm: ["80", "90"] });
    assert.equal(cleared.TaskTemplate.Placement, undefined);
    assert.equal(cleared.EndpointSpec, undefined);
    assert.equal(applyPlacementFlags(current, { replicasMaxPerNode: "0" }).TaskTemplate.Placement?.MaxReplicas, undefined);
  });

  it("service ls suffix for max replicas per node (replicated only)", () => {
    const s = applyPlacementFlags({ ...base(), Mode: { Replicated: { Replicas: 3 } } }, { replicasMaxPerNode: "1" });
    assert.equal(maxPerNodeSuffix(s), " (max 1 per node)");
    assert.equal(maxPerNodeSuffix(base()), "");
    assert.equal(maxPerNodeSuffix({ ...s, Mode: { Global: {} } }), "");
  });
});
