import { setMaxListeners } from "node:events";
import { isTerminal, type NodeTaskDoc, type TaskStatusReport } from "../../../schemas/index.js";
import { errorMessage } from "../../shared/errors/index.js";
import { type Logger } from "../../shared/telemetry/index.js";
import { planAdoption } from "../core/adopt.js";
import { containerConfig, stopOptions } from "../core/container-config.js";
import { classicDeps, dependencyConfig, startingTargets } from "../core/classic-deps.js";
import { connectOthers, networkWait, type NetworksPort } from "./task-networks.js";
import { expandTemplates, type TemplateNode } from "../core/templates.js";
import { needsFiles, type FileMount } from "../core/task-files.js";
import { HealthWatcher } from "./health-watcher.js";
import type { ContainerSummary, Executor } from "../core/executor.js";
import { applyDoc, evolve, plan, report, type Outcome, type Step, type TaskRecord } from "../core/task-machine.js";

/** Delay before retrying a step that failed transiently (stop, remove), ms. */
const RETRY_MS = 1000;

export interface TaskRunnerDeps {
  nodeId: string;
  executor: Executor;
  log: Logger;
  now: () => Date;
  /** Receives every status report, in order. */
  report(reports: TaskStatusReport[]): void;
  /** How often a container's health is polled while it has a health check, ms. Default 1000. */
  healthPollMs?: number;
  /** Secret and config files (`shell/task-files.ts`); without it a task that has references is rejected. */
  files?: TaskFilesPort;
  /** The node's overlay (`shell/overlay.ts`); without it a task with networks waits for ever. */
  networks?: NetworksPort;
  /** This node as service templates name it (`{{.Node.Hostname}}`). Default empty strings. */
  node?: TemplateNode;
}

/** What the runner needs of a task's secret and config files. */
export interface TaskFilesPort {
  /** Delivers and writes the task's files; the container's mounts. Throws with the reason. */
  prepare(doc: NodeTaskDoc): Promise<FileMount[]>;
  /** Removes them (idempotent, never throws). */
  release(taskId: string): Promise<void>;
  /** Removes those of every task `keep` says no. */
  sweep(keep: (taskId: string) => boolean): Promise<void>;
}

/**
 * Runs each task's state machine: one step at a time per task (tasks run concurrently), the
 * executor doing the I/O. Nothing is created before `adopt()` has matched existing containers
 * to the full desired set, so a restarted agent never duplicates a container.
 */
export class TaskRunner {
  private readonly records = new Map<string, TaskRecord>();
  /** Version of each forgotten task's last doc, so a stale re-delivery does not bring it back. */
  private readonly forgotten = new Map<string, number>();
  private readonly busy = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly abort = new AbortController();
  /** The exit watch of every container being watched, aborted on stop. */
  private readonly watches = new Set<AbortController>();
  private active = false;
  private readonly health: HealthWatcher;

  constructor(private readonly d: TaskRunnerDeps) {
    // One listener per watched container: many are expected, not a leak.
    setMaxListeners(0, this.abort.signal);
    this.health = new HealthWatcher(d.executor, d.healthPollMs ?? 1000, d.log, this.abort.signal, (taskId, out) => this.afterWatch(taskId, out),
      (taskId, containerId) => {
        const r = this.records.get(taskId);
        return !!r && r.containerId === containerId && r.health !== "unhealthy";
      });
  }

  /** A doc from the feed: newer versions replace the desired state, older ones are ignored. */
  applyDoc(doc: NodeTaskDoc): void {
    if ((this.forgotten.get(doc.taskId) ?? -1) >= doc.version) return;
    const next = applyDoc(this.records.get(doc.taskId), doc);
    if (!next) return;
    this.records.set(doc.taskId, next);
    this.kick(doc.taskId);
  }

