import type { NatsConnection } from "../../shared/nats/index.js";
import type { Logger } from "../../shared/telemetry/index.js";
import { cameBack, wentDown, type Outage } from "../core/outages.js";

/**
 * Records when this dispatcher's connections to the bus were down (nats.js status events), for
 * liveness (`core/outages.ts`): a nats-server that died and came back, or a connection that moved
 * to another server of the cluster, leaves a span in which no heartbeat could reach us, and every
 * node's silence counts only from the moment we hear again.
 */
export class OutageWatch {
  private outages: Outage[] = [];
  private stopped = false;

  constructor(private readonly now: () => number, private readonly log: Logger) {}

  /** Follows `nc`'s status until it closes or `stop()`; `conn` names it in the record and the logs. */
  watch(nc: NatsConnection, conn: string): void {
    void (async () => {
      for await (const s of nc.status()) {
        if (this.stopped) break;
        if (s.type === "disconnect" || s.type === "reconnecting") this.down(conn);
        else if (s.type === "reconnect") this.back(conn, s.server);
      }
    })().catch(() => undefined);
  }

  list(): readonly Outage[] {
    return this.outages;
  }

  stop(): void {
    this.stopped = true;
  }

  private down(conn: string): void {
    const before = this.outages.length;
    this.outages = wentDown(this.outages, conn, this.now());
    if (this.outages.length !== before) this.log.warn("connection to the bus lost: no node is judged on heartbeats until it is back", { conn });
  }

  private back(conn: string, server: string): void {
    const at = this.now();
    this.outages = cameBack(this.outages, conn, at);
    const o = this.outages.find((x) => x.conn === conn && x.toMs === at);
    this.log.info("connection to the bus back: every node gets a fresh grace period", { conn, server, outageMs: o ? at - o.fromMs : 0 });
  }
}
