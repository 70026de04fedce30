import { jetstream, type JetStreamClient } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { ClusterState } from "../../shared/model/index.js";
import type { Logger } from "../../shared/telemetry/index.js";
import { subjects, type NetMapDoc } from "../../../schemas/index.js";
import { netMapOf, removedMap, sameMap } from "../core/index.js";

/**
 * The networks' maps on the bus: after a pass, each network an event touched since the last
 * publish gets its map recomputed from the projection and, when its content changed, written to
 * `swarm.netmap.<id>` (stream NETWORK_MAPS, JetStream-acknowledged) and then announced on
 * `swarm.netmapchg.<id>`. A newly active allocator republishes every map (`forceAll`): the one
 * before it may have died between a pass and its maps.
 */
export class MapPublisher {
  private readonly js: JetStreamClient;
  private readonly last = new Map<string, NetMapDoc>();
  private readonly dirty = new Set<string>();
  private all = true;
  private force = true;

  constructor(private readonly nc: NatsConnection, private readonly log: Logger) {
    this.js = jetstream(nc);
  }

  /** Networks whose maps an event may have changed. */
  touched(ids: readonly string[] | "all"): void {
    if (ids === "all") this.all = true;
    else for (const id of ids) this.dirty.add(id);
  }

  /** Republish every map, changed or not (this instance became the active allocator). */
  forceAll(): void {
    this.all = true;
    this.force = true;
  }

  /** Publishes the maps that changed; a failure leaves them dirty for the next pass. */
  async publish(state: ClusterState): Promise<number> {
    const ids = this.all ? new Set([...state.networks.keys(), ...this.last.keys()]) : new Set(this.dirty);
    const force = this.force;
    this.all = false;
    this.force = false;
    this.dirty.clear();
    let n = 0;
    try {
      for (const id of [...ids].sort()) {
        const net = state.networks.get(id);
        const prev = this.last.get(id);
        const doc = net ? netMapOf(state, net, state.seq) : prev && !prev.removed ? removedMap(id, prev, state.seq) : undefined;
        if (!doc || (!force && sameMap(prev, doc))) { ids.delete(id); continue; }
        await this.js.publish(subjects.netMap(id), JSON.stringify(doc));
        this.nc.publish(subjects.netMapChanged(id), JSON.stringify({ seq: doc.seq }));
        this.last.set(id, doc);
        ids.delete(id);
        n++;
      }
    } catch (err) {
      for (const id of ids) this.dirty.add(id);
      if (force) this.force = true;
      throw err;
    }
    if (n > 0) this.log.debug("network maps published", { count: n, seq: state.seq });
    return n;
  }
}