  /** After the full set: adopt this node's containers, discard the rest, then start working. */
  async adopt(): Promise<void> {
    const containers = await this.d.executor.list(this.d.nodeId);
    const p = planAdoption(this.records, containers);
    for (const [taskId, c] of p.adopt) {
      this.apply(taskId, {
        kind: "adopted", containerId: c.id, state: c.state,
        ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}), ...(c.health ? { health: c.health } : {}), ...(c.ports ? { ports: c.ports } : {}),
      });
      this.d.log.info("container adopted", { taskId, containerId: c.id, state: c.state });
    }
    await Promise.all(p.discard.map((c) => this.discard(c)));
    // Files of tasks this node no longer runs (removed, or ended while the agent was away).
    await this.d.files?.sweep((taskId) => {
      const r = this.records.get(taskId);
      return !!r && !isTerminal(r.observed);
    });
    this.active = true;
    for (const taskId of this.records.keys()) this.kick(taskId);
  }

  /** Current state of every task that has reported something (re-sent after a reconnect). */
  snapshot(): TaskStatusReport[] {
    const at = this.d.now().toISOString();
    return [...this.records.values()].filter((r) => r.observed !== "assigned").map((r) => report(r, at));
  }

  /** Stops working; containers are left as they are (a restarted agent adopts them). */
  async stop(): Promise<void> {
    this.active = false;
    this.abort.abort();
    for (const w of this.watches) w.abort();
    this.watches.clear();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private async discard(c: ContainerSummary): Promise<void> {
    try {
      await this.d.executor.stop(c.id, { graceSeconds: 10 });
      await this.d.executor.remove(c.id);
      this.d.log.info("stray container removed", { containerId: c.id, name: c.name });
    } catch (err) {
      this.d.log.warn("stray container not removed", { containerId: c.id, err: errorMessage(err) });
    }
  }

  private kick(taskId: string): void {
    if (!this.active) return;
    if (this.busy.has(taskId)) { this.dirty.add(taskId); return; }
    this.busy.add(taskId);
    void this.loop(taskId).finally(() => {
      this.busy.delete(taskId);
      if (this.dirty.delete(taskId)) this.kick(taskId);
    });
  }

  private async loop(taskId: string): Promise<void> {
    while (this.active) {
      const rec = this.records.get(taskId);
      if (!rec) return;
      const step = plan(rec);
      if (step.kind === "idle") return;
      if (step.kind === "forget") {
        this.records.delete(taskId);
        this.forgotten.set(taskId, rec.doc.version);
        return;
      }
      const out = await this.execute(taskId, rec, step);
      if (!this.active) return;
      if (!out) { this.retryLater(taskId); return; }
      this.apply(taskId, out);
    }
  }

  private apply(taskId: string, out: Outcome): void {
    const rec = this.records.get(taskId);
    if (!rec) return;
    const e = evolve(rec, out, this.d.now().toISOString());
    this.records.set(taskId, e.rec);
    if (e.reports.length) this.d.report(e.reports);
    // The container has stopped: nothing reads its files any more (dockerd, too, unmounts a
    // container's secrets when it stops).
    if (isTerminal(e.rec.observed) && !isTerminal(rec.observed) && needsFiles(rec.doc)) void this.d.files?.release(taskId);
  }

  /** Runs one step; undefined means a transient failure (retry later). */
  private async execute(taskId: string, rec: TaskRecord, step: Exclude<Step, { kind: "idle" | "forget" }>): Promise<Outcome | undefined> {
    const x = this.d.executor;
    switch (step.kind) {
      case "advance":
        // A task whose networks are not built on this node yet says so while it prepares.
        return { kind: "advanced", to: step.to, message: (step.to === "preparing" && networkWait(this.d.networks, rec.doc)?.message) || step.message };
      case "prepare": {
        // Never started unattached: it waits (retried every RETRY_MS) until its networks are built, or is rejected when one cannot be (as swarmkit's executor does).
        const wait = networkWait(this.d.networks, rec.doc);
        if (wait?.final) return { kind: "prepare-failed", error: wait.message };
        if (wait) { this.whenNetworksBuilt(taskId, rec.doc); return undefined; }
        try {
          await x.ensureImage(rec.doc.spec.ContainerSpec.Image);
          const mounts = await this.files(rec.doc);
          const first = rec.doc.networks?.[0];
          const spec = expandTemplates(rec.doc, this.d.node ?? { hostname: "", os: "", architecture: "" });
          const cfg = containerConfig({ ...rec.doc, spec }, mounts, first && this.d.networks?.gateway(first.networkId));
          const deps = classicDeps(spec.ContainerSpec.Labels); // a classic container's targets, on this node
          const here = deps ? await x.list(this.d.nodeId) : [];
          if (deps && startingTargets(deps, here, this.records.values()).length) return undefined; // created once they run (retried)
          if (deps) Object.assign(cfg.HostConfig, dependencyConfig(deps, here, rec.doc.serviceName));
          const containerId = await x.create(cfg);
          await connectOthers(x, rec.doc, containerId);
          return { kind: "prepared", containerId };
        } catch (err) {
          return { kind: "prepare-failed", error: errorMessage(err) };
        }
      }
      case "start": return this.start(taskId, rec.containerId!);
      case "watch":
        this.watch(taskId, rec.containerId!);
        if (rec.health) this.health.watch(taskId, rec.containerId!);
        return { kind: "watching" };
      case "kill-unhealthy":
        return this.transient(taskId, "stop of unhealthy container", async () => {
          await x.stop(rec.containerId!, stopOptions(rec.doc));
          const exitCode = await x.wait(rec.containerId!, this.abort.signal);
          return { kind: "exited", containerId: rec.containerId!, exitCode };
        });
      case "stop":
        return this.transient(taskId, "stop", async () => { await x.stop(rec.containerId!, stopOptions(rec.doc)); return { kind: "stopped" }; });
      case "remove":
        return this.transient(taskId, "remove", async () => { await x.remove(rec.containerId!); return { kind: "removed" }; });
    }
  }

  /** Networks the tasks of this node attach to (the overlay builds them). */
  networksInUse(): Set<string> {
    return new Set([...this.records.values()].flatMap((r) => (r.doc.networks ?? []).map((n) => n.networkId)));
  }

  /** Tasks whose containers run and are still wanted running (the mesh may send to them). */
  servingTasks(): Set<string> {
    return new Set([...this.records.entries()].filter(([, r]) => r.observed === "running" && !r.doc.removed && r.doc.desiredState === "running").map(([id]) => id));
  }

  private async files(doc: NodeTaskDoc): Promise<FileMount[]> {
    if (!needsFiles(doc)) return [];
    if (!this.d.files) throw new Error("this agent cannot deliver secrets and configs");
    return this.d.files.prepare(doc);
  }

  private async start(taskId: string, containerId: string): Promise<Outcome> {
    try {
      await this.d.executor.start(containerId);
    } catch (err) {
      return { kind: "start-failed", error: errorMessage(err) };
    }
    // Watched once started, until it is not running: a container that has already exited is seen
    // at once. (A wait for the next exit registered before start missed such a container when its
    // request reached the engine after the exit; the task then stayed running forever.) Its exit
    // may be applied before `started`: the machine records the exit and ignores the late start.
    this.watch(taskId, containerId);
    return this.afterStart(taskId, containerId);
  }

  /** Reads the started container's health check and bound ports (if the runtime can tell). */
  private async afterStart(taskId: string, containerId: string): Promise<Outcome> {
    if (!this.d.executor.inspect) return { kind: "started" };
    try {
      const h = await this.d.executor.inspect(containerId);
      if (h.status) this.health.watch(taskId, containerId);
      return { kind: "started", ports: h.ports, ...(h.status ? { health: h.status } : {}) };
    } catch (err) {
      this.d.log.warn("inspect after start failed", { taskId, containerId, err: errorMessage(err) });
      return { kind: "started" };
    }
  }

  private watch(taskId: string, containerId: string): void {
    // Kept in a set that stop() aborts, not chained to the runner's signal with a listener: an
    // EventTarget checks each new listener against all the others (a node runs hundreds of tasks).
    const ac = new AbortController();
    if (!this.active) ac.abort();
    this.watches.add(ac);
    this.d.executor.wait(containerId, ac.signal).then(
      (exitCode) => this.afterWatch(taskId, { kind: "exited", containerId, exitCode }),
      (err) => {
        if (!ac.signal.aborted) this.afterWatch(taskId, { kind: "lost", containerId, error: `task: ${errorMessage(err)}` });
      },
    ).finally(() => this.watches.delete(ac));
  }

  private afterWatch(taskId: string, out: Outcome): void {
    if (!this.active) return;
    this.apply(taskId, out);
    this.kick(taskId);
  }

  private async transient(taskId: string, what: string, fn: () => Promise<Outcome>): Promise<Outcome | undefined> {
    try {
      return await fn();
    } catch (err) {
      this.d.log.warn(`${what} failed; will retry`, { taskId, err: errorMessage(err) });
      return undefined;
    }
  }

  /**
   * Asks the overlay for a pass and goes on as soon as it has built the task's networks, or found
   * one it cannot build (a network built from scratch takes a pass or two: waiting for the next
   * retry added up to RETRY_MS to every create → reachable); the retry stays for the other cases.
   */
  private whenNetworksBuilt(taskId: string, doc: NodeTaskDoc): void {
    void Promise.resolve(this.d.networks?.kick()).then(() => { const w = networkWait(this.d.networks, doc); if (!w || w.final) this.kick(taskId); }, () => undefined);
  }

  private retryLater(taskId: string): void {
    const t = setTimeout(() => { this.timers.delete(t); this.kick(taskId); }, RETRY_MS);
    this.timers.add(t);
  }
}
