import { z } from "zod";

/** Swarm object ids: 25 lower-case base-36 characters (the CLI shows the first 12). */
export const ObjectId = z.string().regex(/^[a-z0-9]{25}$/, "must be a 25-character base-36 id");
export type ObjectId = z.infer<typeof ObjectId>;

/** Task states in Swarm's order; the index is the monotone clock a state machine may only advance. */
export const TASK_STATES = [
  "new", "allocated", "pending", "assigned", "accepted", "preparing", "ready", "starting",
  "running", "complete", "shutdown", "failed", "rejected", "remove", "orphaned",
] as const;
export const TaskState = z.enum(TASK_STATES);
export type TaskState = z.infer<typeof TaskState>;

const RANKS = new Map<string, number>(TASK_STATES.map((s, i) => [s, i]));
/** The state's index in TASK_STATES (-1 for a string that is none); a hash lookup: every fold and scheduler pass asks. */
export function taskStateRank(s: TaskState): number {
  return RANKS.get(s) ?? -1;
}
/** True when `a` is strictly later than `b` in Swarm's task state order. */
export function taskStateAfter(a: TaskState, b: TaskState): boolean {
  return taskStateRank(a) > taskStateRank(b);
}
/** A task whose observed state is past running has ended (complete, shutdown, failed, rejected, …). */
export function isTerminal(s: TaskState): boolean {
  return taskStateRank(s) > taskStateRank("running");
}

export const NodeState = z.enum(["unknown", "down", "ready", "disconnected"]);
export type NodeState = z.infer<typeof NodeState>;
export const NodeAvailability = z.enum(["active", "pause", "drain"]);
export type NodeAvailability = z.infer<typeof NodeAvailability>;
export const NodeRole = z.enum(["worker", "manager"]);
export type NodeRole = z.infer<typeof NodeRole>;

/**
 * Who caused an event: an api user or token, a control-plane service instance, or a node.
 * `via` is the control-plane instance that appended it on the actor's behalf (`api-1234` for a
 * user's request, `dispatcher-1234` for a node's report); absent when the actor appended itself.
 */
export const Actor = z.object({
  kind: z.enum(["user", "service", "node"]),
  id: z.string().min(1),
  via: z.string().min(1).optional(),
});
export type Actor = z.infer<typeof Actor>;

/** Go-style durations as the Docker API carries them: integer nanoseconds. */
export const Nanos = z.number().int().nonnegative();

/** Nanoseconds per millisecond: Swarm's durations (Go's `time.Duration`) and JetStream's are nanoseconds. */
export const NS_PER_MS = 1_000_000;
