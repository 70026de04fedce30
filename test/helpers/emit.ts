import type { Actor, AggregateKind, EventData, EventType } from "../../schemas/index.js";
import { subjects } from "../../schemas/index.js";
import { msgIdOf } from "../../services/shared/reconcile/index.js";
import { plan, toAppend, versionOf, type EventStore } from "../../services/shared/model/index.js";
import { type Informer } from "../../services/shared/projection/index.js";

export type Emit = <T extends EventType>(type: T, kind: AggregateKind, id: string, data: EventData<T>) => Promise<void>;

/**
 * Tests play the other producers: `emit` appends one event the way a service would — expecting
 * the aggregate's current version, with a unique step key — once `view` has caught up with the
 * log, and resolves when `view` has applied it. `actor` is recorded (default: the user `prefix`).
 */
export function emitter(store: EventStore, view: Informer, prefix = "test", actor: Actor = { kind: "user", id: prefix }): Emit {
  let step = 0;
  return async (type, kind, id, data) => {
    await view.waitFor(await store.headSeq());
    const p = plan(type, kind, id, data, versionOf(view.state, subjects.event(kind, id)), `${prefix}:${step++}`);
    const r = await store.append(toAppend(p, { actor, now: new Date() }, msgIdOf(p)));
    await view.waitFor(r.seq);
  };
}
