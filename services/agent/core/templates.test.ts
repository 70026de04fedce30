import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { NodeTaskDoc } from "../../../schemas/index.js";
import { expandTemplates, TemplateError } from "./templates.js";

const node = { hostname: "host-a", os: "linux", architecture: "x86_64" };
function doc(container: Partial<NodeTaskDoc["spec"]["ContainerSpec"]>, slot = 2): NodeTaskDoc {
  return {
    taskId: "t1", serviceId: "s1", serviceName: "web", slot, nodeId: "n1",
    spec: { ContainerSpec: { Image: "i", ...container } }, desiredState: "running", version: 1, removed: false,
  };
}

describe("service templates", () => {
  it("expands Hostname, Env and mount Source/Target with the task's and node's values", () => {
    const c = expandTemplates(doc({
      Hostname: "{{.Service.Name}}-{{.Task.Slot}}-{{ .Node.Hostname }}",
      Env: ["ID={{.Task.ID}}", "NAME={{.Task.Name}}", "NODE={{.Node.ID}}/{{.Node.Platform.OS}}/{{.Node.Platform.Architecture}}", "PLAIN=x"],
      Mounts: [{ Type: "volume", Source: "data-{{.Task.Slot}}", Target: "/data/{{.Service.ID}}" }, { Type: "tmpfs", Target: "/t" }],
    }), node).ContainerSpec;
    assert.equal(c.Hostname, "web-2-host-a");
    assert.deepEqual(c.Env, ["ID=t1", "NAME=web.2.t1", "NODE=n1/linux/x86_64", "PLAIN=x"]);
    assert.deepEqual(c.Mounts, [{ Type: "volume", Source: "data-2", Target: "/data/s1" }, { Type: "tmpfs", Target: "/t" }]);
  });
  it("a global task's slot is its node id (swarmkit), as in its name", () => {
    assert.equal(expandTemplates(doc({ Hostname: "{{.Task.Slot}}:{{.Task.Name}}" }, 0), node).ContainerSpec.Hostname, "n1:web.n1.t1");
  });
  it("an unsupported placeholder fails, naming the field", () => {
    assert.throws(() => expandTemplates(doc({ Env: ["X={{.Service.Nope}}"] }), node), (e: unknown) =>
      e instanceof TemplateError && /failed to expand env: template: unsupported placeholder \{\{\.Service\.Nope\}\}/.test(e.message));
    assert.throws(() => expandTemplates(doc({ Hostname: '{{index .Service.Labels "k"}}' }), node), /failed to expand hostname/);
  });
});
