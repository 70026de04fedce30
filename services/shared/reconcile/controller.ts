import type { NatsConnection } from "@nats-io/transport-node";
import { ROSTER, type Actor, type ControlPlaneService, type OwnershipKind, type StoredEvent } from "../../../schemas/index.js";
import { errorMessage } from "../errors/index.js";
import type { ClusterState, EventStore, PlannedEvent } from "../model/index.js";
import { Informer, type InformerOptions } from "../projection/index.js";
import { openOwnership, type MemberStatus, type Ownership, type OwnershipChange, type OwnershipOptions } from "../instances/index.js";
import type { Logger } from "../telemetry/index.js";
import { decideAndCommit } from "./commit.js";
import { WorkQueue, type WorkQueueOptions } from "./work-queue.js";

/** What a controller runs on; `runtime`'s `ServiceDeps` is this type (one definition). */
export interface ControllerDeps {
  nc: NatsConnection;
  store: EventStore;
  log: Logger;
  /** Recorded as the actor of what the controller commits. */
  instanceId: string;
  /** The writer's clock. Default `() => new Date()`. */
  now?: () => Date;
  projection?: Omit<InformerOptions, "log">;
  /** Called if the projection stops after sync (an unreadable event): the process ends (`runService`). */
  onFatal?: (err: Error) => void;
}

export interface ControllerSpec {
  /** The roster's name of the service: its members, its lease, its log. */
  service: ControlPlaneService;
  /** How instances share the work. Default: the roster's kind. An `Ownership`: used as given (tests). */
  ownership?: OwnershipKind | Ownership;
  /** Member sweep period and lease timings (see `OwnershipOptions`). */
  ownershipOptions?: Pick<OwnershipOptions, "sweepMs" | "lease">;
  /** Every key that may need a pass: queued once running, at each resync and after ownership moved. Default none. */
  keysOf?(state: ClusterState): Iterable<string>;
  /** The keys an event may affect (handlers only enqueue; the pass recomputes). Asked only once synced. */
  keysOfEvent(e: StoredEvent, state: ClusterState): Iterable<string>;
  /** The key ownership is judged on (a task doc's node). Default the key itself; undefined: nobody's. */
  ownerOf?(key: string): string | undefined;
  /** The pure planner of one key: the controller decides and commits it, acted by this instance. */
  plan?(state: ClusterState, key: string, now: Date): PlannedEvent[];
  /** A pass of its own instead of `plan` (one that does not append: a doc publish). */
  reconcile?(key: string): Promise<void>;
  /** After a key's pass, with the highest sequence it wrote (0: nothing, or a `reconcile` pass). */
  afterPass?(key: string, written: number, ctl: Controller): void;
  /** Once the projection is synced, before ownership starts and before any event is routed. */
  onSynced?(state: ClusterState): void;
  /** Every event once synced, before its keys are queued. */
  onEvent?(e: StoredEvent, state: ClusterState): void;
  /**
   * After each ownership change, before every owned key is queued again; `starting` while
   * ownership starts (this instance joining: nothing is queued then, the first full pass follows).
   */
  onOwnershipChange?(change: OwnershipChange, starting: boolean): void;
  /** Once ownership has started, before the first full pass (a partitioned publisher's sweep). */
  onStarted?(): Promise<void>;
  /** The keys `status().owns` counts (partitioned). Default `keysOf`. */
  partitionKeysOf?(state: ClusterState): Iterable<string>;
  /** Period of the full resync, ms. Default none. */
  resyncMs?: number;
  queue?: WorkQueueOptions;
}

/**
 * The reconciler's shell (DESIGN §4), one for every controller: informer (replayed, synced before
 * any work) → keys of each event → work queue (one pass per key at a time, bursts debounced,
 * transient failures retried with back-off) → the pure planner → decide-and-commit with
 * expectations. Ownership (all, partitioned, lease) filters what is queued and is checked again
 * when a pass starts; when it changes every owned key is queued, so a takeover is a full pass from
 * the projection. Also a periodic resync of every key.
 */
export class Controller {
  readonly informer: Informer;
  readonly log: Logger;
  readonly now: () => Date;
  private readonly queue: WorkQueue;
  private readonly actor: Actor;
  private own?: Ownership;
  private routing = false;
  /** Ownership has started: a change is a move, no longer this instance joining. */
  private joined = false;
  private resync?: NodeJS.Timeout;
  private unlisten: (() => void)[] = [];

  constructor(private readonly deps: ControllerDeps, private readonly spec: ControllerSpec) {
    this.log = deps.log.child(spec.service);
    this.now = deps.now ?? (() => new Date());
    this.actor = { kind: "service", id: deps.instanceId };
    this.informer = new Informer(deps.store, { ...deps.projection, log: this.log });
    this.queue = new WorkQueue((key) => this.pass(key), this.log, spec.queue);
    this.unlisten.push(this.informer.onEvent((e, state) => this.route(e, state)));
  }

