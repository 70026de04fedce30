import { errorMessage } from "../../shared/errors/index.js";
import { type Logger } from "../../shared/telemetry/index.js";
import type { Executor } from "../core/executor.js";
import type { Outcome } from "../core/task-machine.js";

/**
 * Polls the health of started containers that have a health check (one inspect per container
 * per period, and only for those), feeding each change to the task's state machine. A watch ends
 * when the container stops running, turns unhealthy, or no longer belongs to the task.
 */
export class HealthWatcher {
  /** taskId → containerId being watched (one poller per task). */
  private readonly watching = new Map<string, string>();

  constructor(
    private readonly executor: Executor,
    private readonly periodMs: number,
    private readonly log: Logger,
    private readonly signal: AbortSignal,
    private readonly onOutcome: (taskId: string, out: Outcome) => void,
    /** Whether the task still has this container and wants it watched. */
    private readonly wanted: (taskId: string, containerId: string) => boolean,
  ) {}

  watch(taskId: string, containerId: string): void {
    if (!this.executor.inspect || this.watching.get(taskId) === containerId) return;
    this.watching.set(taskId, containerId);
    void this.loop(taskId, containerId).finally(() => {
      if (this.watching.get(taskId) === containerId) this.watching.delete(taskId);
    });
  }

  private async loop(taskId: string, containerId: string): Promise<void> {
    let last: string | undefined;
    while (!this.signal.aborted && this.watching.get(taskId) === containerId) {
      await sleep(this.periodMs, this.signal);
      if (this.signal.aborted || !this.wanted(taskId, containerId)) return;
      try {
        const h = await this.executor.inspect!(containerId);
        if (!h.running || !h.status) return; // the exit watcher reports what happened
        if (h.status !== last) {
          last = h.status;
          this.onOutcome(taskId, { kind: "health", containerId, status: h.status });
        }
        if (h.status === "unhealthy") return;
      } catch (err) {
        this.log.warn("health inspect failed; will retry", { taskId, containerId, err: errorMessage(err) });
      }
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() { clearTimeout(t); signal.removeEventListener("abort", done); resolve(); }
    signal.addEventListener("abort", done, { once: true });
  });
}
