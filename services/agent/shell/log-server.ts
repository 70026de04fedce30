import type { NatsConnection } from "@nats-io/transport-node";
import { LogsRpc, subjects, type LogsOpen, type LogsReply } from "../../../schemas/index.js";
import { randomId } from "../../shared/eventlog/index.js";
import { errorMessage, notFound, SwarmError, unavailable } from "../../shared/errors/index.js";
import { serve } from "../../shared/rpc/index.js";
import { every } from "../../shared/runtime/index.js";
import type { Logger } from "../../shared/telemetry/index.js";
import { LABELS } from "../core/container-config.js";
import type { Executor } from "../core/executor.js";
import { TaskLogStream } from "./task-log-stream.js";

export interface LogServerOptions {
  /** Buffered bytes per stream before the engine's stream is paused. Default 1 MiB. */
  bufferBytes?: number;
  /** Largest chunk of lines in one reply, bytes (under NATS's 1 MiB message, with JSON's escapes). Default 128 KiB. */
  chunkBytes?: number;
  /** A stream nobody asked for in this long is closed (its reader is gone), ms. Default 30000. */
  idleMs?: number;
  /** Streams open at once on this node. Default 512. */
  maxStreams?: number;
}

const DEFAULTS = { bufferBytes: 1 << 20, chunkBytes: 128 << 10, idleMs: 30_000, maxStreams: 512 } as const;

/**
 * Serves `swarm.rpc.logs.<nodeId>` (schemas/logs-rpc.ts): the log lines of this node's task
 * containers, read from the engine, never through the event log. Only containers labelled with
 * this node and the asked task are read.
 */
export function serveLogs(nc: NatsConnection, nodeId: string, executor: Executor, log: Logger, options: LogServerOptions = {}): { stop(): Promise<void> } {
  const o = { ...DEFAULTS, ...options };
  const streams = new Map<string, TaskLogStream>();

  const open = async (req: LogsOpen): Promise<LogsReply> => {
    if (!executor.logs) throw new SwarmError("failed_precondition", `node ${nodeId}'s container runtime keeps no logs`);
    if (streams.size >= o.maxStreams) throw unavailable(`node ${nodeId} has ${streams.size} log streams open; try again later`);
    const candidates = (await executor.list(nodeId))
      .filter((c) => c.labels[LABELS.taskId] === req.taskId && (!req.containerId || c.id === req.containerId))
      .sort((a, b) => b.created - a.created);
    const container = candidates[0];
    // A task whose container was never created (or is removed) has no lines: Docker shows none.
    if (!container) return { done: true };
    const source = await executor.logs(container.id, {
      follow: req.follow, stdout: req.stdout, stderr: req.stderr,
      ...(req.since === undefined ? {} : { since: req.since }), ...(req.tail === undefined ? {} : { tail: req.tail }),
    });
    const streamId = randomId();
    streams.set(streamId, new TaskLogStream(source, o.bufferBytes, Date.now()));
    return { streamId, containerId: container.id };
  };

  const server = serve(nc, subjects.logsOfNode(nodeId), LogsRpc, async (req) => {
    switch (req.op) {
      case "open":
        return open(req);
      case "next": {
        const s = streams.get(req.streamId);
        if (!s) throw notFound(`no log stream ${req.streamId} on node ${nodeId} (closed after ${o.idleMs} ms without a request?)`);
        s.touched = Date.now();
        const r = await s.next(req.waitMs, o.chunkBytes);
        if (r.done) streams.delete(req.streamId);
        if (r.failure) log.warn("container log stream failed", { streamId: req.streamId, err: r.failure });
        return { lines: r.lines, done: r.done };
      }
      case "close":
        streams.get(req.streamId)?.close();
        streams.delete(req.streamId);
        return {};
    }
  }, { log });

  const sweeper = every(Math.max(1000, o.idleMs / 3), () => {
    const now = Date.now();
    for (const [id, s] of streams) {
      if (now - s.touched < o.idleMs) continue;
      s.close();
      streams.delete(id);
      log.info("log stream closed: its reader stopped asking", { streamId: id });
    }
  }, log);

  return {
    stop: async () => {
      sweeper.stop();
      await server.stop().catch((err) => log.warn("logs rpc stop failed", { err: errorMessage(err) }));
      for (const s of streams.values()) s.close();
      streams.clear();
    },
  };
}
