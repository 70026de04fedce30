import { isTerminal, taskStateRank, type NodeTaskDoc, type TaskState, type TaskStatusReport } from "../../../schemas/index.js";
import type { HealthStatus, PortBinding } from "./executor.js";

/** Swarm's error for a container killed for failing its health check (reference §2, OBS). */
export const UNHEALTHY = "dockerexec: unhealthy container";

/**
 * The agent's view of one task: the latest desired doc and what it has observed. Invariant: the
 * observed state only moves forward (reference §2); records are replaced, never mutated.
 */
export interface TaskRecord {
  readonly doc: NodeTaskDoc;
  /** `assigned` until the agent has reported anything. */
  readonly observed: TaskState;
  readonly message: string;
  readonly err?: string;
  readonly containerId?: string;
  readonly exitCode?: number;
  /** An exit watcher is attached to `containerId`. */
  readonly watching: boolean;
  /** Set once the started container is known to have a health check: its last health. */
  readonly health?: HealthStatus;
  /** Host-mode ports the engine bound. */
  readonly ports?: readonly PortBinding[];
}

/** What the shell should do next for a task. `advance` needs no I/O. */
export type Step =
  | { kind: "idle" }
  | { kind: "advance"; to: TaskState; message: string }
  | { kind: "prepare" }
  | { kind: "start" }
  | { kind: "watch" }
  | { kind: "kill-unhealthy" }
  | { kind: "stop" }
  | { kind: "remove" }
  | { kind: "forget" };

/** What happened, fed back into `evolve`. */
export type Outcome =
  | { kind: "advanced"; to: TaskState; message: string }
  | { kind: "prepared"; containerId: string }
  | { kind: "prepare-failed"; error: string }
  | { kind: "started"; health?: HealthStatus; ports?: PortBinding[] }
  | { kind: "health"; containerId: string; status: HealthStatus }
  | { kind: "start-failed"; error: string }
  | { kind: "watching" }
  | { kind: "exited"; containerId: string; exitCode: number }
  | { kind: "lost"; containerId: string; error: string }
  | { kind: "stopped" }
  | { kind: "removed" }
  | { kind: "adopted"; containerId: string; state: "created" | "running" | "exited"; exitCode?: number; health?: HealthStatus; ports?: PortBinding[] };

const rank = taskStateRank;

export function newRecord(doc: NodeTaskDoc): TaskRecord {
  return { doc, observed: "assigned", message: "", watching: false };
}

/** The task is to disappear from this node: tombstone or desired `remove`. */
export function wantsRemoval(doc: NodeTaskDoc): boolean {
  return doc.removed || doc.desiredState === "remove";
}
function wantsShutdown(doc: NodeTaskDoc): boolean {
  return rank(doc.desiredState) >= rank("shutdown");
}

/** A newer doc replaces the desired state; a doc whose version is not newer is ignored (undefined). */
export function applyDoc(rec: TaskRecord | undefined, doc: NodeTaskDoc): TaskRecord | undefined {
  if (!rec) return newRecord(doc);
  if (doc.version <= rec.doc.version) return undefined;
  return { ...rec, doc };
}

export function plan(rec: TaskRecord): Step {
  const terminal = isTerminal(rec.observed);
  if (wantsRemoval(rec.doc)) {
    if (rec.containerId && !terminal) return { kind: "stop" };
    if (rec.containerId) return { kind: "remove" };
    // Never reported (observed < accepted): nothing to tell the dispatcher.
    if (!terminal && rank(rec.observed) >= rank("accepted")) return { kind: "advance", to: "shutdown", message: "shutdown" };
    return { kind: "forget" };
  }
  if (terminal) return { kind: "idle" };
  if (wantsShutdown(rec.doc)) {
    return rec.containerId ? { kind: "stop" } : { kind: "advance", to: "shutdown", message: "shutdown" };
  }
  // Swarm stops a container that turns unhealthy (starting or running) and fails its task.
  if (rec.health === "unhealthy" && rec.containerId) return { kind: "kill-unhealthy" };
  return planAdvance(rec);
}

/** accepted → preparing → ready → starting only while observed < desired; prepare/start/run regardless. */
function planAdvance(rec: TaskRecord): Step {
  const below = rank(rec.observed) < rank(rec.doc.desiredState);
  switch (rec.observed) {
    case "preparing": return { kind: "prepare" };
    // Started, health check pending: stays `starting` until healthy (reference §2).
    case "starting": return rec.health ? (rec.watching ? { kind: "idle" } : { kind: "watch" }) : { kind: "start" };
    case "running": return rec.watching ? { kind: "idle" } : { kind: "watch" };
    case "accepted": return below ? { kind: "advance", to: "preparing", message: "preparing" } : { kind: "idle" };
    case "ready": return below ? { kind: "advance", to: "starting", message: "starting" } : { kind: "idle" };
    default:
      return below && rank(rec.observed) < rank("accepted") ? { kind: "advance", to: "accepted", message: "accepted" } : { kind: "idle" };
  }
}

