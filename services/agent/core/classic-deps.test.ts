import { test } from "node:test";
import assert from "node:assert/strict";
import { CLASSIC_DEPS_LABEL } from "../../../schemas/index.js";
import { classicDeps, dependencyConfig, startingTargets } from "./classic-deps.js";
import { LABELS } from "./container-config.js";
import type { ContainerSummary } from "./executor.js";
import type { TaskRecord } from "./task-machine.js";

const c = (id: string, service: string, state: ContainerSummary["state"], created: number): ContainerSummary =>
  ({ id, name: `n-${id}`, labels: { [LABELS.serviceId]: service }, state, created });

test("no label, no dependencies; a malformed label names itself", () => {
  assert.equal(classicDeps({ a: "b" }), undefined);
  assert.throws(() => classicDeps({ [CLASSIC_DEPS_LABEL]: "{\"links\":[{}]}" }), /jetswarm.classic.deps: links\.0\.id/);
});

test("each target becomes its service's newest running container on the node (else its newest)", () => {
  const deps = classicDeps({ [CLASSIC_DEPS_LABEL]: JSON.stringify({
    volumesFrom: [{ id: "s1", name: "data", mode: "ro" }, { id: "s3", name: "old" }],
    links: [{ id: "s2", name: "db", alias: "database" }],
    network: { id: "s2", name: "db" },
  }) })!;
  const here = [c("a", "s1", "exited", 1), c("b", "s1", "running", 2), c("x", "s1", "exited", 3), c("d", "s2", "running", 1), c("e", "s3", "exited", 5)];
  assert.deepEqual(dependencyConfig(deps, here), { VolumesFrom: ["b:ro", "e"], Links: ["n-d:database"], NetworkMode: "container:d" });
});

test("a volume source without a container on the node is named; a link or network target without one is not running", () => {
  assert.throws(() => dependencyConfig({ volumesFrom: [{ id: "s9", name: "web" }] }, [c("a", "s1", "running", 1)]),
    /--volumes-from web: the container has no engine container on this node/);
  assert.throws(() => dependencyConfig({ links: [{ id: "s9", name: "web", alias: "web" }] }, [c("a", "s1", "running", 1)], "me"),
    /Cannot link to a non running container: \/web AS \/me\/web/);
  assert.throws(() => dependencyConfig({ network: { id: "s9", name: "web" } }, []), /cannot join network of a non running container: web/);
});

test("a link or network target must run (Docker's messages); a stopped volume source still lends its volumes", () => {
  const stopped = [c("a", "s1", "exited", 1)];
  assert.deepEqual(dependencyConfig({ volumesFrom: [{ id: "s1", name: "store" }] }, stopped), { VolumesFrom: ["a"] });
  assert.throws(() => dependencyConfig({ links: [{ id: "s1", name: "store", alias: "db" }] }, stopped, "reader"),
    /^Error: Cannot link to a non running container: \/store AS \/reader\/db$/);
  assert.throws(() => dependencyConfig({ network: { id: "s1", name: "store" } }, stopped, "netter"),
    /^Error: cannot join network of a non running container: store$/);
});

test("the create waits for a link or network target whose task here is starting, not for one that ended or is stopped", () => {
  const rec = (serviceId: string, observed: TaskRecord["observed"], desiredState: TaskRecord["observed"] = "running") =>
    ({ doc: { serviceId, desiredState, removed: false }, observed }) as unknown as TaskRecord;
  const deps = { links: [{ id: "s1", name: "store", alias: "db" }], network: { id: "s2", name: "web" }, volumesFrom: [{ id: "s3", name: "vol" }] };
  const here = [c("a", "s1", "exited", 1), c("b", "s2", "exited", 1)];
  assert.deepEqual(startingTargets(deps, here, [rec("s1", "starting"), rec("s2", "preparing"), rec("s3", "starting")]), ["store", "web"]);
  assert.deepEqual(startingTargets(deps, here, [rec("s1", "failed"), rec("s2", "running"), rec("s1", "assigned", "shutdown")]), []);
  // A target whose new container already runs: nothing to wait for.
  assert.deepEqual(startingTargets(deps, [...here, c("n", "s1", "running", 2)], [rec("s1", "starting")]), []);
});
