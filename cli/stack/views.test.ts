import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { NAMESPACE_LABEL } from "./objects.js";
import { checkStackName, composeFiles, naturalCompare, stackRows, withLabels } from "./views.js";

const svc = (ID: string, stack?: string, labels: Record<string, string> = {}) =>
  ({ ID, Spec: { Name: ID, Labels: { ...labels, ...(stack ? { [NAMESPACE_LABEL]: stack } : {}) }, TaskTemplate: { ContainerSpec: { Image: "x" } } } });

describe("stack views", () => {
  it("stack ls counts services per namespace label, stacks in natural order", () => {
    assert.deepEqual(stackRows([svc("a", "web10"), svc("b", "web2"), svc("c", "web10"), svc("d", "db")]), [["db", "1"], ["web2", "1"], ["web10", "2"]]);
    assert.throws(() => stackRows([svc("x")]), { message: `cannot get label ${NAMESPACE_LABEL} for service x` });
  });
  it("natural order compares digit runs as numbers", () => {
    assert.deepEqual(["a10", "a9", "a", "b1", "a9x"].sort(naturalCompare), ["a", "a9", "a9x", "a10", "b1"]);
  });
  it("label filters are ANDed (docker's), key alone means present", () => {
    const items = [svc("a", "s", { tier: "web", env: "prod" }), svc("b", "s", { tier: "web" }), svc("c", "s", { env: "prod" })];
    assert.deepEqual(withLabels(items, ["tier=web", "env"]).map((x) => x.ID), ["a"]);
    assert.deepEqual(withLabels(items, []).map((x) => x.ID), ["a", "b", "c"]);
  });
  it("stack names: docker's check; compose files: repeated or comma-separated", () => {
    assert.equal(checkStackName("web"), "web");
    assert.throws(() => checkStackName(" '' "), { message: `invalid stack name: " '' "` });
    assert.deepEqual(composeFiles(["a.yml,b.yml", "c.yml"]), ["a.yml", "b.yml", "c.yml"]);
    assert.throws(() => composeFiles([]), { message: "Specify a Compose file (with --compose-file)" });
  });
});
