import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Task } from "../../schemas/api.js";
import { IMAGE, joinAgent, startTestCluster, type JoinedAgent, type TestCluster } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";

/*
 * `swarm control-plane scale`: the count is an event in the log; the supervisors of both managers
 * (`swarm up` and `swarm join` with the manager token) start or stop processes to match, spread
 * over the managers. Bad input is refused in one line and appends nothing.
 */
const run = promisify(execFile);
const CLI = fileURLToPath(new URL("../../cli/main.js", import.meta.url));
let c: TestCluster;
let m2: JoinedAgent;

interface Member { Service: string; Instance: string; Role: string }
const members = async (service: string) => (await c.get<Member[]>("/jetswarm/control-plane")).filter((m) => m.Service === service);
const clusterVersion = async () => (await c.get<{ Version: { Index: number } }>("/swarm")).Version.Index;
const onM2 = (m: Member) => m.Instance.includes(m2.nodeId.slice(0, 12));

before(async () => {
  c = await startTestCluster("cpscale");
  m2 = await joinAgent(c, "m2", "manager");
  await eventually(async () => (await members("scheduler")).length === 2, { what: "one scheduler on each manager", timeoutMs: 60_000 });
});
after(async () => { await c?.cleanup(); });

describe("swarm control-plane scale", () => {
  it("scheduler=3 orchestrator=1: recorded, then run to the count, spread over both managers", async () => {
    const before = await clusterVersion();
    const out = await c.swarm("control-plane", "scale", "scheduler=3", "orchestrator=1");
    assert.match(out, /^scheduler scaled to 3$/m);
    assert.match(out, /^orchestrator scaled to 1$/m);
    assert.match(out, /^verify: scheduler 3\/3 instances running$/m);
    assert.ok(await clusterVersion() > before, "the scale is an event on the cluster aggregate");
    assert.deepEqual(await c.get("/jetswarm/control-plane/scale"), { Scale: { orchestrator: 1, scheduler: 3 }, PerManager: ["dispatcher", "secret-store", "allocator"] });
    const schedulers = await eventually(async () => {
      const s = await members("scheduler");
      return s.length === 3 && s.filter((m) => m.Role === "active").length === 1 ? s : undefined;
    }, { what: "3 schedulers, one active", timeoutMs: 30_000 });
    const here = schedulers!.filter(onM2).length;
    assert.deepEqual([here, 3 - here].sort(), [1, 2], "2 on one manager, 1 on the other");
    assert.equal((await members("orchestrator")).length, 1);
    assert.equal((await members("dispatcher")).length, 2, "a service never scaled keeps one instance per manager");
  });

  it("the cluster keeps working on that control plane: a service converges", async () => {
    await c.swarm("service", "create", "-d", "--name", "cps", "--replicas", "2", IMAGE, "sleep", "3600");
    await eventually(async () => {
      const tasks = await c.get<Task[]>(`/tasks?filters=${encodeURIComponent(JSON.stringify({ service: ["cps"] }))}`);
      return tasks.filter((t) => t.Status.State === "running").length === 2;
    }, { what: "2 running tasks", timeoutMs: 60_000 });
  });

  it("bad input is one line naming what is wrong, exit 1, and appends nothing", async () => {
    const before = await clusterVersion();
    const cases: [string[], RegExp][] = [
      [["api=2"], /Scale\.api: cannot be scaled: .*add managers to scale it/],
      [["scheduler=0"], /Scale\.scheduler: a control-plane service needs at least 1 instance/],
      [["bogus=1"], /Scale\.bogus: cannot be scaled/],
      [["scheduler"], /invalid scale specifier 'scheduler'/],
      [["scheduler=17"], /Scale\.scheduler: at most 16 instances/],
    ];
    for (const [args, want] of cases) {
      const err = await run(process.execPath, [CLI, "--host", c.socketUrl, "control-plane", "scale", "-d", ...args]).then(
        () => assert.fail(`${args.join(" ")} should fail`), (e: { code: number; stderr: string }) => e);
      assert.equal(err.code, 1, args.join(" "));
      assert.match(err.stderr, want);
      assert.equal(err.stderr.trimEnd().split("\n").length, 1, err.stderr);
    }
    assert.equal(await clusterVersion(), before);
  });

  it("scheduler=1: the extra instances are stopped", async () => {
    const out = await c.swarm("control-plane", "scale", "scheduler=1");
    assert.match(out, /^verify: scheduler 1\/1 instances running$/m);
    const s = await members("scheduler");
    assert.equal(s.length, 1);
    await eventually(async () => (await members("scheduler"))[0]?.Role === "active", { what: "the remaining scheduler active", timeoutMs: 15_000 });
  });
});
