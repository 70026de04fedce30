import type { NatsConnection } from "@nats-io/transport-node";
import { errorMessage } from "../../shared/errors/index.js";
import type { Informer } from "../../shared/projection/index.js";
import type { Logger } from "../../shared/telemetry/index.js";

/*
 * Closes a node's live bus connections when it stops being what it was admitted as (DESIGN §6):
 * `swarm node rm`, or a change of role. The callout refuses its reconnection; an expired
 * certificate or grant does not close a live connection by itself, so this is what makes
 * removal take effect at once. Needs a connection in NATS's system account.
 */

interface Connz { server: { id: string }; data?: { connections?: { cid: number }[] } }

/** How long every server of the cluster gets to list its connections. */
const CONNZ_WAIT_MS = 1000;

/** Kicks every connection whose user is `nodeId` on every server; resolves with how many. */
export async function kickNode(sys: NatsConnection, nodeId: string): Promise<number> {
  let kicked = 0;
  const replies = await sys.requestMany("$SYS.REQ.SERVER.PING.CONNZ", JSON.stringify({ user: nodeId, limit: 1024 }), { maxWait: CONNZ_WAIT_MS });
  for await (const r of replies) {
    const z = r.json<Connz>();
    for (const c of z.data?.connections ?? []) {
      await sys.request(`$SYS.REQ.SERVER.${z.server.id}.KICK`, JSON.stringify({ cid: c.cid }), { timeout: 2000 });
      kicked++;
    }
  }
  return kicked;
}

/** Follows the log: a removed node, or one whose role differs from the one it was admitted with, is kicked. */
export function kickOnRemoval(deps: { informer: Informer; log: Logger }, sys: NatsConnection, admitted: Map<string, string>): { stop(): void } {
  const kick = (nodeId: string, why: string) => {
    kickNode(sys, nodeId).then(
      (n) => { admitted.delete(nodeId); if (n > 0) deps.log.info("node's bus connections closed", { nodeId, why, connections: n }); },
      (err: unknown) => deps.log.warn("closing a node's bus connections failed", { nodeId, why, err: errorMessage(err) }),
    );
  };
  const off = deps.informer.onEvent((e) => {
    const ev = e.event;
    if (ev.type === "NodeRemoved") kick(ev.data.nodeId, "removed");
    else if (ev.type === "NodeUpdated") {
      const was = admitted.get(ev.data.nodeId);
      if (was && was !== ev.data.role) kick(ev.data.nodeId, `now a ${ev.data.role}`);
    }
  });
  return { stop: off };
}
