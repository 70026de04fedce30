import type { Logger } from "../../shared/telemetry/index.js";
import type { Executor } from "../core/executor.js";

/**
 * The executor with the duration of each engine call on a task's start path (image check,
 * create, connect, start, inspect) logged at debug level (`engine call` {op, ms, …}): what tells
 * the engine's share of create → running from the agent's own (bench:network-create reads it
 * from the agent's log with SWARM_LOG_LEVEL=debug). Everything else passes through unchanged, and
 * a method the runtime lacks stays absent (the runner checks `connect` and `inspect`).
 */
export function timedExecutor(x: Executor, log: Logger): Executor {
  async function timed<T>(op: string, fields: Record<string, unknown>, call: () => Promise<T>, result?: (r: T) => Record<string, unknown>): Promise<T> {
    const t0 = performance.now();
    const ms = () => Math.round(performance.now() - t0);
    try {
      const r = await call();
      log.debug("engine call", { op, ...fields, ...(result ? result(r) : {}), ms: ms() });
      return r;
    } catch (err) {
      log.debug("engine call", { op, ...fields, failed: true, ms: ms() });
      throw err;
    }
  }
  const connect = x.connect?.bind(x);
  const inspect = x.inspect?.bind(x);
  return {
    describeNode: () => x.describeNode(),
    ensureImage: (image) => timed("ensureImage", { image }, () => x.ensureImage(image)),
    create: (spec) => timed("create", { name: spec.name }, () => x.create(spec), (containerId) => ({ containerId })),
    start: (containerId) => timed("start", { containerId }, () => x.start(containerId)),
    wait: (containerId, signal) => x.wait(containerId, signal),
    stop: (containerId, opts) => x.stop(containerId, opts),
    remove: (containerId) => x.remove(containerId),
    list: (nodeId) => x.list(nodeId),
    ...(connect ? { connect: (containerId, network, endpoint) => timed("connect", { containerId, network }, () => connect(containerId, network, endpoint)) } : {}),
    ...(inspect ? { inspect: (containerId) => timed("inspect", { containerId }, () => inspect(containerId)) } : {}),
    ...(x.logs ? { logs: x.logs.bind(x) } : {}),
    ...(x.kill ? { kill: x.kill.bind(x) } : {}),
    ...(x.top ? { top: x.top.bind(x) } : {}),
  };
}
