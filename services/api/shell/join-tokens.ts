import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { decodeEvent, STREAMS, subjects } from "../../../schemas/index.js";
import { unavailable } from "../../shared/errors/index.js";
import type { JoinTokens } from "../app/index.js";
import { CLUSTER_AGGREGATE } from "../core/decide.js";

/**
 * The join tokens from the log: the cluster's first event (`ClusterInitialized`), fetched by one
 * direct get of the first message on its subject. Called once the projection has the cluster, so
 * the message exists; the tokens are in no projection or snapshot (DESIGN §3).
 */
export async function readJoinTokens(nc: NatsConnection): Promise<JoinTokens> {
  const subject = subjects.event("cluster", CLUSTER_AGGREGATE);
  const jsm = await jetstreamManager(nc);
  const m = await jsm.direct.getMessage(STREAMS.events, { seq: 1, next_by_subj: subject });
  if (!m) throw unavailable(`the cluster's first event (${subject}) is not in ${STREAMS.events}`);
  const d = decodeEvent(m.json());
  if (!d.ok) throw unavailable(`the cluster's first event (seq ${m.seq} on ${subject}) cannot be read: ${d.why}`);
  if (d.event.type !== "ClusterInitialized") throw unavailable(`the cluster's first event (seq ${m.seq}) is ${d.event.type}, not ClusterInitialized`);
  return { worker: d.event.data.workerToken, manager: d.event.data.managerToken };
}
