import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Node, Task } from "../../schemas/api.js";
import { IMAGE, joinAgent, startTestCluster, type TestCluster } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";

/*
 * `swarm service logs` end to end (issue #18) on the real stack: lines from real containers
 * travel from the agents over NATS to the api and out as Docker's multiplexed stream; the CLI
 * prints them with docker's prefixes, stdout to stdout and stderr to stderr.
 */

const CLI = fileURLToPath(new URL("../../cli/main.js", import.meta.url));
let c: TestCluster;
let host: string;

interface Run { code: number | null; stdout: string; stderr: string }

/** The CLI's exit status, stdout and stderr (not rejected on a non-zero exit). */
function swarm(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, "--host", c.socketUrl, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : null) : 0, stdout, stderr });
    });
  });
}
const lines = (s: string) => s.split("\n").filter(Boolean);
const CHATTY = "for i in 1 2 3; do echo out $i; echo err $i >&2; done; exec sleep 3600";

async function tasksOf(service: string): Promise<Task[]> {
  return c.get<Task[]>(`/tasks?filters=${encodeURIComponent(JSON.stringify({ service: [service] }))}`);
}
/** Until every running task of `service` has written `last` (read straight from the engine). */
async function printed(service: string, replicas: number, last: string): Promise<Task[]> {
  const found = await eventually(async (): Promise<Task[] | false> => {
    const running = (await tasksOf(service)).filter((t) => t.Status.State === "running");
    if (running.length !== replicas) return false;
    for (const t of running) {
      const out = await dockerLogs(t.Status.ContainerStatus!.ContainerID!);
      if (!out.includes(last)) return false;
    }
    return running.sort((a, b) => a.Slot - b.Slot);
  }, { timeoutMs: 60_000, what: `${replicas} tasks of ${service} printed "${last}"` });
  return found as Task[];
}
function dockerLogs(id: string): Promise<string> {
  return new Promise((resolve) => execFile("docker", ["logs", id], (_e, out, err) => resolve(out + err)));
}

before(async () => {
  c = await startTestCluster("logs");
  host = await eventually(async () => (await c.get<Node[]>("/nodes"))[0]?.Description?.Hostname ?? false, { what: "the node's host name" }) as string;
  await c.swarm("service", "create", "--detach", "--name", "chatty", "--replicas", "2", IMAGE, "sh", "-c", CHATTY);
});
after(async () => { await c?.cleanup(); });

