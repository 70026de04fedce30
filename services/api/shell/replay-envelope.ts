import { decodeEvent, entryOf, isEventType, type Envelope, type EventType } from "../../../schemas/index.js";

/*
 * Decoding events on the audit's replay path (`audit state`, `audit diff`, `events`), where a
 * million events must fold in seconds. `audit verify` is what checks every event against its
 * schema; replay only needs what the fold relies on. So: the events whose data the views walk deeply
 * (service specs, node descriptions, the cluster) are parsed with their zod schema; every other
 * event is checked for its envelope, the string ids the fold looks up by, and for TaskCreated what
 * the views read of it. Anything else is skipped, as before.
 */

/** Event types whose data the views read deeply: parsed with their schema even on the fast path. */
const DEEP = new Set(["ServiceCreated", "ServiceUpdated", "NodeRegistered", "ClusterInitialized"]);
const ID_FIELDS = ["taskId", "serviceId", "nodeId"] as const;

function utf8(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("utf8");
}

/**
 * TaskCreated is the most frequent event that carries a spec; the views pass its spec through and
 * read only the image, the service name and the slot, so those are what is checked.
 */
function taskCreatedShape(d: Record<string, unknown>): boolean {
  const spec = d.spec as { ContainerSpec?: { Image?: unknown } } | undefined;
  return typeof d.serviceName === "string" && typeof d.slot === "number" && typeof d.taskId === "string" &&
    typeof d.serviceId === "string" && typeof spec?.ContainerSpec?.Image === "string";
}

/**
 * A batch's members as the fold reads them: a string task id (and node for a placement, slot for a
 * creation, whose batch carries what TaskCreated's shape check reads).
 */
function batchShape(type: EventType, d: Record<string, unknown>): boolean {
  const members = entryOf(type).batch!.elements(d);
  if (!Array.isArray(members) || members.length === 0) return false;
  if (type === "TasksCreated" && !taskCreatedShape({ ...d, taskId: "", slot: 0 })) return false;
  for (const m of members as Record<string, unknown>[]) {
    if (!m || typeof m !== "object" || typeof m.taskId !== "string") return false;
    if (type === "TasksAssigned" && typeof m.nodeId !== "string") return false;
    if (type === "TasksCreated" && typeof m.slot !== "number") return false;
  }
  return true;
}

/** The envelope of a stored event (its bytes or its text), or undefined when it cannot be folded. */
export function replayEnvelope(data: Uint8Array | string): Envelope | undefined {
  let e: Record<string, unknown>;
  try {
    e = JSON.parse(typeof data === "string" ? data : utf8(data)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (!e || typeof e !== "object" || !isEventType(e.type)) return undefined;
  // A version newer than this build's entry is not guessed at (as an unknown type); an older one
  // (absent: 1) takes the full decode, which upcasts it.
  const v = typeof e.v === "number" ? e.v : 1;
  if (v > entryOf(e.type).version) return undefined;
  if (DEEP.has(e.type) || v < entryOf(e.type).version) {
    const r = decodeEvent(e);
    return r.ok ? r.event : undefined;
  }
  const d = e.data as Record<string, unknown> | null;
  if (typeof e.subject !== "string" || typeof e.at !== "string" || !d || typeof d !== "object") return undefined;
  for (const k of ID_FIELDS) if (k in d && typeof d[k] !== "string") return undefined;
  if (!e.actor || typeof e.actor !== "object") return undefined;
  if (e.type === "TaskCreated" && !taskCreatedShape(d)) return undefined;
  if (entryOf(e.type).batch && !batchShape(e.type, d)) return undefined;
  return e as unknown as Envelope;
}

/** The full schema check (the `events` listing shows what it parsed; verify names what failed). */
export function strictEnvelope(data: Uint8Array): Envelope | undefined {
  try {
    const r = decodeEvent(JSON.parse(utf8(data)));
    return r.ok ? r.event : undefined;
  } catch {
    return undefined;
  }
}
