import { z } from "zod";
import type { RpcSchemas } from "./rpc.js";

/*
 * `swarm service logs` (issue #18): the api asks each node that has (or had) a task of the service
 * on the node's own subject `swarm.rpc.logs.<nodeId>`; lines travel over NATS, never through the
 * event log. The protocol is pulled by the api, one request per chunk, so flow control is the
 * api's reading pace: the agent reads the engine's log stream only while its buffer for that
 * stream is under a bound, and a reader that stops asking leaves nothing growing on the node
 * (an unasked stream is closed after an idle timeout). Each chunk is one reply to one request,
 * which is what a node's bus identity may send (`allow_responses`, one reply per request).
 */

/** One log line of a task's container: stream 1 stdout, 2 stderr; `t` the engine's RFC3339Nano timestamp; `d` the line with its newline. */
export const LogLine = z.object({ s: z.union([z.literal(1), z.literal(2)]), t: z.string(), d: z.string() });
export type LogLine = z.infer<typeof LogLine>;

/** Which lines of one task's container (Docker's `/containers/{id}/logs` query, per task). */
export const LogsOpen = z.object({
  op: z.literal("open"),
  taskId: z.string().min(1),
  /** The container the task's reports named; absent before the first report (the agent looks it up by label). */
  containerId: z.string().min(1).optional(),
  follow: z.boolean(),
  stdout: z.boolean(),
  stderr: z.boolean(),
  /** Unix seconds with up to nine fractional digits, as text (a double would lose the nanoseconds): lines at or after. */
  since: z.string().regex(/^\d+(\.\d{1,9})?$/, "since: must be unix seconds[.nanoseconds]").optional(),
  /** Lines from the end; absent = all. */
  tail: z.number().int().nonnegative().optional(),
});
export type LogsOpen = z.infer<typeof LogsOpen>;

/** The next chunk of an open stream; waits up to `waitMs` for a line when none is buffered. */
export const LogsNext = z.object({ op: z.literal("next"), streamId: z.string().min(1), waitMs: z.number().int().min(0).max(10_000) });
export const LogsClose = z.object({ op: z.literal("close"), streamId: z.string().min(1) });

export const LogsRequest = z.discriminatedUnion("op", [LogsOpen, LogsNext, LogsClose]);
export type LogsRequest = z.infer<typeof LogsRequest>;

/**
 * open → `streamId`; next → `lines` and `done` (the container's stream ended: no more lines,
 * the stream is gone); close → nothing. `containerId` names the container found at open, if any.
 */
export const LogsReply = z.object({
  streamId: z.string().optional(),
  containerId: z.string().optional(),
  lines: z.array(LogLine).optional(),
  done: z.boolean().optional(),
});
export type LogsReply = z.infer<typeof LogsReply>;

export const LogsRpc = { service: "agent", request: LogsRequest, reply: LogsReply } satisfies RpcSchemas;
