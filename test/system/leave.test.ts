import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../deploy/launcher/nats-server.js";
import { containersOfNode, docker, startTestCluster, unmountUnder, type TestCluster } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";

/*
 * `swarm leave [--force]` as Swarm (reference §10), with real `swarm join` processes: a worker
 * leaves (its process stops, its containers are removed, it is Down in the cluster — so its tasks
 * are replaced elsewhere, as for any node that is down — and its data dir holds no swarm state); a manager refuses without --force with
 * Swarm's words, and leaves with it.
 */

const CLI = fileURLToPath(new URL("../../cli/main.js", import.meta.url));
let c: TestCluster;
const procs: { child: ChildProcess; dir: string }[] = [];

interface NodeRow { ID: string; Spec: { Name: string; Role: string }; Status: { State: string } }
const nodeNamed = async (name: string) => (await c.get<NodeRow[]>("/nodes")).find((n) => n.Spec.Name === name);

function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    p.stdout.on("data", (d: Buffer) => { out += d.toString(); });
    p.stderr.on("data", (d: Buffer) => { err += d.toString(); });
    p.on("close", (code) => resolve({ code: code ?? -1, out, err }));
  });
}

/** `swarm join` as its own foreground process (as a user runs it on another host). */
async function joinProcess(name: string, role: "worker" | "manager"): Promise<{ child: ChildProcess; dir: string; nodeId: string }> {
  const dir = mkdtempSync(join(tmpdir(), `jetswarm-leave-${name}-`));
  const info = await c.get<{ JoinTokens: { Worker: string; Manager: string } }>("/swarm");
  const token = role === "manager" ? info.JoinTokens.Manager : info.JoinTokens.Worker;
  const child = spawn(process.execPath, [CLI, "join", "--token", token, "--node-name", name, "--data-dir", dir,
    "--nats-url", c.natsUrl, "--api-port", String(await freePort()), c.apiUrl], { stdio: "ignore" });
  procs.push({ child, dir });
  const node = await eventually(async () => {
    const n = await nodeNamed(name);
    return n?.Status.State === "ready" && existsSync(join(dir, "swarm.pid")) ? n : undefined;
  }, { what: `${name} ready`, timeoutMs: 120_000 });
  return { child, dir, nodeId: node!.ID };
}

before(async () => {
  c = await startTestCluster("leave");
});
after(async () => {
  for (const p of procs) if (p.child.exitCode === null) p.child.kill("SIGTERM");
  await c?.cleanup();
  for (const p of procs) {
    await unmountUnder(p.dir);
    rmSync(p.dir, { recursive: true, force: true });
  }
});

describe("swarm leave", () => {
  it("a worker leaves: its process stops, its containers go, it is Down, its swarm state is erased", async () => {
    const w = await joinProcess("leaver", "worker");
    await c.swarm("service", "create", "--name", "lv", "--replicas", "2", "--constraint", `node.id==${w.nodeId}`, "jetswarm-test/busybox:1", "sleep", "3600");
    await eventually(async () => ((await containersOfNode(w.nodeId, { running: true })).length === 2 ? true : undefined), { what: "2 containers on the worker", timeoutMs: 120_000 });
    const r = await cli(["leave", "--data-dir", w.dir]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, "Node left the swarm.\n");
    await eventually(() => (w.child.exitCode !== null ? true : undefined), { what: "the join process exited", timeoutMs: 60_000 });
    assert.deepEqual(await containersOfNode(w.nodeId), [], "no container of the node is left");
    for (const f of ["node.json", "node", "agent", "swarm.pid"]) assert.ok(!existsSync(join(w.dir, f)), `${f} erased`);
    await eventually(async () => ((await nodeNamed("leaver"))?.Status.State === "down" ? true : undefined), { what: "the node is down", timeoutMs: 60_000 });
    const again = await cli(["leave", "--data-dir", w.dir]);
    assert.match(again.err, /This node is not part of a swarm/);
  });

  it("a manager refuses to leave without --force (Swarm's message) and leaves with it", async () => {
    const refused = await cli(["leave", "--data-dir", c.dataDir]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.err, /You are attempting to leave the swarm on a node that is participating as a manager\. Removing the last manager erases all current state of the swarm\. Use `--force` to ignore this message\./);
    assert.ok(existsSync(join(c.dataDir, "node.json")), "nothing changed");
    const m = await joinProcess("mleaver", "manager");
    assert.match((await cli(["leave", "--data-dir", m.dir])).err, /participating as a manager/);
    assert.equal(m.child.exitCode, null, "still running after the refusal");
    const r = await cli(["leave", "--force", "--data-dir", m.dir]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, "Node left the swarm.\n");
    await eventually(() => (m.child.exitCode !== null ? true : undefined), { what: "the manager's join process exited", timeoutMs: 60_000 });
    for (const f of ["node.json", "keys", "node"]) assert.ok(!existsSync(join(m.dir, f)), `${f} erased`);
    assert.deepEqual((await docker.listContainers({ all: true, filters: { label: [`jetswarm.node.id=${m.nodeId}`] } })).length, 0);
    await eventually(async () => ((await nodeNamed("mleaver"))?.Status.State === "down" ? true : undefined), { what: "the manager node is down", timeoutMs: 60_000 });
  });
});
