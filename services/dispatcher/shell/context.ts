import type { Actor } from "../../../schemas/index.js";
import { type Ownership } from "../../shared/instances/index.js";
import { decideAndCommit, type Controller } from "../../shared/reconcile/index.js";
import { serviceActor, type ServiceDeps } from "../../shared/runtime/index.js";
import { type ClusterState, type PlannedEvent } from "../../shared/model/index.js";
import { type Informer } from "../../shared/projection/index.js";
import { type Logger } from "../../shared/telemetry/index.js";

/** What the dispatcher's edges share: the projection, the clock, node liveness, the committer. */
export interface DispatcherContext {
  deps: ServiceDeps;
  informer: Informer;
  log: Logger;
  now: () => Date;
  /** Node id → last heartbeat or registration seen (ms, dispatcher clock). */
  lastSeen: Map<string, number>;
  /** Node id → heartbeat period (ms) it beats at: told at registration, or stated in its heartbeats. */
  toldPeriodMs: Map<string, number>;
  /** The nodes this instance owns (liveness, marking ready, task docs, reports): the controller's ownership. */
  partition: Pick<Ownership, "owns">;
  /** Node id → until when (ms) its reports stay queued: taken over from a live instance (core/handover.ts). */
  handoverUntil: Map<string, number>;
  /**
   * Decide and append until the decider has nothing left to say (each round at most one event per
   * aggregate, so rounds never conflict with themselves); resolves once the projection has it all.
   * `nodeId`: the events answer that node's report, registration or heartbeat, so the node is their
   * actor (`via` this instance); without it the actor is this instance itself.
   */
  commit(decide: (s: ClusterState) => PlannedEvent[], nodeId?: string, rounds?: number): Promise<number>;
}

/** Rounds per commit, at most (a registration takes two: the description, then ready). */
const MAX_ROUNDS = 16;

/** The context of the dispatcher's edges around its controller (its projection, its ownership). */
export function makeContext(deps: ServiceDeps, ctl: Controller): DispatcherContext {
  const { informer, log, now } = ctl;
  const self = serviceActor(deps.instanceId);
  return {
    deps, informer, log, now, lastSeen: new Map(), toldPeriodMs: new Map(), handoverUntil: new Map(),
    // Read through the controller: its ownership exists once it starts, before any edge runs.
    partition: { owns: (nodeId) => ctl.ownership.owns(nodeId) },
    async commit(decide, nodeId, rounds = MAX_ROUNDS) {
      const actor: Actor = nodeId ? { kind: "node", id: nodeId, via: deps.instanceId } : self;
      const ctx = () => ({ actor, now: now() });
      let last = 0;
      for (let round = 0; round < rounds; round++) {
        const written = await decideAndCommit(deps.store, informer, decide, ctx);
        if (written === 0) break;
        last = written;
      }
      return last;
    },
  };
}
