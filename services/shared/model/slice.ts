import type { z } from "zod";
import type { EnvelopeOf, EventTypeOf, SingularKind, SingularType } from "../../../schemas/index.js";

/*
 * One aggregate's part of the projection (DESIGN §3): its views, its evolve slice and its codec
 * slice. The root (cluster-state.ts) composes the slices; a service may fold only the slices it
 * needs; each slice's snapshot part has its own fingerprint, so a change to one slice's fold
 * invalidates only that part of a snapshot.
 */

/** The singular events of one aggregate kind. */
export type SliceEvent<K extends SingularKind> = EnvelopeOf<EventTypeOf<K> & SingularType>;

export interface Slice<K extends SingularKind, P extends object> {
  kind: K;
  /** This slice's part of an empty state. */
  init(): P;
  /**
   * Folds one singular event of this aggregate (lenient: replay never throws). Its `switch` ends
   * in a `never` default: a catalogue type without its case does not compile.
   */
  apply(state: P, e: SliceEvent<K>, seq: number): void;
  /** The snapshot keys this slice owns, checked on load (loose views: unknown fields carried through). */
  codec: z.ZodObject;
  /** This slice's part of a snapshot: plain data, Maps and Sets as entry arrays. Synchronous: one cut. */
  encode(state: P): Record<string, unknown>;
  /** Back from what `codec` parsed. */
  decode(parsed: Record<string, unknown>): P;
}

/** Exhaustiveness: the `default` of a slice's switch over its event types. */
export function unreachable(e: never): void {
  void e;
}
