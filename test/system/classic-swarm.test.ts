import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { containersOfNode, docker as engine, IMAGE, joinAgent, startTestCluster, type JoinedAgent, type TestCluster } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";

/*
 * Classic Swarm: the cluster as one Docker host. The real docker CLI (`docker` on PATH) talks to
 * the api's socket; three nodes (the manager's agent and two joined agents) share the one engine,
 * each touching only containers labelled with its node id — which is how the test sees where a
 * container really runs.
 */

const run = promisify(execFile);
let c: TestCluster;
let n2: JoinedAgent;
let n3: JoinedAgent;

async function docker(...args: string[]): Promise<string> {
  const socket = c.socketUrl.replace(/^unix:\/\//, "");
  const out = await run("docker", args, { env: { ...process.env, DOCKER_HOST: `unix://${socket}` }, timeout: 60_000 });
  return out.stdout.trim();
}
/** The docker CLI's failure: its stderr. */
async function dockerFails(...args: string[]): Promise<string> {
  try {
    await docker(...args);
  } catch (err) {
    return (err as { stderr?: string }).stderr ?? String(err);
  }
  assert.fail(`docker ${args.join(" ")} succeeded`);
}
const runningOn = async (nodeId: string, name: string) => (await containersOfNode(nodeId, { running: true, service: name })).length === 1;

before(async () => {
  c = await startTestCluster("classic");
  n2 = await joinAgent(c, "classic-n2");
  n3 = await joinAgent(c, "classic-n3");
  await eventually(async () => {
    const nodes = await c.get<Array<{ Status: { State: string } }>>("/nodes");
    return nodes.length === 3 && nodes.every((n) => n.Status.State === "ready");
  }, { what: "three ready nodes", timeoutMs: 60_000 });
  await c.swarm("node", "update", "--label-add", "region=eu-west", n3.nodeId);
});
const VOLUME = `jetswarm-classic-${process.pid}`;
after(async () => {
  await c?.cleanup();
  await engine.getVolume(VOLUME).remove().catch(() => undefined);
});

describe("classic Swarm through the docker CLI", () => {
  it("docker run -e constraint:node==n2 runs the container on n2; ps, inspect, logs show it there", async () => {
    const id = await docker("run", "-d", "--name", "pinned", "--stop-signal", "KILL", "-e", `constraint:node==${n2.name}`, IMAGE, "sh", "-c", "echo hello-classic; sleep 3600");
    assert.match(id, /^[a-z0-9]{10,}$/);
    await eventually(() => runningOn(n2.nodeId, "pinned"), { what: "pinned running on n2's engine", timeoutMs: 30_000 });
    assert.equal((await containersOfNode(c.nodeId, { service: "pinned" })).length, 0);
    assert.equal(await docker("inspect", "-f", "{{.Node.Name}} {{.Name}} {{.Config.Image}}", "pinned"), `${n2.name} /pinned ${IMAGE}`);
    await eventually(async () => (await docker("ps", "--format", "{{.Names}} {{.State}}")).includes(`${n2.name}/pinned running`), { what: "docker ps lists n2/pinned" });
    await eventually(async () => (await docker("logs", "pinned")).includes("hello-classic"), { what: "docker logs" });
    // The constraint is placement, not the container's environment.
    assert.ok(!(await docker("inspect", "-f", "{{json .Config.Env}}", "pinned")).includes("constraint:"));
    assert.ok(!(await c.swarm("service", "ls")).includes("pinned"), "a container is not a service");
  });

  it("a glob label constraint and a container affinity choose their nodes", async () => {
    await docker("run", "-d", "--name", "eu", "-e", "constraint:region==eu-*", IMAGE, "sleep", "3600");
    await eventually(() => runningOn(n3.nodeId, "eu"), { what: "eu running on n3 (region=eu-west)", timeoutMs: 30_000 });
    await docker("run", "-d", "--name", "buddy", "-e", "affinity:container==pinned", IMAGE, "sleep", "3600");
    await eventually(() => runningOn(n2.nodeId, "buddy"), { what: "buddy next to pinned on n2", timeoutMs: 30_000 });
    await docker("run", "-d", "--name", "tagged", "--label", `com.docker.swarm.constraints=["node!=${n2.name}","region!=eu-west"]`, IMAGE, "sleep", "3600");
    await eventually(() => runningOn(c.nodeId, "tagged"), { what: "tagged on the manager's node", timeoutMs: 30_000 });
  });

  it("a container no node satisfies is refused with classic Swarm's message, and nothing is left", async () => {
    const err = await dockerFails("run", "-d", "--name", "nowhere", "-e", "constraint:node==no-such-node", IMAGE, "sleep", "1");
    assert.match(err, /unable to find a node that satisfies the following conditions \[node==no-such-node\]/);
    // Fits no node's resources: the scheduler's reason, and the recorded container is removed again.
    const big = await dockerFails("run", "-d", "--name", "huge", "-m", "1000g", IMAGE, "sleep", "1");
    assert.match(big, /unable to find a node that satisfies the following conditions \[no suitable node \(insufficient resources on 3 nodes\)\]/);
    const all = await docker("ps", "-a", "--format", "{{.Names}}");
    assert.ok(!all.includes("nowhere") && !all.includes("huge"), all);
    // What jetswarm cannot run is refused by name (Docker's 400 with {message}).
    assert.match(await dockerFails("run", "-d", "--privileged", IMAGE, "true"), /HostConfig.Privileged: not supported/);
  });

  it("docker stop / start / restart / rm -f act on the node's container", async () => {
    await docker("stop", "pinned");
    assert.equal(await runningOn(n2.nodeId, "pinned"), false);
    assert.ok(!(await docker("ps", "--format", "{{.Names}}")).includes("pinned"));
    assert.match(await docker("ps", "-a", "--filter", "name=pinned", "--format", "{{.Names}} {{.State}}"), new RegExp(`${n2.name}/pinned exited`));
    await docker("start", "pinned");
    await eventually(() => runningOn(n2.nodeId, "pinned"), { what: "pinned running again on n2", timeoutMs: 30_000 });
    const before = (await containersOfNode(n2.nodeId, { running: true, service: "pinned" }))[0]!.Id;
    await docker("restart", "pinned");
    await eventually(async () => {
      const now = await containersOfNode(n2.nodeId, { running: true, service: "pinned" });
      return now.length === 1 && now[0]!.Id !== before;
    }, { what: "pinned restarted on n2", timeoutMs: 30_000 });
    assert.match(await dockerFails("rm", "pinned"), /You cannot remove a running container/);
    await docker("rm", "-f", "pinned");
    await eventually(async () => (await containersOfNode(n2.nodeId, { service: "pinned" })).length === 0, { what: "pinned's containers removed" });
    assert.match(await dockerFails("inspect", "pinned"), /No such (container|object): pinned/);
  });
});

/** A container's own engine name among the list's Names (which also shows the links to it, `/parent/alias`). */
const ownName = (names: string[]) => names.find((x) => x.lastIndexOf("/") === 0);

/** The node whose engine runs the container (its one running container labelled with the name). */
async function nodeOf(name: string): Promise<string | undefined> {
  for (const id of [c.nodeId, n2.nodeId, n3.nodeId]) if (await runningOn(id, name)) return id;
  return undefined;
}

describe("classic Swarm's engine facts, signals, processes and shared containers (issue #19)", () => {
  it("storagedriver and kernelversion constraints match what the nodes' engine reports", async () => {
    const info = await engine.info() as { Driver: string; KernelVersion: string };
    await docker("run", "-d", "--name", "facts", "-e", `constraint:storagedriver==${info.Driver}`, "-e", `constraint:kernelversion==${info.KernelVersion}`,
      "-e", `constraint:node==${n3.name}`, IMAGE, "sleep", "3600");
    await eventually(() => runningOn(n3.nodeId, "facts"), { what: "facts running on n3", timeoutMs: 30_000 });
    const err = await dockerFails("run", "-d", "--name", "nodriver", "-e", "constraint:storagedriver==nosuch", IMAGE, "sleep", "1");
    assert.match(err, /unable to find a node that satisfies the following conditions \[storagedriver==nosuch\]/);
  });

  it("docker kill -s HUP reaches the process and leaves it running; docker top lists its processes; docker kill ends it", async () => {
    await docker("run", "-d", "--name", "trap", "-e", `constraint:node==${n2.name}`, IMAGE, "sh", "-c", "trap 'echo got-hup' HUP; echo ready; while true; do sleep 1; done");
    await eventually(async () => (await docker("logs", "trap")).includes("ready"), { what: "trap's shell ready", timeoutMs: 30_000 });
    await docker("kill", "-s", "HUP", "trap");
    await eventually(async () => (await docker("logs", "trap")).includes("got-hup"), { what: "the HUP trapped" });
    assert.equal(await runningOn(n2.nodeId, "trap"), true, "a HUP does not stop the container");
    assert.match(await dockerFails("kill", "-s", "NOSUCH", "trap"), /Invalid signal: NOSUCH/);
    const top = await docker("top", "trap");
    assert.match(top.split("\n")[0]!, /PID/);
    assert.match(top, /while true; do sleep 1; done/);
    await docker("kill", "trap");
    assert.equal(await runningOn(n2.nodeId, "trap"), false);
    assert.match(await docker("ps", "-a", "--filter", "name=trap", "--format", "{{.State}}"), /exited/);
    assert.match(await dockerFails("top", "trap"), /is not running/);
    assert.match(await dockerFails("kill", "-s", "HUP", "trap"), /is not running/);
  });

  it("--volumes-from, --link and --net=container: run on the target's node with the target's container", async () => {
    await docker("run", "-d", "--name", "store", "--stop-signal", "KILL", "-v", `${VOLUME}:/data`, IMAGE, "sh", "-c", "echo shared-file > /data/f; cat /sys/class/net/eth0/address; sleep 3600");
    await eventually(async () => /^[0-9a-f:]{17}$/m.test(await docker("logs", "store")), { what: "store running", timeoutMs: 30_000 });
    const node = await nodeOf("store");
    const mac = /^[0-9a-f:]{17}$/m.exec(await docker("logs", "store"))![0];
    await docker("run", "-d", "--name", "reader", "--stop-signal", "KILL", "--volumes-from", "store:ro", "--link", "store:db", IMAGE, "sh", "-c", "cat /data/f; grep -cw db /etc/hosts; sleep 3600");
    await docker("run", "-d", "--name", "netter", "--stop-signal", "KILL", "--net", "container:store", IMAGE, "sh", "-c", "cat /sys/class/net/eth0/address; sleep 3600");
    await eventually(async () => /shared-file\n1/.test(await docker("logs", "reader")), { what: "reader sees store's volume and its link", timeoutMs: 30_000 });
    await eventually(async () => (await docker("logs", "netter")).includes(mac), { what: "netter in store's network namespace", timeoutMs: 30_000 });
    assert.equal(await nodeOf("reader"), node);
    assert.equal(await nodeOf("netter"), node);
    assert.equal(await docker("inspect", "-f", "{{json .HostConfig.VolumesFrom}} {{json .HostConfig.Links}} {{json .Config.Labels}}", "reader"),
      '["store:ro"] ["/store:/reader/db"] {}');
    assert.match(await dockerFails("run", "-d", "--link", "ghost", IMAGE, "true"), /no such container: ghost/);
  });

  it("a restarted target's --link and --net=container: dependents follow its new container; a stopped one gives Docker's error", async () => {
    const node = (await nodeOf("store"))!;
    const one = async (name: string) => (await containersOfNode(node, { running: true, service: name }))[0];
    const before = (await one("store"))!.Id;
    await docker("restart", "store");
    await eventually(async () => {
      const [s, n, r] = await Promise.all([one("store"), one("netter"), one("reader")]);
      if (!s || s.Id === before || !n || !r) return false;
      const [ni, ri] = await Promise.all([engine.getContainer(n.Id).inspect(), engine.getContainer(r.Id).inspect()]);
      return ni.HostConfig.NetworkMode === `container:${s.Id}` && ((ri.HostConfig.Links ?? []) as string[]).some((l) => l.startsWith(`${ownName(s.Names)}:`));
    }, { what: "netter and reader re-created with store's new engine container", timeoutMs: 60_000 });
    await docker("stop", "store");
    await docker("restart", "netter");
    await eventually(async () => (await docker("inspect", "-f", "{{.State.Error}}", "netter")).includes("cannot join network of a non running container: store"),
      { what: "netter refused: its target is stopped", timeoutMs: 30_000 });
    // The label that carries the dependencies is jetswarm's own: a service may not set it by hand.
    await assert.rejects(c.swarm("service", "create", "--name", "fakedeps", "--container-label", `jetswarm.classic.deps={"network":{"id":"x","name":"store"}}`, IMAGE, "sleep", "1"),
      /jetswarm.classic.deps is jetswarm's own label/);
  });
});
