import { subjects, type AggregateKind, type Envelope, type EventData, type EventType, type TaskState } from "../../../schemas/index.js";
import { evolve, initialClusterState, type ClusterState } from "./cluster-state.js";

/*
 * Given/when/then for the planners' unit tests (orchestrator, allocator: their `core/test-fixture.ts`
 * extend it): a cluster state built by folding events with the shared `evolve`, exactly as the
 * informer builds it, on a test clock. Test-only; here because the planners' fixtures may share
 * only what core/ may import.
 */

const T0 = Date.parse("2026-01-01T00:00:00.000Z");
const user = { kind: "user", id: "test" } as const;

export class GivenCluster {
  readonly state: ClusterState = initialClusterState();
  /** The test's clock, ms since the epoch. */
  clock = T0;

  get now(): Date { return new Date(this.clock); }

  advance(ms: number): this {
    this.clock += ms;
    return this;
  }

  /** Folds one event on `swarm.evt.<kind>.<id>`, by a user, at the clock's time. */
  event<T extends EventType>(type: T, kind: AggregateKind, id: string, data: EventData<T>): this {
    return this.fold({ id: `e${this.state.seq + 1}`, type, subject: subjects.event(kind, id), at: this.now.toISOString(), actor: user, data } as Envelope);
  }

  status(taskId: string, state: TaskState, extra: { err?: string; exitCode?: number } = {}): this {
    return this.event("TaskStatusChanged", "task", taskId, { taskId, state, message: state, timestamp: this.now.toISOString(), ...extra });
  }

  /** Folds `event` as the log's next one; a subclass also feeds whatever else follows the log. */
  protected fold(event: Envelope): this {
    evolve(this.state, { seq: this.state.seq + 1, event });
    return this;
  }
}
