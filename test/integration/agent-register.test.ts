import { after, before, it } from "node:test";
import assert from "node:assert/strict";
import Docker from "dockerode";
import { connectNats, ensureStreams, type NatsConnection } from "../../services/shared/nats/index.js";
import { notFound } from "../../services/shared/errors/index.js";
import { serve } from "../../services/shared/rpc/index.js";
import type { Logger } from "../../services/shared/telemetry/index.js";
import { randomId } from "../../services/shared/eventlog/index.js";
import { DockerExecutor, start } from "../../services/agent/index.js";
import { RegisterRpc, subjects } from "../../schemas/index.js";
import { testNats } from "../helpers/nats.js";

/*
 * A dispatcher's refusal reaches the agent's log as the dispatcher said it: code and message.
 * The stand-in dispatcher refuses the first two registrations as the real one refuses a node
 * that is not (or no longer) part of the swarm, then accepts.
 */

interface Line { lvl: string; msg: string; fields?: Record<string, unknown> }
function recordingLogger(lines: Line[]): Logger {
  const log: Logger = {
    info: (msg, fields) => { lines.push({ lvl: "info", msg, fields }); },
    warn: (msg, fields) => { lines.push({ lvl: "warn", msg, fields }); },
    error: (msg, fields) => { lines.push({ lvl: "error", msg, fields }); },
    debug: () => undefined,
    child: () => log,
  };
  return log;
}

let nats: Awaited<ReturnType<typeof testNats>>;
let nc: NatsConnection;
before(async () => {
  nats = await testNats();
  nc = await connectNats({ url: nats.url, name: "agent-register-test" });
  await ensureStreams(nc);
});
after(async () => {
  await nc?.drain().catch(() => undefined);
  await nats?.cleanup();
});

it("logs the dispatcher's refusal verbatim, with its code, and registers once accepted", async () => {
  const node = randomId();
  let asked = 0;
  const dispatcher = serve(nc, subjects.dispatcherRegisterOf(node), RegisterRpc, (req) => {
    if (++asked <= 2) throw notFound(`node ${req.nodeId} is not part of this swarm`);
    return { heartbeatPeriodMs: 200 };
  });
  const lines: Line[] = [];
  const log = recordingLogger(lines);
  const agentNc = await connectNats({ url: nats.url, name: `agent-${node}` });
  const agent = await start({ nc: agentNc, log, nodeId: node, executor: new DockerExecutor(new Docker(), log) });
  try {
    const refusals = lines.filter((l) => l.msg === "register failed; retrying");
    assert.equal(refusals.length, 2);
    for (const r of refusals) {
      assert.equal(r.fields?.code, "not_found");
      assert.equal(r.fields?.err, `node ${node} is not part of this swarm`);
    }
    assert.ok(lines.some((l) => l.msg === "registered" && l.fields?.heartbeatMs === 200), "registered after the refusals");
  } finally {
    await agent.stop();
    await agentNc.drain().catch(() => undefined);
    await dispatcher.stop();
  }
});
