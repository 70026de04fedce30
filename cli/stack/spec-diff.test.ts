import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ServiceSpec } from "../../schemas/index.js";
import { canonical, parseResolveImage, specChanged } from "./spec-diff.js";

const written: ServiceSpec = {
  Name: "web_api",
  TaskTemplate: {
    ContainerSpec: {
      Image: "busybox:1",
      Secrets: [{ SecretID: "web_pw", SecretName: "web_pw", File: { Name: "pw", UID: "0", GID: "0", Mode: 0o444 } }],
      Configs: [{ ConfigID: "web_page", ConfigName: "web_page", File: { Name: "/www/index.html", UID: "0", GID: "0", Mode: 0o444 } }],
    },
    Networks: [{ Target: "web_default", Aliases: ["api"] }],
  },
};

/** The same spec as the api stores it: ids and versions resolved, networks by id. */
const stored: ServiceSpec = {
  ...written,
  TaskTemplate: {
    ContainerSpec: {
      Image: "busybox:1",
      Secrets: [{ SecretID: "s1d", SecretName: "web_pw", Version: 1, File: { Name: "pw", UID: "0", GID: "0", Mode: 0o444 } }],
      Configs: [{ ConfigID: "c1d", ConfigName: "web_page", Version: 2, File: { Name: "/www/index.html", UID: "0", GID: "0", Mode: 0o444 } }],
    },
    Networks: [{ Target: "n1d", Aliases: ["api"] }],
  },
};
const names = new Map([["n1d", "web_default"]]);

describe("spec comparison", () => {
  it("what the api resolves (network ids, reference ids and versions) is not a change", () => {
    assert.equal(specChanged(stored, written, names), false);
  });
  it("a changed field, a network or a reference target is a change", () => {
    const env = { ...written, TaskTemplate: { ...written.TaskTemplate, ContainerSpec: { ...written.TaskTemplate.ContainerSpec, Env: ["A=1"] } } };
    assert.equal(specChanged(stored, env, names), true);
    assert.equal(specChanged(stored, { ...written, TaskTemplate: { ...written.TaskTemplate, Networks: [{ Target: "other" }] } }, names), true);
    const c = written.TaskTemplate.ContainerSpec;
    const moved = { ...written, TaskTemplate: { ...written.TaskTemplate, ContainerSpec: { ...c, Secrets: [{ ...c.Secrets![0]!, File: { Name: "pw2", UID: "0", GID: "0", Mode: 0o444 } }] } } };
    assert.equal(specChanged(stored, moved, names), true);
  });
  it("key order and undefined members do not matter", () => {
    assert.equal(canonical({ b: 1, a: { d: undefined, c: [2, { y: 1, x: 0 }] } }), '{"a":{"c":[2,{"x":0,"y":1}]},"b":1}');
  });
  it("a spec the api would refuse is named", () => {
    assert.throws(() => specChanged(stored, { ...written, TaskTemplate: { ContainerSpec: { Image: "" } } }, names), { message: /^service web_api: TaskTemplate\.ContainerSpec\.Image/ });
  });
  it("--resolve-image takes docker's three values", () => {
    assert.equal(parseResolveImage("changed"), "changed");
    assert.throws(() => parseResolveImage("sometimes"), { message: "Invalid option sometimes for flag --resolve-image" });
  });
});
