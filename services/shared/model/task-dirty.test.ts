import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ServiceSpec, TaskSpec } from "../../../schemas/index.js";
import { isTaskDirty, sameJson } from "./task-dirty.js";
import type { ServiceView } from "./service.js";
import type { TaskView } from "./task.js";

const template: TaskSpec = { ContainerSpec: { Image: "busybox:1", Args: ["sleep", "9"] } };
const service = (spec: Partial<ServiceSpec>, specVersion: number): ServiceView =>
  ({ id: "s1", spec: { Name: "web", TaskTemplate: template, ...spec }, specVersion, createdAt: "", updatedAt: "", removed: false });
const task = (spec: TaskSpec, specVersion: number): TaskView => ({
  id: "t1", serviceId: "s1", serviceName: "web", slot: 1, spec, specVersion, desiredState: "running", state: "running",
  message: "", statusAt: "", createdAt: "", updatedAt: "",
});

describe("sameJson", () => {
  it("compares JSON values deeply; an absent key equals an undefined one", () => {
    assert.equal(sameJson({ a: [1, { b: "x" }] }, { a: [1, { b: "x" }] }), true);
    assert.equal(sameJson({ a: 1, b: undefined }, { a: 1 }), true);
    assert.equal(sameJson({ a: [1, 2] }, { a: [2, 1] }), false, "arrays keep their order");
    assert.equal(sameJson({ a: [1] }, { a: { 0: 1 } }), false, "an array is no object");
    assert.equal(sameJson({ a: null }, { a: {} }), false);
    assert.equal(sameJson({ a: 1 }, { a: "1" }), false);
  });
});

describe("isTaskDirty (Swarm's IsTaskDirty)", () => {
  it("a task of the service's current spec version is never dirty", () => {
    assert.equal(isTaskDirty(task({ ContainerSpec: { Image: "other" } }, 3), service({}, 3)), false);
  });
  it("a task of an older version is dirty only if its TaskSpec differs from the template", () => {
    assert.equal(isTaskDirty(task(template, 2), service({ Labels: { a: "b" } }, 3)), false, "a label change leaves it up to date");
    assert.equal(isTaskDirty(task(template, 2), service({ TaskTemplate: { ...template, ForceUpdate: 1 } }, 3)), true);
    assert.equal(isTaskDirty(task(template, 2), service({ TaskTemplate: { ContainerSpec: { Image: "busybox:2" } } }, 3)), true);
  });
});
