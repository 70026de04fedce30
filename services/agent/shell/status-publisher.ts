import type { NatsConnection } from "@nats-io/transport-node";
import { subjects, type NodeStatusMessage, type TaskStatusReport } from "../../../schemas/index.js";
import { errorMessage } from "../../shared/errors/index.js";
import { type AckedPublisher } from "../../shared/nats/index.js";
import { type Logger } from "../../shared/telemetry/index.js";
import { PendingReports } from "../core/pending-reports.js";

/** Most reports in one `tasks` message. */
const MAX_BATCH = 500;

/**
 * Batches task status reports — one per task, its furthest state (PendingReports) — and publishes
 * them with JetStream (acked) on the node's status subject. A batch that fails to publish is put
 * back and re-sent on the next flush.
 */
export class StatusPublisher {
  private readonly queue = new PendingReports();
  private inflight: Promise<void> | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly acked: AckedPublisher,
    private readonly nodeId: string,
    private readonly sessionId: () => string,
    private readonly log: Logger,
  ) {}

  push(...reports: TaskStatusReport[]): void {
    for (const r of reports) this.queue.add(r);
  }

  /** Tasks with an unsent report. */
  get pending(): number { return this.queue.size; }

  /** Publishes what is queued; concurrent calls share one in-flight publish. */
  flush(): Promise<void> {
    if (this.inflight) return this.inflight;
    if (this.queue.size === 0) return Promise.resolve();
    this.inflight = this.publishOnce().finally(() => { this.inflight = undefined; });
    return this.inflight;
  }

  private async publishOnce(): Promise<void> {
    const batch = this.queue.take(MAX_BATCH);
    const msg: NodeStatusMessage = { kind: "tasks", nodeId: this.nodeId, sessionId: this.sessionId(), updates: batch };
    try {
      await this.acked.publish(subjects.nodeStatus(this.nodeId), JSON.stringify(msg));
    } catch (err) {
      this.queue.putBack(batch);
      this.log.warn("status publish failed; will resend", { err: errorMessage(err), reports: batch.length });
    }
  }

  /** Stops reading acknowledgements (publishes still in flight fail and stay queued). */
  close(): void {
    this.acked.close();
  }

  /** Plain NATS publish: every dispatcher instance hears it (subjects.nodeHeartbeat). */
  async heartbeat(at: string, periodMs?: number): Promise<void> {
    const msg: NodeStatusMessage = { kind: "heartbeat", nodeId: this.nodeId, sessionId: this.sessionId(), at, ...(periodMs ? { periodMs } : {}) };
    this.nc.publish(subjects.nodeHeartbeat(this.nodeId), JSON.stringify(msg));
  }
}
