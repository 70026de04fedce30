import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ServiceSpec } from "../../schemas/index.js";
import { planDeploy, type Existing, type Step } from "./deploy-plan.js";
import { IMAGE_LABEL, NAMESPACE_LABEL, type StackObjects } from "./objects.js";

/* Given what exists, when a stack is deployed, then these steps (docker's lines) or this refusal. */

const ns = { [NAMESPACE_LABEL]: "web" };
const spec = (name: string, image = "busybox:1", over: Partial<ServiceSpec["TaskTemplate"]> = {}): ServiceSpec => ({
  Name: name, Labels: { ...ns, [IMAGE_LABEL]: image },
  TaskTemplate: { ContainerSpec: { Image: image, Labels: ns }, Networks: [{ Target: "web_default", Aliases: [name.slice(4)] }], ...over },
  Mode: { Replicated: { Replicas: 1 } },
});
const b64 = (s: string) => Buffer.from(s).toString("base64");

function stack(over: Partial<StackObjects> = {}): StackObjects {
  return {
    namespace: "web",
    services: [{ name: "web_api", spec: spec("web_api") }, { name: "web_worker", spec: spec("web_worker") }],
    networks: [{ name: "web_default", external: false, create: { Name: "web_default", Labels: ns } }],
    secrets: [{ name: "web_pw", external: false, create: { Name: "web_pw", Labels: ns, Data: b64("hunter2") } }],
    configs: [{ name: "web_page", external: false, create: { Name: "web_page", Labels: ns, Data: b64("<h1>hi</h1>") } }],
    ...over,
  };
}

const nothing = (): Existing => ({ services: [], stackNetworks: [], networks: [], secrets: new Map(), configs: new Map() });

/** As the api answers a deployed `web` stack: networks by id, references resolved with ids and versions. */
function deployed(): Existing {
  const stored = (name: string, id: string) => {
    const s = spec(name);
    return { ID: id, Version: { Index: 7 }, Spec: { ...s, TaskTemplate: { ...s.TaskTemplate, Networks: [{ Target: "net1", Aliases: [name.slice(4)] }] } } };
  };
  return {
    services: [stored("web_api", "svc1"), stored("web_worker", "svc2")],
    stackNetworks: ["web_default"],
    networks: [{ Id: "net1", Name: "web_default" }],
    secrets: new Map([["web_pw", { size: 7 }]]),
    configs: new Map([["web_page", { data: b64("<h1>hi</h1>") }]]),
  };
}

const lines = (steps: Step[]) => steps.map((s) => s.line);
const kinds = (steps: Step[]) => steps.map((s) => s.do);
const opts = { prune: false, resolveImage: "always" as const };

describe("stack deploy plan", () => {
  it("a first deploy creates networks, then secrets, configs and services (overlay unless the file says)", () => {
    const steps = planDeploy(stack(), nothing(), opts);
    assert.deepEqual(lines(steps), [
      "Creating network web_default", "Creating secret web_pw", "Creating config web_page", "Creating service web_api", "Creating service web_worker",
    ]);
    assert.deepEqual(steps[0], { do: "create-network", body: { Name: "web_default", Labels: ns, Driver: "overlay" }, line: "Creating network web_default" });
  });

  it("a redeploy of the same file writes nothing: docker's Updating lines, versions kept", () => {
    const steps = planDeploy(stack(), deployed(), opts);
    assert.deepEqual(kinds(steps), ["keep-service", "keep-service"]);
    assert.deepEqual(lines(steps), ["Updating service web_api (id: svc1)", "Updating service web_worker (id: svc2)"]);
  });

  it("a redeploy with one service changed updates only that one, at the version read", () => {
    const s = stack();
    s.services[1] = { name: "web_worker", spec: spec("web_worker", "busybox:1", { ContainerSpec: { Image: "busybox:1", Labels: ns, Env: ["N=2"] } }) };
    const steps = planDeploy(s, deployed(), opts);
    assert.deepEqual(kinds(steps), ["keep-service", "update-service"]);
    const upd = steps[1] as Extract<Step, { do: "update-service" }>;
    assert.equal(upd.id, "svc2");
    assert.equal(upd.version, 7);
    assert.deepEqual(upd.spec.TaskTemplate.ContainerSpec.Env, ["N=2"]);
  });

  it("--prune removes the namespace's services the file no longer names, first", () => {
    const s = stack({ services: [{ name: "web_api", spec: spec("web_api") }] });
    assert.deepEqual(lines(planDeploy(s, deployed(), { ...opts, prune: true })), ["Removing service web_worker", "Updating service web_api (id: svc1)"]);
    assert.deepEqual(kinds(planDeploy(s, deployed(), opts)), ["keep-service"]);
  });

  it("an external network that does not exist is refused in docker's words, before any write", () => {
    const s = stack({ networks: [{ name: "outside", external: true }] });
    assert.throws(() => planDeploy(s, nothing(), opts),
      { message: 'network "outside" is declared as external, but could not be found. You need to create a swarm-scoped network before the stack is deployed' });
    assert.equal(planDeploy(s, { ...nothing(), networks: [{ Id: "n9", Name: "outside" }] }, opts).some((x) => x.do === "create-network"), false);
  });

  it("a secret or config whose content changed is refused as Swarm refuses it (only labels may change)", () => {
    const s = stack();
    s.secrets[0] = { ...s.secrets[0]!, create: { Name: "web_pw", Labels: ns, Data: b64("a longer password") } };
    assert.throws(() => planDeploy(s, deployed(), opts),
      { message: "failed to update secret web_pw: rpc error: code = InvalidArgument desc = only updates to Labels are allowed" });
    const c = stack();
    c.configs[0] = { ...c.configs[0]!, create: { Name: "web_page", Labels: ns, Data: b64("<h1>ho</h1>") } };
    assert.throws(() => planDeploy(c, deployed(), opts), { message: /failed to update config web_page: .*only updates to Labels are allowed/ });
  });

  it("external secrets and configs must exist; they are never created", () => {
    const s = stack({ secrets: [{ name: "shared_pw", external: true }], configs: [] });
    assert.throws(() => planDeploy(s, nothing(), opts), { message: "secret not found: shared_pw" });
    const ok = planDeploy(s, { ...nothing(), secrets: new Map([["shared_pw", { size: 3 }]]) }, opts);
    assert.equal(ok.some((x) => x.do === "create-secret"), false);
  });

  it("--resolve-image changed|never keeps the stored (resolved) image when the file's image is unchanged", () => {
    const have = deployed();
    have.services[0]!.Spec.TaskTemplate.ContainerSpec.Image = "busybox:1@sha256:abc";
    assert.deepEqual(kinds(planDeploy(stack(), have, { ...opts, resolveImage: "never" })), ["keep-service", "keep-service"]);
    const always = planDeploy(stack(), have, opts);
    assert.equal(always[0]!.do, "update-service");
    assert.equal((always[0] as Extract<Step, { do: "update-service" }>).spec.TaskTemplate.ContainerSpec.Image, "busybox:1");
  });

  it("the stored ForceUpdate is kept (stack deploy has no --force)", () => {
    const have = deployed();
    have.services[0]!.Spec.TaskTemplate.ForceUpdate = 3;
    assert.deepEqual(kinds(planDeploy(stack(), have, opts)), ["keep-service", "keep-service"]);
  });
});
