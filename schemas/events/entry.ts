import type { z } from "zod";
import type { Actor } from "../primitives.js";
import type { ControlPlaneService } from "../roster.js";

/*
 * What one catalogue entry declares about an event type (schemas/events/index.ts composes them).
 * Everything else about the type — the envelope schema, the producer table, the subject kind,
 * batch expansion, the audit's checks — is derived from these declarations.
 */

/** A batch (DESIGN §3): one stored message standing for many singular events of one member type. */
export interface BatchSpec<D = never, El = never> {
  /** The singular type each member reads as. */
  member: string;
  /** The batch's members, in order. */
  elements: (data: D) => readonly El[];
  /** One member's data (of the member type) from the batch's data and its element. */
  expand: (data: D, el: El) => object;
  /** The member's actor when it is not the batch's (a reported status: the node, via the dispatcher). */
  actor?: (el: El, batch: Actor) => Actor;
}

export interface EntrySpec<S extends z.ZodType = z.ZodType> {
  data: S;
  /** The one control-plane service that appends it (schemas/roster.ts). */
  producer: ControlPlaneService;
  /**
   * Whom the producer acts for, when not for its own instance: a user (the api's events: actor a
   * user, `via` the api instance) or a node (a dispatcher's report: actor the node, `via` it).
   */
  actsFor?: "user" | "node";
  /** The data schema's version (the envelope's `v`). Bump on an incompatible change, with `upcast`. Default 1. */
  version?: number;
  /** Turns data of an older version into this one's (needed once `version` > 1). */
  upcast?: (data: unknown, from: number) => unknown;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a batch's types are checked where it is declared (`batch`)
  batch?: BatchSpec<any, any>;
}

/** An entry as the catalogue holds it: its spec plus its aggregate's subject kind and id field. */
export type Entry<K extends string, S extends EntrySpec> = S & {
  kind: K;
  /** The data field naming the aggregate's id (`swarm.evt.<kind>.<id>`); absent: the id is the producer's scope. */
  idField: string | undefined;
  version: number;
};

/**
 * One aggregate's event types: every entry gets the aggregate's subject kind (`swarm.evt.<kind>.<id>`)
 * and the data field holding its id.
 */
export function aggregate<K extends string, E extends Record<string, EntrySpec>>(
  kind: K, idField: string | undefined, events: E,
): { [T in keyof E]: Entry<K, E[T]> } {
  const out: Record<string, unknown> = {};
  for (const [type, spec] of Object.entries(events)) out[type] = { ...spec, kind, idField, version: spec.version ?? 1 };
  return out as { [T in keyof E]: Entry<K, E[T]> };
}

/**
 * A batch spec, checked against the batch's data schema and its member's (`member`: the member
 * type's name and data schema; the catalogue's unit test checks the name and schema agree).
 */
export function batch<S extends z.ZodType, M extends z.ZodType, El>(
  _data: S, member: { type: string; data: M },
  spec: { elements: (d: z.infer<S>) => readonly El[]; expand: (d: z.infer<S>, el: El) => z.infer<M>; actor?: (el: El, b: Actor) => Actor },
): BatchSpec<z.infer<S>, El> {
  return { member: member.type, ...spec } as BatchSpec<z.infer<S>, El>;
}
