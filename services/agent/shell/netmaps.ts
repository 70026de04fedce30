import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { NetMapDoc, STREAMS, formatZodError, subjects } from "../../../schemas/index.js";
import { errorMessage } from "../../shared/errors/index.js";
import { every } from "../../shared/runtime/index.js";
import { type Logger } from "../../shared/telemetry/index.js";

export interface NetMapsOptions {
  /** How often every map is read again (repairs a missed announcement), ms. Default 10000. */
  resyncMs?: number;
}

/** Called with a map that is new or newer than the one held (also a `removed: true` one). */
export type NetMapListener = (doc: NetMapDoc) => void;

/**
 * The networks' maps as this node sees them (schemas/netmap.ts). Every map is read at start and
 * every `resyncMs` by walking NETWORK_MAPS with direct gets (`next_by_subj`: the one read a node's
 * bus identity may do on that stream, and the stream keeps one message per network); a change
 * announced on `swarm.netmapchg.<id>` is read at once (direct get of the subject's last message).
 * A map never replaces a newer one (`seq`). The data plane (bridges, VXLAN) and the DNS and VIP
 * rules follow it through `onChange`.
 */
export class NetMaps {
  private readonly maps = new Map<string, NetMapDoc>();
  private readonly listeners = new Set<NetMapListener>();
  private sub?: Subscription;
  private timer?: { stop(): void };
  private jsm?: JetStreamManager;

  constructor(private readonly nc: NatsConnection, private readonly log: Logger, private readonly opts: NetMapsOptions = {}) {}

  /** Subscribes to the announcements, then reads every map; resolves once they are held. */
  async start(): Promise<void> {
    this.jsm = await jetstreamManager(this.nc, { checkAPI: false });
    this.sub = this.nc.subscribe(subjects.netMapChangedAll, {
      callback: (err, m) => {
        if (err) return;
        const networkId = m.subject.slice(subjects.netMapChanged("").length);
        void this.readOne(networkId).catch((e: unknown) => this.log.warn("network map not read", { networkId, err: errorMessage(e) }));
      },
    });
    // Before the first read: a read that fails now (the stream not there yet) is repaired by it.
    this.timer = every(this.opts.resyncMs ?? 10_000, () => this.readAll(), this.log);
    await this.readAll();
  }

  stop(): void {
    this.timer?.stop();
    this.sub?.unsubscribe();
  }

  /** The maps held now (also removed ones), by network id. */
  current(): ReadonlyMap<string, NetMapDoc> {
    return this.maps;
  }

  get(networkId: string): NetMapDoc | undefined {
    return this.maps.get(networkId);
  }

  /** Registers a listener; returns its removal. */
  onChange(fn: NetMapListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Reads every map in the stream (one direct get per network). */
  async readAll(): Promise<void> {
    for (let seq = 1; ;) {
      const m = await this.jsm!.direct.getMessage(STREAMS.netMaps, { seq, next_by_subj: subjects.netMapAll });
      if (!m) return;
      this.accept(m.subject, m.json());
      seq = m.seq + 1;
    }
  }

  /** Reads one network's map (after its announcement). */
  async readOne(networkId: string): Promise<void> {
    const m = await this.jsm!.direct.getMessage(STREAMS.netMaps, { last_by_subj: subjects.netMap(networkId) });
    if (m) this.accept(m.subject, m.json());
  }

  private accept(subject: string, body: unknown): void {
    const parsed = NetMapDoc.safeParse(body);
    if (!parsed.success) {
      this.log.warn("bad network map ignored", { subject, err: formatZodError(parsed.error) });
      return;
    }
    const doc = parsed.data;
    const held = this.maps.get(doc.networkId);
    if (held && held.seq >= doc.seq) return;
    this.maps.set(doc.networkId, doc);
    for (const fn of this.listeners) {
      try { fn(doc); } catch (err) { this.log.warn("network map listener failed", { networkId: doc.networkId, err: errorMessage(err) }); }
    }
  }
}
