import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import type { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { projectRoot } from "../../deploy/launcher/nats-server.js";
import { subjects, type Envelope } from "../../schemas/index.js";
import { eventually } from "../helpers/eventually.js";
import { startInProcessApi, type InProcessApi } from "../helpers/in-process-api.js";

let t: InProcessApi;
let store: JetStreamEventStore;

/** The compiled CLI; a converging service need stay running 300 ms, not its monitor period (5 s), to keep the waits short. */
const swarm = (...args: string[]) => t.swarm({ SWARM_PROGRESS_MONITOR_MS: "300" }, ...args);

before(async () => {
  t = await startInProcessApi("cli");
  store = t.store;
});
after(async () => {
  await t?.stop();
});

describe("swarm CLI against a real api", () => {
  it("init prints Swarm's block; join-token -q prints the token", async () => {
    const r = await swarm("init", "--node-name", "node-1");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Swarm initialized: current node \([0-9a-z]{25}\) is now a manager\.\n\nTo add a worker to this swarm, run the following command:\n\n {4}swarm join --token SWMTKN-1-[0-9a-z]{50}-[0-9a-z]{25} 127\.0\.0\.1:\d+\n\nTo add a manager/);
    const q = await swarm("join-token", "-q", "manager");
    assert.match(q.stdout, /^SWMTKN-1-[0-9a-z]{50}-[0-9a-z]{25}\n$/);
    const again = await swarm("init");
    assert.equal(again.code, 1);
    assert.equal(again.stderr, `Error: This node is already part of a swarm. Use "swarm leave" to leave this swarm and join another one.\n`);
  });

  it("node ls shows the manager as Leader", async () => {
    const r = await swarm("node", "ls");
    const [header, row] = r.stdout.trimEnd().split("\n");
    assert.match(header!, /^ID {2,}HOSTNAME {2,}STATUS {2,}AVAILABILITY {2,}MANAGER STATUS {2,}ENGINE VERSION$/);
    assert.match(row!, /^[0-9a-z]{25} {3}node-1 {3,}Unknown {3,}Active {3,}Leader$/);
  });

  it("service create -d / ls / inspect / rm", async () => {
    const c = await swarm("service", "create", "-d", "--name", "web", "--replicas", "2", "-e", "A=1", "-e", "B=2", "--label", "tier=front",
      "busybox:1", "sh", "-c", "sleep 3600");
    assert.equal(c.code, 0, c.stderr);
    const id = c.stdout.trim();
    assert.match(id, /^[0-9a-z]{25}$/);
    const ls = await swarm("service", "ls");
    assert.equal(ls.stdout, `ID             NAME      MODE         REPLICAS   IMAGE       PORTS\n${id.slice(0, 12)}   web       replicated   0/2        busybox:1\n`);
    const inspect = await swarm("service", "inspect", "web");
    const [svc] = JSON.parse(inspect.stdout);
    // inspect inserts Swarm's defaults (StopGracePeriod 10s), as docker's does.
    assert.deepEqual(svc.Spec.TaskTemplate.ContainerSpec, { Image: "busybox:1", Args: ["sh", "-c", "sleep 3600"], Env: ["A=1", "B=2"], StopGracePeriod: 10e9 });
    assert.deepEqual(svc.Spec.Labels, { tier: "front" });
    const scale = await swarm("service", "scale", "-d", "web=4");
    assert.equal(scale.stdout, "web scaled to 4\n");
    // docker prints the 12-character short id (its serviceContext.ID).
    assert.equal((await swarm("service", "ls", "-q")).stdout, `${id.slice(0, 12)}\n`);
    assert.equal((await swarm("service", "ls", "--format", "{{.ID}} {{.Name}} {{.Mode}} {{.Image}}")).stdout, `${id.slice(0, 12)} web replicated busybox:1\n`);
    assert.equal((await swarm("service", "ls", "-q", "--format", "{{upper .Name}}")).stdout, "WEB\n", "a given --format wins over -q");
    assert.equal((await swarm("service", "inspect", "-f", "{{.Spec.Name}} {{.Spec.Mode.Replicated.Replicas}} {{json .Spec.Labels}}", "web")).stdout, `web 4 {"tier":"front"}\n`);
    const both = await swarm("service", "inspect", "--pretty", "-f", "{{.ID}}", "web");
    assert.equal(both.stderr, "Error: --format is incompatible with human friendly format\n");
    const rm = await swarm("service", "rm", "web");
    assert.equal(rm.stdout, "web\n");
    assert.equal((await swarm("service", "ls", "-q")).stdout, "");
  });

  it("errors are one line on stderr, exit 1", async () => {
    const missing = await swarm("service", "inspect", "nosuch");
    assert.deepEqual([missing.code, missing.stderr], [1, "Error: no such service: nosuch\n"]);
    const bad = await swarm("service", "create", "-d", "--replicas", "lots", "img");
    assert.deepEqual([bad.code, bad.stderr], [1, `Error: invalid argument "lots" for "--replicas" flag: expected a non-negative integer\n`]);
    const dup = await swarm("service", "create", "-d", "--name", "dup", "img");
    assert.equal(dup.code, 0);
    const again = await swarm("service", "create", "-d", "--name", "dup", "img");
    assert.equal(again.stderr, "Error: rpc error: code = AlreadyExists desc = name conflicts with an existing object: service dup already exists\n");
  });

  it("a closed output ends the command quietly (swarm events --follow | head -1)", { timeout: 60_000 }, async () => {
    await swarm("init"); // already done when the whole file runs
    assert.equal((await swarm("service", "create", "-d", "--name", "epipe-1", "img")).code, 0);
    const child = spawn(process.execPath, [join(projectRoot(), "dist/cli/main.js"), "--host", t.api.url, "events", "--since", "seq:1", "--follow"],
      { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => { stderr += b.toString(); });
    const exited = once(child, "exit");
    await once(child.stdout, "data");
    child.stdout.destroy(); // the reader goes away, as head does after its first line
    // The next event makes the follower write into the closed pipe.
    const c = await swarm("service", "create", "-d", "--name", "epipe-2", "img");
    assert.equal(c.code, 0, c.stderr);
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const [code] = await exited;
    clearTimeout(timer);
    assert.deepEqual({ code, stderr }, { code: 141, stderr: "" });
  });

  it("create shows progress until converged (tasks driven by the test, as the orchestrator and agent would)", async () => {
    const run = swarm("service", "create", "--name", "prog", "--replicas", "1", "busybox:1");
    const svc = await eventually(async (): Promise<{ ID: string }> => {
      const res = await fetch(`${t.api.url}/services/prog`);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return (await res.json()) as { ID: string };
    }, { what: "the service to be created" });
    const taskId = "tprog0000000000000000000a";
    const base = { subject: subjects.event("task", taskId), at: new Date().toISOString(), actor: { kind: "service", id: "test" } } as const;
    const created: Envelope = { ...base, id: "c-prog", type: "TaskCreated", data: {
      taskId, serviceId: svc.ID, serviceName: "prog", slot: 1, spec: { ContainerSpec: { Image: "busybox:1" } }, specVersion: 1, desiredState: "running", state: "pending" } };
    const c = await store.append({ event: created, expectedLastSubjectSeq: 0, msgId: "c-prog" });
    await store.append({ event: { ...base, id: "r-prog", type: "TaskStatusChanged", data: { taskId, state: "running", message: "started", timestamp: new Date().toISOString() } },
      expectedLastSubjectSeq: c.seq, msgId: "r-prog" });
    const r = await run;
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split("\n");
    assert.equal(lines[0], svc.ID);
    assert.ok(lines.includes(`1/1: running   [${"=".repeat(50)}>]`), r.stdout);
    assert.ok(lines.some((l) => /^verify: Waiting \d seconds to verify that tasks are stable\.\.\.$/.test(l)), r.stdout);
    // create waits on the id it was given back; scale on the name as typed (docker's behaviour).
    assert.equal(lines.at(-1), `verify: Service ${svc.ID} converged`);

    const ps = await swarm("service", "ps", "prog");
    const row = ps.stdout.trimEnd().split("\n")[1]!;
    assert.match(row, /^tprog0000000 {3}prog\.1 {3,}busybox:1 {3,}Running {3,}Running (less than a second|\d+ seconds?) ago$/);
    // docker's `service ps -q` prints full task ids (it sets --no-trunc); --format reads the task row fields.
    assert.equal((await swarm("service", "ps", "-q", "prog")).stdout, `${taskId}\n`);
    assert.equal((await swarm("service", "ps", "--format", "{{.Name}} {{.DesiredState}}", "--filter", "desired-state=running", "prog")).stdout, "prog.1 Running\n");
  });
});
