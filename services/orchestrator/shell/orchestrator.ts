import {
  Informer, WorkQueue, decideAndCommit, deterministicId, every, serviceActor, type Logger, type ServiceDeps,
} from "../../shared/index.js";
import type { StoredEvent } from "../../../schemas/index.js";
import { nextWakeup, plan } from "../core/index.js";
import { activeServices, affectedServices } from "./routing.js";

export interface OrchestratorOptions {
  /** Period of the full resync of every service, in ms. Default 5000. */
  resyncMs?: number;
  /** Quiet time before a queued service is reconciled (batches bursts), in ms. Default 20. */
  debounceMs?: number;
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

  constructor(private readonly deps: ServiceDeps, private readonly opts: OrchestratorOptions = {}) {
    this.log = deps.log.child("orchestrator");
    this.now = deps.now ?? (() => new Date());
    this.informer = new Informer(deps.store);
    this.queue = new WorkQueue((id) => this.reconcile(id), this.log, { debounceMs: opts.debounceMs ?? 20 });
  }

  async start(): Promise<void> {
    await this.informer.start();
    for (const t of this.informer.state.tasks.values()) this.serviceOfTask.set(t.id, t.serviceId);
    this.unlisten = this.informer.onEvent((e) => this.onEvent(e));
    this.enqueueAll();
    this.resync = every(this.opts.resyncMs ?? 5000, () => this.enqueueAll(), this.log);
    this.log.info("synced", { seq: this.informer.seq, services: this.informer.state.services.size });
  }

  /** Resolves when no service is queued or being reconciled. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  async stop(): Promise<void> {
    this.resync?.stop();
    this.unlisten?.();
    for (const w of this.wakeups.values()) clearTimeout(w.timer);
    this.wakeups.clear();
    await this.queue.stop();
    await this.informer.stop();
  }

  private onEvent(e: StoredEvent): void {
    for (const id of affectedServices(e, this.informer.state, this.serviceOfTask)) this.queue.add(id);
    if (e.event.type === "TaskCreated") this.serviceOfTask.set(e.event.data.taskId, e.event.data.serviceId);
    if (e.event.type === "TaskDeleted") this.serviceOfTask.delete(e.event.data.taskId);
  }

  private enqueueAll(): void {
    for (const id of activeServices(this.informer.state)) this.queue.add(id);
  }

  private async reconcile(serviceId: string): Promise<void> {
    const seq = await decideAndCommit(
      this.deps.store, this.informer,
      (state) => plan(state, serviceId, this.now(), deterministicId),
      () => ({ actor: serviceActor(this.deps.instanceId), now: this.now() }),
    );
    if (seq > 0) this.log.debug("reconciled", { serviceId, seq });
    this.scheduleWakeup(serviceId);
  }

  /** One timer per service, at its next promotion time (the resync is the safety net). */
  private scheduleWakeup(serviceId: string): void {
    const now = this.now();
    const at = nextWakeup(this.informer.state, serviceId, now)?.getTime();
    const current = this.wakeups.get(serviceId);
    if (current && current.at === at) return;
    if (current) clearTimeout(current.timer);
    this.wakeups.delete(serviceId);
    if (at === undefined) return;
    const timer = setTimeout(() => {
      this.wakeups.delete(serviceId);
      this.queue.add(serviceId);
    }, Math.max(0, at - now.getTime()) + 5);
    timer.unref?.();
    this.wakeups.set(serviceId, { at, timer });
  }
}
