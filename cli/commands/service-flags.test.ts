import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { buildCreateSpec, generatedName, parseFilterFlags, parseScale, parseUint } from "./service-flags.js";

const flags = (o: Partial<Parameters<typeof buildCreateSpec>[2]> = {}) => ({ env: [], label: [], ...o });

describe("service flags", () => {
  it("builds a sparse spec: only what the user set", () => {
    assert.deepEqual(buildCreateSpec("busybox:1", [], flags({ name: "web" }), () => "x"),
      { Name: "web", TaskTemplate: { ContainerSpec: { Image: "busybox:1" } } });
  });
  it("repeated -e and --label, CMD and ARGs, --replicas", () => {
    const spec = buildCreateSpec("busybox:1", ["sh", "-c", "sleep 1"],
      flags({ name: "web", env: ["A=1", "B=2"], label: ["tier=front", "solo"], replicas: "3" }), () => "x");
    assert.deepEqual(spec, {
      Name: "web", Labels: { tier: "front", solo: "" }, Mode: { Replicated: { Replicas: 3 } },
      TaskTemplate: { ContainerSpec: { Image: "busybox:1", Args: ["sh", "-c", "sleep 1"], Env: ["A=1", "B=2"] } },
    });
  });
  it("a generated name when --name is absent; global mode", () => {
    const spec = buildCreateSpec("img", [], flags({ mode: "global" }), () => "festive_turing");
    assert.equal(spec.Name, "festive_turing");
    assert.deepEqual(spec.Mode, { Global: {} });
    assert.match(generatedName(() => 0.5), /^[a-z]+_[a-z]+$/);
  });
  it("refuses an invalid --replicas clearly", () => {
    assert.throws(() => buildCreateSpec("img", [], flags({ replicas: "three" }), () => "x"),
      { message: `invalid argument "three" for "--replicas" flag: expected a non-negative integer` });
    assert.throws(() => parseUint("--replicas", "-1"), /--replicas/);
    assert.throws(() => buildCreateSpec("img", [], flags({ mode: "global", replicas: "2" }), () => "x"), /replicated mode/);
    assert.throws(() => buildCreateSpec("img", [], flags({ mode: "job" }), () => "x"), /--mode/);
  });
  it("parses scale specifiers", () => {
    assert.deepEqual(parseScale("web=5"), { service: "web", replicas: 5 });
    assert.throws(() => parseScale("web"), /invalid scale specifier 'web'/);
    assert.throws(() => parseScale("web=x"), /invalid replicas value x/);
  });
  it("parses -f filters, refusing unknown keys", () => {
    assert.deepEqual(parseFilterFlags(["desired-state=running", "desired-state=ready"], ["desired-state"]),
      { "desired-state": ["running", "ready"] });
    assert.throws(() => parseFilterFlags(["colour=red"], ["name"]), /invalid filter 'colour'/);
    assert.throws(() => parseFilterFlags(["oops"], ["name"]), /expected name=value/);
  });
});
