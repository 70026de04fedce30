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

/**
 * A full runtime as DockerExecutor is: a class, its methods on the prototype, using `this` (with
 * #private members, which only a call bound to the runtime itself can reach).
 */
class ClassRuntime implements Executor {
  readonly #calls: string[] = [];
  get calls(): string[] { return this.#calls; }
  #note(op: string): Promise<void> { this.#calls.push(op); return Promise.resolve(); }
  describeNode() { return this.#note("describeNode").then(() => ({ hostname: "h", os: "linux", architecture: "x86_64" }) as never); }
  ensureImage() { return this.#note("ensureImage"); }
  create() { return this.#note("create").then(() => "c1"); }
  start() { return this.#note("start"); }
  wait() { return this.#note("wait").then(() => 0); }
  inspect() { return this.#note("inspect").then(() => ({ running: true, ports: [] })); }
  stop() { return this.#note("stop"); }
  remove() { return this.#note("remove"); }
  connect() { return this.#note("connect"); }
  list() { return this.#note("list").then(() => []); }
  logs() { return this.#note("logs").then(() => ({}) as never); }
  kill() { return this.#note("kill"); }
  top() { return this.#note("top").then(() => ({ Titles: [], Processes: [] })); }
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

  it("passes a class runtime's prototype methods through bound to it, timing only the start path", async () => {
    const { log, lines } = recorder();
    const engine = new ClassRuntime();
    const x = timedExecutor(engine, log);
    const proto = ClassRuntime.prototype;
    const names = Object.getOwnPropertyNames(proto).filter((n) => n !== "constructor" && typeof Object.getOwnPropertyDescriptor(proto, n)?.value === "function");
    assert.equal(names.length, 13);
    for (const n of names) await (x as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[n]!("c1", "HUP");
    assert.deepEqual(engine.calls, names, "every method reached the runtime with its `this`");
    assert.deepEqual(lines.map((l) => l.fields.op).sort(), ["connect", "create", "ensureImage", "inspect", "start"]);
    assert.equal(x.kill, x.kill, "a method read twice is the same function");
  });

  it("passes through a method it does not name (one the interface gains later)", async () => {
    const later = { ...bare(), pause: (id: string) => Promise.resolve(`paused ${id}`) };
    const x = timedExecutor(later, recorder().log) as typeof later;
    assert.equal(await x.pause("c1"), "paused c1");
  });

  it("logs a failed call as failed and rethrows its error", async () => {
    const { log, lines } = recorder();
    const boom = new Error("No such image: x:1");
    const x = timedExecutor(bare({ create: () => Promise.reject(boom) }), log);
    await assert.rejects(x.create({ name: "web.1.t1" } as ContainerCreate), (err) => err === boom);
    assert.equal(lines[0]!.fields.failed, true);
  });
});
