import type { NatsConnection } from "@nats-io/transport-node";
import { LogsRpc, subjects, taskStateRank } from "../../../schemas/index.js";
import { errorMessage, notFound, SwarmError, unavailable } from "../../shared/errors/index.js";
import type { ClusterState, TaskView } from "../../shared/model/index.js";
import { call } from "../../shared/rpc/index.js";
import { requireCluster } from "../core/decide.js";
import { incompleteWarning, logPayload, type LogFormat } from "../core/log-lines.js";
import { findService } from "../core/lookup.js";
import { stateOf, type AppDeps } from "./context.js";

/*
 * `GET /services/{id}/logs` and `/tasks/{id}/logs` (issue #18): the api asks each node that has
 * (or had) a task of the service for that task's lines, on the node's own subject, and writes
 * them as they come; nothing goes through the event log. A node that does not answer within
 * `openTimeoutMs` is named in swarmkit's "incomplete log stream" warning instead of being waited
 * for. In follow mode new tasks of the service are picked up as soon as their container is known.
 */

export interface LogsQuery extends LogFormat {
  follow: boolean;
  stdout: boolean;
  stderr: boolean;
  /** Unix seconds[.nanoseconds], as text. */
  since?: string;
  tail?: number;
}

/** One piece of the answer: stream 1 stdout, 2 stderr, 3 the daemon's error; the text as sent. */
export type LogPiece = [stream: 1 | 2 | 3, text: string];
/** Where the lines go, a chunk at a time: `write` resolves when the reader can take more (end-to-end back-pressure). */
export interface LogsSink { write(pieces: LogPiece[]): Promise<void> }

export interface LogsTiming {
  /** How long a node may take to open a task's stream, ms. Default 3000. */
  openTimeoutMs?: number;
  /** How long a node holds a request when it has no new line (follow), ms. Default 1000. */
  waitMs?: number;
  /** How often the projection is looked at for new tasks (follow), ms. Default 250. */
  pollMs?: number;
}

export interface LogTarget { serviceId: string; taskId?: string }

/** Resolves `ref` to a service, or a task when `kind` is task; 404 before anything is streamed. */
export function logTarget(deps: AppDeps, kind: "service" | "task", ref: string): LogTarget {
  const state = stateOf(deps);
  requireCluster(state);
  if (kind === "service") return { serviceId: findService(state, ref).id };
  const t = state.tasks.get(ref) ?? [...state.tasks.values()].find((x) => x.id.startsWith(ref));
  if (!t) throw notFound(`task ${ref} not found`);
  return { serviceId: t.serviceId, taskId: t.id };
}

/** The tasks whose logs are read now: placed ones; while following, only once their container is known. */
function readable(state: ClusterState, target: LogTarget, follow: boolean): TaskView[] {
  const ids = target.taskId ? [target.taskId] : [...(state.tasksByService.get(target.serviceId) ?? [])];
  return ids.map((id) => state.tasks.get(id)).filter((t): t is TaskView =>
    t !== undefined && t.nodeId !== undefined && (!follow || t.containerId !== undefined || taskStateRank(t.state) >= taskStateRank("running")));
}

/** Streams the target's lines into `sink` until every stream ended (or, following, until `signal` aborts). */
export async function streamLogs(deps: AppDeps, target: LogTarget, q: LogsQuery, sink: LogsSink, signal: AbortSignal, timing: LogsTiming = {}): Promise<void> {
  const nc = deps.nc;
  if (!nc) throw unavailable("the api has no bus connection to ask the nodes for logs");
  const t = { openTimeoutMs: 3000, waitMs: 1000, pollMs: 250, ...timing };
  const started = new Set<string>();
  const failedNodes = new Set<string>();
  const reasons: string[] = [];
  const pumps: Promise<void>[] = [];
  const fail = async (nodeId: string) => {
    if (failedNodes.has(nodeId)) return;
    failedNodes.add(nodeId);
    const node = stateOf(deps).nodes.get(nodeId);
    // swarmkit's words name the node by id; its name (as `node ls` shows it) follows.
    const reason = `node ${nodeId} (${node?.description?.hostname ?? node?.name ?? "removed"}) is not available`;
    reasons.push(reason);
    // Following, the warning cannot wait for an end that never comes.
    if (q.follow) await sink.write([[3, incompleteWarning([reason])]]);
  };
  const startNew = () => {
    for (const task of readable(stateOf(deps), target, q.follow)) {
      if (started.has(task.id)) continue;
      started.add(task.id);
      pumps.push(pumpTask(nc, deps, task, q, sink, signal, t, fail));
    }
  };
  startNew();
  if (q.follow) {
    while (!signal.aborted && serviceExists(stateOf(deps), target.serviceId)) {
      await sleep(t.pollMs, signal);
      startNew();
    }
  }
  await Promise.all(pumps);
  if (!q.follow && reasons.length && !signal.aborted) await sink.write([[3, incompleteWarning(reasons)]]);
}

function serviceExists(state: ClusterState, serviceId: string): boolean {
  const s = state.services.get(serviceId);
  return s !== undefined && !s.removed;
}

type Timing = Required<LogsTiming>;

async function pumpTask(
  nc: NatsConnection, deps: AppDeps, task: TaskView, q: LogsQuery, sink: LogsSink, signal: AbortSignal, t: Timing,
  fail: (nodeId: string) => Promise<void>,
): Promise<void> {
  const nodeId = task.nodeId!;
  const subject = subjects.logsOfNode(nodeId);
  const ctx = { nodeId, serviceId: task.serviceId, taskId: task.id };
  let streamId: string | undefined;
  try {
    const opened = await call(nc, subject, LogsRpc, {
      op: "open", taskId: task.id, ...(task.containerId ? { containerId: task.containerId } : {}),
      follow: q.follow, stdout: q.stdout, stderr: q.stderr,
      ...(q.since === undefined ? {} : { since: q.since }), ...(q.tail === undefined ? {} : { tail: q.tail }),
    }, { timeoutMs: t.openTimeoutMs });
    streamId = opened.streamId;
    while (streamId && !signal.aborted) {
      const r = await call(nc, subject, LogsRpc, { op: "next", streamId, waitMs: t.waitMs }, { timeoutMs: t.waitMs + t.openTimeoutMs });
      if (r.lines?.length) await sink.write(r.lines.map((line): LogPiece => [line.s, logPayload(line, ctx, q)]));
      if (r.done) streamId = undefined;
    }
  } catch (err) {
    if (signal.aborted) return;
    deps.log?.warn("task logs failed", { taskId: task.id, nodeId, err: errorMessage(err) });
    if (err instanceof SwarmError && err.code === "unavailable") await fail(nodeId);
  } finally {
    // The reader left: the node's stream is closed now rather than at its idle timeout.
    if (streamId) await call(nc, subject, LogsRpc, { op: "close", streamId }, { timeoutMs: t.openTimeoutMs }).catch(() => undefined);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() { clearTimeout(timer); signal.removeEventListener("abort", done); resolve(); }
    signal.addEventListener("abort", done, { once: true });
  });
}
