import { Informer } from "../../shared/projection/index.js";
import { OWN_ALL, PartitionView, type MemberStatus, type Partitioner } from "../../shared/instances/index.js";
import { WorkQueue, decideAndCommit } from "../../shared/reconcile/index.js";
import { deterministicId } from "../../shared/eventlog/index.js";
import { every, serviceActor, type ServiceDeps } from "../../shared/runtime/index.js";
import { packCreated } from "../../shared/model/index.js";
import { type Logger } from "../../shared/telemetry/index.js";
import type { StoredEvent } from "../../../schemas/index.js";
import { nextWakeup, plan } from "../core/index.js";
import { activeServices, affectedServices } from "./routing.js";
import type { SpecLimits } from "../../../schemas/index.js";

export interface OrchestratorOptions {
  /** Period of the full resync of every service, in ms. Default 5000. */
  resyncMs?: number;
  /** Quiet time before a queued service is reconciled (batches bursts), in ms. Default 20. */
  debounceMs?: number;
  /**
   * Work only on the services this instance owns among the live orchestrators in KV
   * `swarm-members` (rendezvous hashing, DESIGN §5). Default false: this instance owns every
   * service (in-process tests, a lone instance). `main.ts` turns it on.
   */
  partitioned?: boolean;
  /** Spec limits a service must be within to be acted on (core/limits.ts). Default SPEC_LIMITS. */
  limits?: SpecLimits;
  /** Partition view sweep period, ms (tests). Default 500. */
  partitionSweepMs?: number;
}

/**
 * The reconciler's shell: informer (replayed and synced before any work) → work queue keyed by
 * service id → pure `plan` → decideAndCommit. Also a periodic full resync, and a timer per service
 * for its next held replacement's promotion.
 */
export class Orchestrator {
  private readonly informer: Informer;
  private readonly queue: WorkQueue;
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly serviceOfTask = new Map<string, string>();
  private readonly wakeups = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private resync?: { stop(): void };
  private unlisten?: () => void;
  private partition: Partitioner = OWN_ALL;
  private view?: PartitionView;

  constructor(private readonly deps: ServiceDeps, private readonly opts: OrchestratorOptions = {}) {
    this.log = deps.log.child("orchestrator");
    this.now = deps.now ?? (() => new Date());
    this.informer = new Informer(deps.store, { ...deps.projection, log: this.log });
    this.queue = new WorkQueue((id) => this.reconcile(id), this.log, { debounceMs: opts.debounceMs ?? 20 });
  }

  async start(): Promise<void> {
    await this.informer.start();
    for (const t of this.informer.state.tasks.values()) this.serviceOfTask.set(t.id, t.serviceId);
    if (this.opts.partitioned) {
      // Ownership moved: every service this instance now owns gets a full pass (the others are
      // dropped by the filter); the pass is level-triggered, so taking over mid-update is safe.
      this.view = await PartitionView.start(this.deps.nc, {
        service: "orchestrator", instanceId: this.deps.instanceId, log: this.log, sweepMs: this.opts.partitionSweepMs,
        onChange: () => { if (this.view) this.enqueueAll(); },
      });
      this.partition = this.view;
    }
    this.unlisten = this.informer.onEvent((e) => this.onEvent(e));
    this.enqueueAll();
    this.resync = every(this.opts.resyncMs ?? 5000, () => this.enqueueAll(), this.log);
    this.log.info("synced", { seq: this.informer.seq, services: this.informer.state.services.size, owned: this.owned() });
  }

  /** What membership shows: the services owned (partitioned) and the projection's sequence. */
  status(): MemberStatus {
    return {
      role: this.view ? "partitions" : "all", seq: this.informer.seq,
      ...(this.view ? { owns: { count: this.owned(), kind: "service" } } : {}),
    };
  }

  private owned(): number {
    return activeServices(this.informer.state).filter((id) => this.partition.owns(id)).length;
  }

  /** Resolves when no service is queued or being reconciled. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  async stop(): Promise<void> {
    this.resync?.stop();
    this.unlisten?.();
    await this.view?.stop();
    for (const w of this.wakeups.values()) clearTimeout(w.timer);
    this.wakeups.clear();
    await this.queue.stop();
    await this.informer.stop();
  }

  private onEvent(e: StoredEvent): void {
    for (const id of affectedServices(e, this.informer.state, this.serviceOfTask)) this.enqueue(id);
    if (e.event.type === "TaskCreated") this.serviceOfTask.set(e.event.data.taskId, e.event.data.serviceId);
    if (e.event.type === "TaskDeleted") this.serviceOfTask.delete(e.event.data.taskId);
  }

  private enqueueAll(): void {
    for (const id of activeServices(this.informer.state)) this.enqueue(id);
  }

  /** Handlers, the resync and wake-ups only queue the services this instance owns. */
  private enqueue(serviceId: string): void {
    if (this.partition.owns(serviceId)) this.queue.add(serviceId);
  }

  private async reconcile(serviceId: string): Promise<void> {
    // Ownership may have moved since the key was queued.
    if (!this.partition.owns(serviceId)) return;
    const seq = await decideAndCommit(
      this.deps.store, this.informer,
      // The pass's new tasks are one TasksCreated on the service's task set (batches.ts).
      (state) => packCreated(state, plan(state, serviceId, this.now(), deterministicId, this.opts.limits)),
      () => ({ actor: serviceActor(this.deps.instanceId), now: this.now() }),
    );
    if (seq > 0) this.log.debug("reconciled", { serviceId, seq });
    this.scheduleWakeup(serviceId);
  }

  /** One timer per service, at its next promotion time (the resync is the safety net). */
  private scheduleWakeup(serviceId: string): void {
    const now = this.now();
    const at = nextWakeup(this.informer.state, serviceId, now, this.opts.limits)?.getTime();
    const current = this.wakeups.get(serviceId);
    if (current && current.at === at) return;
    if (current) clearTimeout(current.timer);
    this.wakeups.delete(serviceId);
    if (at === undefined) return;
    const timer = setTimeout(() => {
      this.wakeups.delete(serviceId);
      this.enqueue(serviceId);
    }, Math.max(0, at - now.getTime()) + 5);
    timer.unref?.();
    this.wakeups.set(serviceId, { at, timer });
  }
}
