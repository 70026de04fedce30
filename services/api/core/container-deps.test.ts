import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CLASSIC_DEPS_LABEL, type ServiceSpec } from "../../../schemas/index.js";
import type { ServiceView } from "../../shared/model/index.js";
import { checkOwnLabel, dependencies, dependencyRefs, dependencyView, linkedDependents, resolveDependencies } from "./container-deps.js";
import { ContainerCreateBody, containerServiceSpec } from "./container-spec.js";

/* --volumes-from, --link, --net=container: from Docker's create body to the recorded targets. */

const body = (HostConfig: object) => ContainerCreateBody.parse({ Image: "img", HostConfig });
const known: Record<string, { id: string; name: string }> = { data: { id: "s1", name: "data" }, db: { id: "s2", name: "db" }, s2: { id: "s2", name: "db" } };
const find = (ref: string) => {
  const c = known[ref];
  if (!c) throw new Error(`no such container: ${ref}`);
  return c;
};

describe("classic container dependencies", () => {
  it("parses Docker's forms and names the targets for placement", () => {
    const b = body({ VolumesFrom: ["data:ro", "db"], Links: ["/db:/me/database", "data"] });
    assert.deepEqual(dependencyRefs(b), {
      volumesFrom: [{ ref: "data", mode: "ro" }, { ref: "db" }], links: [{ ref: "db", alias: "database" }, { ref: "data", alias: "data" }],
    });
    assert.deepEqual(dependencies(b), ["data", "db", "db", "data"]);
    assert.deepEqual(dependencies(body({ NetworkMode: "container:s2" })), ["s2"]);
  });

  it("refuses malformed forms and links with a container network, by name", () => {
    assert.throws(() => dependencyRefs(body({ VolumesFrom: ["data:zz"] })), /HostConfig.VolumesFrom: "data:zz" must be NAME\[:ro\|rw\]/);
    assert.throws(() => dependencyRefs(body({ Links: ["db:"] })), /HostConfig.Links: "db:" must be NAME\[:ALIAS\]/);
    assert.throws(() => dependencyRefs(body({ NetworkMode: "container:" })), /container: needs a container name or id/);
    assert.throws(() => dependencyRefs(body({ NetworkMode: "container:db", Links: ["db"] })), /Conflicting options: container type network can't be used with links/);
  });

  it("records the resolved targets on the spec for the agent, and shows them in inspect's form", () => {
    const b = body({ VolumesFrom: ["data:ro"], NetworkMode: "container:s2" });
    const deps = resolveDependencies(dependencyRefs(b), find);
    assert.deepEqual(deps, { volumesFrom: [{ id: "s1", name: "data", mode: "ro" }], network: { id: "s2", name: "db" } });
    const spec = containerServiceSpec("app", b, [], ["node.id==n1"], deps);
    assert.deepEqual(JSON.parse(spec.TaskTemplate.ContainerSpec.Labels![CLASSIC_DEPS_LABEL]!), deps);
    assert.deepEqual(dependencyView(spec), { VolumesFrom: ["data:ro"], NetworkMode: "container:s2" });
    const linked = containerServiceSpec("app", body({ Links: ["db:database"] }), [], [], resolveDependencies(dependencyRefs(body({ Links: ["db:database"] })), find));
    assert.deepEqual(dependencyView(linked), { Links: ["/db:/app/database"] });
  });

  it("no dependencies: nothing recorded; an unknown target is refused", () => {
    assert.equal(resolveDependencies(dependencyRefs(body({})), find), undefined);
    assert.equal(containerServiceSpec("app", body({}), [], []).TaskTemplate.ContainerSpec.Labels, undefined);
    assert.throws(() => resolveDependencies(dependencyRefs(body({ VolumesFrom: ["ghost"] })), find), /no such container: ghost/);
  });

  it("a started container that links to a target or shares its network follows it; volume users and stopped ones do not", () => {
    const view = (id: string, hc: object, replicas = 1, removed = false): ServiceView => {
      const spec = containerServiceSpec(id, body(hc), [], [], resolveDependencies(dependencyRefs(body(hc)), find));
      return { id, spec: { ...spec, Mode: { Replicated: { Replicas: replicas } } }, removed } as unknown as ServiceView;
    };
    const all = [view("linker", { Links: ["db:database"] }), view("netter", { NetworkMode: "container:db" }), view("reader", { VolumesFrom: ["db"] }),
      view("stopped", { Links: ["db"] }, 0), view("gone", { Links: ["db"] }, 1, true), view("other", { Links: ["data"] })];
    assert.deepEqual(linkedDependents(all, "s2"), ["linker", "netter"]);
    const plain = { id: "svc", spec: { Name: "svc", TaskTemplate: { ContainerSpec: { Image: "img", Labels: { [CLASSIC_DEPS_LABEL]: "{}" } } } }, removed: false };
    assert.deepEqual(linkedDependents([plain as unknown as ServiceView], "s2"), [], "a service is not a classic container");
  });

  it("the classic-deps label is jetswarm's: a service may not set it, an update may only keep it", () => {
    const spec = (deps?: string): ServiceSpec => ({ Name: "svc", TaskTemplate: { ContainerSpec: { Image: "img", ...(deps ? { Labels: { [CLASSIC_DEPS_LABEL]: deps } } : {}) } } });
    assert.throws(() => checkOwnLabel(spec("{}")), /TaskTemplate.ContainerSpec.Labels: jetswarm.classic.deps is jetswarm's own label/);
    assert.throws(() => checkOwnLabel(spec("{\"links\":[]}"), spec("{}")), /jetswarm.classic.deps is jetswarm's own label/);
    assert.doesNotThrow(() => checkOwnLabel(spec("{}"), spec("{}")));
    assert.doesNotThrow(() => checkOwnLabel(spec()));
  });
});