describe("swarm service logs", { timeout: 240_000 }, () => {
  it("every task's lines, prefixed as docker prints them, stdout and stderr apart", async () => {
    const tasks = await printed("chatty", 2, "err 3");
    const r = await swarm("service", "logs", "chatty");
    assert.equal(r.code, 0, r.stderr);
    const esc = host.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const out = lines(r.stdout);
    const err = lines(r.stderr);
    assert.equal(out.length, 6, r.stdout);
    assert.equal(err.length, 6, r.stderr);
    for (const l of out) assert.match(l, new RegExp(`^chatty\\.[12]\\.[a-z0-9]{12}@${esc}    \\| out [123]$`));
    for (const l of err) assert.match(l, new RegExp(`^chatty\\.[12]\\.[a-z0-9]{12}@${esc}    \\| err [123]$`));
    // Each task's prefix names its own slot and id.
    for (const t of tasks) {
      const mine = out.filter((l) => l.startsWith(`chatty.${t.Slot}.${t.ID.slice(0, 12)}@`));
      assert.deepEqual(mine.map((l) => l.split("| ")[1]), ["out 1", "out 2", "out 3"]);
    }
  });

  it("--raw, --no-task-ids, --no-trunc, -t, --tail 2", async () => {
    const tasks = await printed("chatty", 2, "err 3");
    const raw = await swarm("service", "logs", "--raw", "chatty");
    assert.deepEqual(lines(raw.stdout).sort(), ["out 1", "out 1", "out 2", "out 2", "out 3", "out 3"]);
    assert.deepEqual(lines(raw.stderr).sort(), ["err 1", "err 1", "err 2", "err 2", "err 3", "err 3"]);

    const noIds = await swarm("service", "logs", "--no-task-ids", "chatty");
    for (const l of lines(noIds.stdout)) assert.match(l, /^chatty\.[12]@\S+    \| out [123]$/);

    const noTrunc = await swarm("service", "logs", "--no-trunc", "chatty");
    for (const t of tasks) assert.equal(lines(noTrunc.stdout).filter((l) => l.startsWith(`chatty.${t.Slot}.${t.ID}@`)).length, 3);

    const ts = await swarm("service", "logs", "-t", "chatty");
    for (const l of lines(ts.stdout)) assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z chatty\.[12]\.[a-z0-9]{12}@\S+    \| out [123]$/);

    // Per task: its last two lines, whichever stream each is on (the engine copies stdout and
    // stderr concurrently, so their order within a few microseconds is not fixed).
    const tail = await swarm("service", "logs", "--tail", "2", "chatty");
    const both = [...lines(tail.stdout), ...lines(tail.stderr)];
    for (const t of tasks) assert.equal(both.filter((l) => l.startsWith(`chatty.${t.Slot}.`)).length, 2, both.join("\n"));
    for (const l of both) assert.doesNotMatch(l, /\| (out|err) 1$/);
  });

  it("--since: only lines at or after the time", async () => {
    await c.swarm("service", "create", "--detach", "--name", "slow", IMAGE, "sh", "-c", "echo early; sleep 2; echo late; exec sleep 3600");
    await printed("slow", 1, "late");
    const ts = lines((await swarm("service", "logs", "-t", "--raw", "slow")).stdout);
    assert.equal(ts.length, 2, ts.join("\n"));
    const [early, late] = ts.map((l) => Date.parse(l.split(" ")[0]!));
    const mid = new Date((early! + late!) / 2).toISOString();
    const r = await swarm("service", "logs", "--raw", "--since", mid, "slow");
    assert.deepEqual(lines(r.stdout), ["late"]);
  });

  it("a task id: that task's lines only", async () => {
    const [t] = await printed("chatty", 2, "err 3");
    const r = await swarm("service", "logs", t!.ID);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lines(r.stdout).map((l) => l.split("@")[0]), Array(3).fill(`chatty.${t!.Slot}.${t!.ID.slice(0, 12)}`));
    const none = await swarm("service", "logs", "nosuchthing");
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no such task or service: nosuchthing/);
  });

  it("GET /services/{id}/logs is Docker's multiplexed stream, byte for byte", async () => {
    await printed("chatty", 2, "err 3");
    const res = await c.api("/v1.41/services/chatty/logs?stdout=1&stderr=1");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/vnd.docker.multiplexed-stream");
    const body = Buffer.from(await res.arrayBuffer());
    const frames: [number, string][] = [];
    for (let at = 0; at < body.length;) {
      assert.deepEqual([...body.subarray(at + 1, at + 4)], [0, 0, 0], `reserved header bytes at ${at}`);
      const size = body.readUInt32BE(at + 4);
      frames.push([body[at]!, body.subarray(at + 8, at + 8 + size).toString()]);
      at += 8 + size;
    }
    assert.deepEqual(frames.filter(([s]) => s === 1).map(([, p]) => p).sort(), ["out 1\n", "out 1\n", "out 2\n", "out 2\n", "out 3\n", "out 3\n"]);
    assert.deepEqual(frames.filter(([s]) => s === 2).map(([, p]) => p).sort(), ["err 1\n", "err 1\n", "err 2\n", "err 2\n", "err 3\n", "err 3\n"]);
    // tail counts both streams' lines (the last may be stdout's or stderr's): ask for both.
    const detailed = Buffer.from(await (await c.api("/services/chatty/logs?stdout=1&stderr=1&details=1&tail=1")).arrayBuffer());
    assert.ok(detailed[0] === 1 || detailed[0] === 2, `a stdout or stderr frame, got ${detailed[0]}`);
    assert.match(detailed.subarray(8).toString(), /^com\.docker\.swarm\.node\.id=\w+,com\.docker\.swarm\.service\.id=\w+,com\.docker\.swarm\.task\.id=\w+ /);
    const bad = await c.api("/services/chatty/logs?tail=x&stdout=1");
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { message: string }).message, /tail: "x" is not a number of lines/);
  });

  it("-f: a scale-up's new task's lines appear; Ctrl-C ends it with status 0 and nothing on stderr", async () => {
    await printed("chatty", 2, "err 3");
    const child = spawn(process.execPath, [CLI, "--host", c.socketUrl, "service", "logs", "-f", "chatty"]);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      await eventually(() => lines(stdout).length >= 6, { what: "the first tasks' lines", timeoutMs: 30_000 });
      await c.swarm("service", "scale", "--detach", "chatty=3");
      await eventually(() => /^chatty\.3\.[a-z0-9]{12}@\S+    \| out 3$/m.test(stdout), { what: "the new task's lines", timeoutMs: 60_000 });
    } finally {
      child.kill("SIGINT");
    }
    assert.equal(await exited, 0);
    // stderr holds the tasks' stderr lines and nothing else (no error, no stack trace).
    for (const l of lines(stderr)) assert.match(l, /^chatty\.[123]\.[a-z0-9]{12}@\S+    \| err [123]$/);
  });

  it("a node whose agent is gone is named in docker's warning, and the command still ends", async () => {
    const w2 = await joinAgent(c, "w2");
    await c.swarm("service", "create", "--detach", "--name", "spread", "--mode", "global", IMAGE, "sh", "-c", CHATTY);
    await printed("spread", 2, "err 3");
    await w2.stop();
    const r = await swarm("service", "logs", "--raw", "spread");
    assert.equal(r.code, 1);
    // The first node's lines still come.
    assert.deepEqual(lines(r.stdout), ["out 1", "out 2", "out 3"]);
    assert.match(r.stderr, new RegExp(`error from daemon in stream: Error grabbing logs: warning: incomplete log stream\\. some logs could not be retrieved ` +
      `for the following reasons: node ${w2.nodeId} \\(\\S+\\) is not available`));
  });
});
