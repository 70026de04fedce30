import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Logger } from "../../shared/telemetry/index.js";
import type { ContainerCreate, Executor } from "../core/executor.js";
import { timedExecutor } from "./timed-executor.js";

function recorder(): { log: Logger; lines: { msg: string; fields: Record<string, unknown> }[] } {
  const lines: { msg: string; fields: Record<string, unknown> }[] = [];
  const log: Logger = {
    debug: (msg, fields = {}) => lines.push({ msg, fields }), info: () => undefined, warn: () => undefined, error: () => undefined,
    child: () => log,
  };
  return { log, lines };
}

/** A runtime without connect, inspect and logs (as the benchmarks' simulated one). */
function bare(over: Partial<Executor> = {}): Executor {
  return {
    describeNode: () => Promise.reject(new Error("unused")), ensureImage: () => Promise.resolve(), create: () => Promise.resolve("c1"),
    start: () => Promise.resolve(), wait: () => Promise.resolve(0), stop: () => Promise.resolve(), remove: () => Promise.resolve(),
    list: () => Promise.resolve([]), ...over,
  };
}

describe("timed executor", () => {
  it("logs each start-path call with its duration and passes the result through", async () => {
    const { log, lines } = recorder();
    const x = timedExecutor(bare({ connect: () => Promise.resolve(), inspect: () => Promise.resolve({ running: true, ports: [] }) }), log);
    assert.equal(await x.create({ name: "web.1.t1" } as ContainerCreate), "c1");
    await x.connect!("c1", "net", { IPAMConfig: { IPv4Address: "10.0.9.2" } });
    await x.start("c1");
    assert.deepEqual(await x.inspect!("c1"), { running: true, ports: [] });
    assert.deepEqual(lines.map((l) => [l.msg, l.fields.op, l.fields.name ?? l.fields.containerId, typeof l.fields.ms]), [
      ["engine call", "create", "web.1.t1", "number"], ["engine call", "connect", "c1", "number"],
      ["engine call", "start", "c1", "number"], ["engine call", "inspect", "c1", "number"],
    ]);
    assert.equal(lines[0]!.fields.containerId, "c1");
  });

  it("keeps the methods a runtime lacks absent (the runner checks connect and inspect)", () => {
    const x = timedExecutor(bare(), recorder().log);
    assert.equal(x.connect, undefined);
    assert.equal(x.inspect, undefined);
    assert.equal(x.logs, undefined);
  });

  it("passes every optional method the runtime has through (docker kill -s and top reach the engine)", async () => {
    const calls: string[] = [];
    const x = timedExecutor(bare({
      logs: () => { calls.push("logs"); return Promise.reject(new Error("unused")); },
      kill: (id, sig) => { calls.push(`kill ${id} ${sig}`); return Promise.resolve(); },
      top: (id) => { calls.push(`top ${id}`); return Promise.resolve({ Titles: ["PID"], Processes: [["1"]] }); },
    }), recorder().log);
    await x.kill!("c1", "HUP");
    assert.deepEqual(await x.top!("c1"), { Titles: ["PID"], Processes: [["1"]] });
    assert.deepEqual(calls, ["kill c1 HUP", "top c1"]);
    assert.equal(typeof x.logs, "function");
    // Every method of the interface a full runtime has is on the wrapper.
    const full = bare({ connect: () => Promise.resolve(), inspect: () => Promise.resolve({ running: true, ports: [] }), logs: () => Promise.reject(new Error("unused")), kill: () => Promise.resolve(), top: () => Promise.resolve({ Titles: [], Processes: [] }) });
    assert.deepEqual(Object.keys(timedExecutor(full, recorder().log)).sort(), Object.keys(full).sort());
  });

  it("logs a failed call as failed and rethrows its error", async () => {
    const { log, lines } = recorder();
    const boom = new Error("No such image: x:1");
    const x = timedExecutor(bare({ create: () => Promise.reject(boom) }), log);
    await assert.rejects(x.create({ name: "web.1.t1" } as ContainerCreate), (err) => err === boom);
    assert.equal(lines[0]!.fields.failed, true);
  });
});
