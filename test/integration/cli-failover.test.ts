import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { connectNats, ensureStreams, type NatsConnection } from "../../services/shared/nats/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { start, type RunningApi } from "../../services/api/index.js";
import { projectRoot } from "../../deploy/launcher/nats-server.js";
import { testNats } from "../helpers/nats.js";
import { serveTestCa } from "../helpers/cluster-keys.js";

/*
 * Issue 5, "api active-active": two apis on one NATS; the CLI is given both in SWARM_HOST and
 * keeps working when the first is gone.
 */
let nats: Awaited<ReturnType<typeof testNats>>;
let nc: NatsConnection;
const apis: RunningApi[] = [];
let hosts = "";

function swarm(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(projectRoot(), "dist/cli/main.js"), ...args],
      { env: { ...process.env, SWARM_HOST: hosts }, timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }));
  });
}

/** The secret-store's CA handlers the api asks for join tokens and certificates. */
let testCa: Awaited<ReturnType<typeof serveTestCa>> | undefined;

before(async () => {
  nats = await testNats();
  nc = await connectNats({ url: nats.url, name: "cli-failover-test" });
  await ensureStreams(nc);
  testCa = await serveTestCa(nc, new JetStreamEventStore(nc));
  for (const i of [1, 2]) {
    const deps = { nc, store: new JetStreamEventStore(nc), log: createLogger(`api-${i}`, "silent"), instanceId: `api-failover-${i}` };
    apis.push(await start(deps, { listen: "127.0.0.1:0", insecureHttp: true }));
  }
  hosts = apis.map((a) => a.url).join(",");
});
after(async () => {
  for (const a of apis) await a.stop().catch(() => undefined);
  await testCa?.stop();
  await nc?.drain();
  await nats?.cleanup();
});

describe("swarm CLI with SWARM_HOST listing two apis", () => {
  it("works through the second api once the first is stopped", async () => {
    const init = await swarm("init", "--node-name", "node-1");
    assert.equal(init.code, 0, init.stderr);
    await apis[0]!.stop();
    const c = await swarm("service", "create", "-d", "--name", "web", "--replicas", "2", "busybox:1", "sleep", "3600");
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, /^[a-z0-9]{25}\n$/);
    const ls = await swarm("service", "ls");
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /\bweb\s+replicated\s+0\/2\s+busybox:1/);
    const nodes = await swarm("node", "ls");
    assert.match(nodes.stdout, /node-1/);
    const join = await swarm("join-token", "worker");
    assert.match(join.stdout, new RegExp(`swarm join --token \\S+ ${new URL(apis[1]!.url).host}\n`), "join points at the api that answered");
  });

  it("names every host it tried when none answers", async () => {
    await apis[1]!.stop();
    const r = await swarm("service", "ls");
    assert.equal(r.code, 1);
    const [a, b] = apis.map((x) => x.url);
    assert.equal(r.stderr, `Error: Cannot connect to the jetswarm api at any of its hosts: ${a} (connection refused), ${b} (connection refused). Is it running (swarm up)?\n`);
  });
});
