import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { every, randomId, type Logger } from "../shared/index.js";
import type { Executor } from "./core/executor.js";
import { onReconnect, register } from "./shell/session.js";
import { StatusPublisher } from "./shell/status-publisher.js";
import { followTasks } from "./shell/task-feed.js";
import { TaskRunner } from "./shell/task-runner.js";

export type { Executor, ContainerCreate, ContainerSummary, StopOptions } from "./core/executor.js";
export { ExecutorError } from "./core/executor.js";
export { DockerExecutor } from "./shell/docker-executor.js";
export { LABELS as CONTAINER_LABELS, taskName } from "./core/container-config.js";

export interface AgentDeps {
  nc: NatsConnection;
  log: Logger;
  nodeId: string;
  executor: Executor;
  /** Reported hostname. Default: the engine's (docker info Name). */
  hostname?: string;
  /** The node's address as the dispatcher records it. Default `127.0.0.1`. */
  addr?: string;
  /** The agent's clock. Default `() => new Date()`. */
  now?: () => Date;
  /** How often batched status reports are published, ms. Default 100. */
  statusFlushMs?: number;
}

/**
 * Starts the node agent: register the session, read the full desired set, adopt existing
 * containers, then follow changes and report. `stop()` leaves containers running.
 */
export async function start(deps: AgentDeps): Promise<{ stop(): Promise<void> }> {
  const { nc, nodeId, executor } = deps;
  const log = deps.log.child(`agent-${nodeId}`);
  const now = deps.now ?? (() => new Date());
  const abort = new AbortController();
  let sessionId = randomId();
  const publisher = new StatusPublisher(jetstream(nc), nodeId, () => sessionId, log);
  const runner = new TaskRunner({ nodeId, executor, log, now, report: (r) => publisher.push(...r) });

  const registerSession = async (): Promise<number> => {
    sessionId = randomId();
    return register(nc, async () => {
      const description = await executor.describeNode();
      if (deps.hostname) description.hostname = deps.hostname;
      return { nodeId, sessionId, description, addr: deps.addr ?? "127.0.0.1" };
    }, log, { signal: abort.signal });
  };

  let heartbeatMs = await registerSession();
  log.info("registered", { sessionId, heartbeatMs });
  const flusher = every(deps.statusFlushMs ?? 100, () => publisher.flush(), log);
  let heartbeat = startHeartbeat(heartbeatMs);
  function startHeartbeat(ms: number) {
    return every(ms, () => publisher.heartbeat(now().toISOString()), log);
  }

  let synced: () => void = () => undefined;
  const syncedP = new Promise<void>((r) => { synced = r; });
  const feed = await followTasks(nc, nodeId, log, { onDoc: (d) => runner.applyDoc(d), onSynced: () => synced() });
  await syncedP;
  await runner.adopt();
  log.info("desired set applied; containers adopted");

  onReconnect(nc, abort.signal, log, async () => {
    heartbeatMs = await registerSession();
    heartbeat.stop();
    heartbeat = startHeartbeat(heartbeatMs);
    publisher.push(...runner.snapshot());
    log.info("re-registered after reconnect", { sessionId });
  });

  return {
    stop: async () => {
      abort.abort();
      heartbeat.stop();
      flusher.stop();
      await feed.stop();
      await runner.stop();
      await publisher.flush().catch(() => undefined);
    },
  };
}