export interface Evolved {
  rec: TaskRecord;
  /** Status reports to send, in order (empty when nothing observable changed). */
  reports: TaskStatusReport[];
}

/** Applies an outcome; `at` is the report timestamp (ISO), supplied by the shell's clock. */
export function evolve(rec: TaskRecord, out: Outcome, at: string): Evolved {
  switch (out.kind) {
    case "advanced": return move(rec, out.to, { message: out.message }, at);
    case "prepared": return move({ ...rec, containerId: out.containerId }, "ready", { message: "prepared" }, at);
    case "prepare-failed": return move(rec, "rejected", { message: rec.message, err: out.error }, at);
    case "started": return started(rec, out, at);
    case "health": return health(rec, out, at);
    case "start-failed":
      return move(rec, "failed", { message: rec.message, err: `starting container failed: ${out.error}` }, at);
    case "watching": return { rec: { ...rec, watching: true }, reports: [] };
    case "exited":
      if (out.containerId !== rec.containerId) return { rec, reports: [] };
      return exited({ ...rec, watching: false }, out.exitCode, at);
    case "lost":
      if (out.containerId !== rec.containerId) return { rec, reports: [] };
      if (wantsShutdown(rec.doc)) return move({ ...rec, watching: false }, "shutdown", { message: "shutdown" }, at);
      return move({ ...rec, watching: false }, "failed", { message: rec.message, err: out.error }, at);
    case "stopped": return move(rec, "shutdown", { message: "shutdown" }, at);
    case "removed": {
      const { containerId: _gone, ...rest } = rec;
      return { rec: { ...rest, watching: false }, reports: [] };
    }
    case "adopted": return adopted(rec, out, at);
  }
}

function started(rec: TaskRecord, out: Extract<Outcome, { kind: "started" }>, at: string): Evolved {
  const next: TaskRecord = { ...rec, watching: true, ...(out.health ? { health: out.health } : {}), ...(out.ports?.length ? { ports: out.ports } : {}) };
  if (out.health && out.health !== "healthy") return { rec: next, reports: [] };
  return move(next, "running", { message: "started" }, at);
}

function health(rec: TaskRecord, out: Extract<Outcome, { kind: "health" }>, at: string): Evolved {
  if (out.containerId !== rec.containerId || isTerminal(rec.observed) || rec.health === out.status) return { rec, reports: [] };
  const next: TaskRecord = { ...rec, health: out.status };
  if (out.status === "healthy" && rec.observed === "starting") return move(next, "running", { message: "started" }, at);
  return { rec: next, reports: [] };
}

function exited(rec: TaskRecord, exitCode: number, at: string): Evolved {
  // Desired ≥ shutdown: the exit is the stop we asked for (or overtaken by it).
  if (wantsShutdown(rec.doc)) return move(rec, "shutdown", { message: "shutdown", exitCode }, at);
  if (rec.health === "unhealthy") {
    return move(rec, "failed", { message: "started", err: `task: non-zero exit (${exitCode}): ${UNHEALTHY}`, exitCode }, at);
  }
  if (exitCode === 0) return move(rec, "complete", { message: "finished", exitCode }, at);
  return move(rec, "failed", { message: "started", err: `task: non-zero exit (${exitCode})`, exitCode }, at);
}

function adopted(rec: TaskRecord, out: Extract<Outcome, { kind: "adopted" }>, at: string): Evolved {
  const withC: TaskRecord = {
    ...rec, containerId: out.containerId, watching: false,
    ...(out.health ? { health: out.health } : {}), ...(out.ports?.length ? { ports: out.ports } : {}),
  };
  if (out.state === "running" && out.health === "starting") return move(withC, "starting", { message: "starting" }, at);
  if (out.state === "running") return move(withC, "running", { message: "started" }, at);
  if (out.state === "created") return move(withC, "ready", { message: "prepared" }, at);
  return exited(withC, out.exitCode ?? 0, at);
}

/** Moves forward; a terminal state is final (complete is never turned into shutdown). */
function move(rec: TaskRecord, to: TaskState, s: { message: string; err?: string; exitCode?: number }, at: string): Evolved {
  if (rank(to) <= rank(rec.observed) || isTerminal(rec.observed)) return { rec, reports: [] };
  const next: TaskRecord = { ...rec, observed: to, message: s.message, err: s.err, exitCode: s.exitCode ?? rec.exitCode };
  return { rec: next, reports: [report(next, at)] };
}

/** The record's current status as a report (also used to re-send state after a reconnect). */
export function report(rec: TaskRecord, at: string): TaskStatusReport {
  const r: TaskStatusReport = { taskId: rec.doc.taskId, state: rec.observed, message: rec.message, timestamp: at };
  if (rec.err !== undefined) r.err = rec.err;
  if (rec.containerId !== undefined) r.containerId = rec.containerId;
  if (rec.exitCode !== undefined) r.exitCode = rec.exitCode;
  if (rec.ports?.length) r.ports = rec.ports.map((p) => ({ ...p }));
  return r;
}
