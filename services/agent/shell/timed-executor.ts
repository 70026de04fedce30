import type { Logger } from "../../shared/telemetry/index.js";
import type { Executor } from "../core/executor.js";

type Method<K extends keyof Executor> = NonNullable<Executor[K]>;

/** What a timed call logs beside its duration: fields from its arguments, and from its result. */
interface Timing<K extends keyof Executor> {
  fields(...args: Parameters<Method<K>>): Record<string, unknown>;
  result?(r: Awaited<ReturnType<Method<K>>>): Record<string, unknown>;
}

/**
 * The engine calls on a task's start path. Keyed by Executor's own method names, so a name that is
 * not one of them (or arguments that no longer match) fails to compile.
 */
const TIMED: { [K in keyof Executor]?: Timing<K> } = {
  ensureImage: { fields: (image) => ({ image }) },
  create: { fields: (spec) => ({ name: spec.name }), result: (containerId) => ({ containerId }) },
  connect: { fields: (containerId, network) => ({ containerId, network }) },
  start: { fields: (containerId) => ({ containerId }) },
  inspect: { fields: (containerId) => ({ containerId }) },
};

/**
 * The executor with the duration of each engine call on a task's start path (image check,
 * create, connect, start, inspect) logged at debug level (`engine call` {op, ms, …}): what tells
 * the engine's share of create → running from the agent's own (bench:network-create reads it
 * from the agent's log with SWARM_LOG_LEVEL=debug). A Proxy, so every other method passes through
 * without being listed here (a hand-written list lost `kill` and `top` once), and a method the
 * runtime lacks stays absent (the runner checks `connect` and `inspect`).
 */
export function timedExecutor(x: Executor, log: Logger): Executor {
  // One function per name, so a method read twice is the same function.
  const made = new Map<PropertyKey, unknown>();
  return new Proxy(x, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== "function") return value;
      if (!made.has(key)) made.set(key, wrap(target, key, value as (...args: unknown[]) => unknown, log));
      return made.get(key);
    },
  });
}

/** A TIMED entry once its method's name is only known at run time. */
interface AnyTiming { fields(...args: unknown[]): Record<string, unknown>; result?(r: unknown): Record<string, unknown> }

/** The method bound to its runtime (a class's methods use `this`), timed when it is in TIMED. */
function wrap(target: Executor, key: PropertyKey, method: (...args: unknown[]) => unknown, log: Logger): (...args: unknown[]) => unknown {
  const timing = typeof key === "string" && Object.hasOwn(TIMED, key) ? (TIMED[key as keyof Executor] as unknown as AnyTiming) : undefined;
  const call = method.bind(target);
  if (!timing) return call;
  return (...args: unknown[]) => timed(key as string, log, () => call(...args) as Promise<unknown>, timing.fields(...args), timing.result?.bind(timing));
}

async function timed<T>(op: string, log: Logger, call: () => Promise<T>, fields: Record<string, unknown>, result?: (r: T) => Record<string, unknown>): Promise<T> {
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