  /** Who this instance is among the service's instances; set by `start`. */
  get ownership(): Ownership {
    if (!this.own) throw new Error(`${this.spec.service} controller: ownership is not open before start`);
    return this.own;
  }

  /** Replays the log, joins (ownership), then queues every key and keeps reconciling until stopped. */
  async start(): Promise<void> {
    const kind = this.spec.ownership ?? ROSTER[this.spec.service].ownership;
    this.own = typeof kind === "string"
      ? await openOwnership(this.deps.nc, kind, { service: this.spec.service, instanceId: this.deps.instanceId, log: this.log, ...this.spec.ownershipOptions })
      : kind;
    this.unlisten.push(this.own.onChange((c) => this.moved(c)));
    await this.informer.start();
    // Before sync a failure rejects `start()`; after it, the controller would act on a state it no longer follows.
    const onFatal = this.deps.onFatal;
    if (onFatal) this.unlisten.push(this.informer.onFailed(onFatal));
    this.spec.onSynced?.(this.informer.state);
    this.routing = true;
    await this.own.start();
    this.joined = true;
    await this.spec.onStarted?.();
    this.enqueueAll();
    if (this.spec.resyncMs) {
      this.resync = setInterval(() => this.enqueueAll(), this.spec.resyncMs);
      this.resync.unref?.();
    }
    // Not "<service> running": services log that themselves once their other edges are up too.
    this.log.info("controller started", { seq: this.informer.seq, ownership: this.own.kind, active: this.own.active, ...this.status() });
  }

  /** Queues `key` if this instance owns it (the pass checks again). */
  enqueue(key: string, delayMs?: number): void {
    if (this.owns(key)) this.queue.add(key, delayMs);
  }

  enqueueAll(): void {
    for (const key of this.spec.keysOf?.(this.informer.state) ?? []) this.enqueue(key);
  }

  /** Decides on the projection and appends with expectations, acted by this instance. */
  commit(decide: (state: ClusterState) => PlannedEvent[]): Promise<number> {
    return decideAndCommit(this.deps.store, this.informer, decide, () => ({ actor: this.actor, now: this.now() }));
  }

  /** What membership shows: the ownership's role, the projection's sequence, a partitioned share. */
  status(): MemberStatus {
    const own = this.own;
    const kind = ROSTER[this.spec.service] as { partitionKind?: string };
    if (!own || own.kind !== "partitioned" || !kind.partitionKind) return { role: own?.status().role ?? "all", seq: this.informer.seq };
    let count = 0;
    for (const k of (this.spec.partitionKeysOf ?? this.spec.keysOf)?.(this.informer.state) ?? []) if (own.owns(k)) count++;
    return { role: own.status().role, seq: this.informer.seq, owns: { count, kind: kind.partitionKind } };
  }

  /** Resolves when no key is queued or in a pass. */
  idle(): Promise<void> { return this.queue.idle(); }

  /** Stops queueing, waits for the passes in flight, then leaves (ownership) and stops following. */
  async stop(): Promise<void> {
    clearInterval(this.resync);
    for (const off of this.unlisten.splice(0)) off();
    await this.queue.stop();
    await this.own?.stop();
    await this.informer.stop();
  }

  private owns(key: string): boolean {
    const owner = this.spec.ownerOf ? this.spec.ownerOf(key) : key;
    return owner !== undefined && this.own !== undefined && this.own.owns(owner);
  }

  private route(e: StoredEvent, state: ClusterState): void {
    if (!this.routing) return;
    this.spec.onEvent?.(e, state);
    for (const key of this.spec.keysOfEvent(e, state)) this.enqueue(key);
  }

  private moved(change: OwnershipChange): void {
    try {
      this.spec.onOwnershipChange?.(change, !this.joined);
    } catch (err) {
      this.log.error("ownership change handler failed", { err: errorMessage(err) });
    }
    if (this.joined) this.enqueueAll();
  }

  private async pass(key: string): Promise<void> {
    // Ownership may have moved since the key was queued.
    if (!this.owns(key)) return;
    let written = 0;
    if (this.spec.plan) {
      const plan = this.spec.plan;
      written = await this.commit((state) => plan(state, key, this.now()));
      if (written > 0) this.log.debug("reconciled", { key, seq: written });
    } else {
      await this.spec.reconcile?.(key);
    }
    this.spec.afterPass?.(key, written, this);
  }
}

/** Builds and starts a controller. */
export async function startController(deps: ControllerDeps, spec: ControllerSpec): Promise<Controller> {
  const c = new Controller(deps, spec);
  await c.start();
  return c;
}
