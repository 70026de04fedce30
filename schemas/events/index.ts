import { z } from "zod";
import { Actor } from "../primitives.js";
import { formatZodError } from "../zod-error.js";
import { APITOKEN_EVENTS } from "./apitoken.js";
import { PLACEMENTS_EVENTS, REPORTS_EVENTS, TASKS_EVENTS } from "./batches.js";
import { CLUSTER_EVENTS } from "./cluster.js";
import { NODE_EVENTS } from "./node.js";
import { ALLOCATIONS_EVENTS, NETWORK_EVENTS } from "./network.js";
import { CONFIG_EVENTS, SECRET_EVENTS } from "./secret.js";
import { SERVICE_EVENTS } from "./service.js";
import { TASK_EVENTS } from "./task.js";
import type { BatchSpec } from "./entry.js";
import type { ControlPlaneService } from "../roster.js";

export * from "./apitoken.js";
export * from "./batches.js";
export * from "./cluster.js";
export * from "./network.js";
export * from "./node.js";
export * from "./secret.js";
export * from "./service.js";
export * from "./task.js";
export type { BatchSpec, EntrySpec } from "./entry.js";

/*
 * The event catalogue: every event type, one entry each, one file per aggregate. An entry declares
 * its data schema, its aggregate (subject kind and id field), its one producer and whom it acts
 * for, its schema version, and for a batch its members. What follows is derived from it: the
 * envelope, the producer table, subject kinds, batch expansion (services/shared/model) and the
 * audit's checks (services/api/core/audit-verify.ts). Subjects are `swarm.evt.<kind>.<id>`: one
 * subject per aggregate, so a subject's last sequence is the aggregate's version.
 *
 * A new event type = an entry here (in its aggregate's file) + its case in the fold slice of its
 * aggregate (services/shared/model/<kind>.ts), whose `never` default refuses to compile without it.
 */
export const CATALOGUE = {
  ...CLUSTER_EVENTS, ...NODE_EVENTS, ...SERVICE_EVENTS, ...TASK_EVENTS, ...SECRET_EVENTS, ...CONFIG_EVENTS, ...APITOKEN_EVENTS, ...NETWORK_EVENTS,
  ...TASKS_EVENTS, ...PLACEMENTS_EVENTS, ...REPORTS_EVENTS, ...ALLOCATIONS_EVENTS,
} as const;
type Catalogue = typeof CATALOGUE;

export type EventType = keyof Catalogue;
export type EventData<T extends EventType> = z.infer<Catalogue[T]["data"]>;
export const EVENT_TYPES = Object.keys(CATALOGUE) as EventType[];
/** Every type's data schema. */
export const EVENT_DATA = Object.fromEntries(EVENT_TYPES.map((t) => [t, CATALOGUE[t].data])) as { [T in EventType]: Catalogue[T]["data"] };

/** The aggregate kinds: the `<kind>` of `swarm.evt.<kind>.<id>` (`tasks`, `placements`, `reports`: batches' subjects). */
export type AggregateKind = Catalogue[EventType]["kind"];
/** The event types of one aggregate kind. */
export type EventTypeOf<K extends AggregateKind> = { [T in EventType]: Catalogue[T]["kind"] extends K ? T : never }[EventType];
export type BatchType = { [T in EventType]: Catalogue[T] extends { batch: object } ? T : never }[EventType];
/** The types a fold sees: batches are read as their members. */
export type SingularType = Exclude<EventType, BatchType>;
/** The aggregates a fold has a slice for: the kinds of the singular types. */
export type SingularKind = Catalogue[SingularType]["kind"];

const Meta = {
  id: z.string().min(1),
  subject: z.string().min(1),
  /** Writer's clock, ISO-8601. */
  at: z.string(),
  actor: Actor,
  causationId: z.string().optional(),
  correlationId: z.string().optional(),
  traceparent: z.string().optional(),
  /** The version of `data`'s schema (the catalogue entry's `version`); absent in events written before versions: 1. */
  v: z.number().int().positive().optional(),
};
type Meta = z.infer<z.ZodObject<typeof Meta>>;

export type Envelope = { [T in EventType]: Meta & { type: T; data: EventData<T> } }[EventType];
export type EnvelopeOf<T extends EventType> = Extract<Envelope, { type: T }>;
/** An event as read back from the log: its stream sequence and its aggregate's subject sequence. */
export type StoredEvent = { seq: number; event: Envelope };

const variants = EVENT_TYPES.map((type) => z.object({ ...Meta, type: z.literal(type), data: CATALOGUE[type].data }));
/** The schema of every envelope (a discriminated union on `type`). */
export const Envelope = z.discriminatedUnion("type", variants as [typeof variants[number], ...typeof variants]) as unknown as z.ZodType<Envelope>;

/** The one producer of each type (a control-plane service, schemas/roster.ts). */
export const PRODUCERS = Object.fromEntries(EVENT_TYPES.map((t) => [t, CATALOGUE[t].producer])) as { [T in EventType]: Catalogue[T]["producer"] };
/** Each type's subject kind. */
export const EVENT_KIND = Object.fromEntries(EVENT_TYPES.map((t) => [t, CATALOGUE[t].kind])) as { [T in EventType]: Catalogue[T]["kind"] };

/** The entry of a type (loosely typed: for derivations that treat every type alike). */
export function entryOf(type: EventType): { kind: AggregateKind; idField: string | undefined; producer: ControlPlaneService; actsFor?: "user" | "node"; version: number; upcast?: (d: unknown, from: number) => unknown; batch?: BatchSpec<unknown, unknown> } {
  return CATALOGUE[type] as ReturnType<typeof entryOf>;
}

export function isEventType(t: unknown): t is EventType {
  return typeof t === "string" && Object.hasOwn(CATALOGUE, t);
}

export type Decoded = { ok: true; event: Envelope } | { ok: false; type?: string; why: string };

/**
 * An envelope from a stored message's JSON, or why this build cannot read it. The rolling-upgrade
 * policy (DESIGN §3): a type this build does not know, or a version newer than its entry's, is
 * not guessed at — the reader stops there (services/shared/projection/informer.ts) until it is
 * upgraded; an older version is upcast by its entry.
 */
export function decodeEvent(json: unknown): Decoded {
  const raw = json as { type?: unknown; v?: unknown; data?: unknown } | null;
  const type = raw && typeof raw === "object" ? raw.type : undefined;
  if (!isEventType(type)) {
    return { ok: false, ...(typeof type === "string" ? { type } : {}), why: typeof type === "string" ? `unknown event type ${type} (written by a newer control plane?)` : "not an event envelope (no type)" };
  }
  const e = entryOf(type);
  const v = raw!.v ?? 1;
  if (typeof v === "number" && v > e.version) return { ok: false, type, why: `${type} version ${v} is newer than this build reads (${e.version})` };
  const input = typeof v === "number" && v < e.version && e.upcast ? { ...raw, v: e.version, data: e.upcast(raw!.data, v) } : json;
  const r = Envelope.safeParse(input);
  return r.success ? { ok: true, event: r.data } : { ok: false, type, why: `does not match its schema: ${formatZodError(r.error)}` };
}
