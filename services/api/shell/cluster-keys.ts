import type { NatsConnection } from "@nats-io/transport-node";
import { JoinTokensRpc, KeyHandoverRpc, RotateCaRpc, SignNodeRpc, subjects } from "../../../schemas/index.js";
import { call } from "../../shared/rpc/index.js";
import type { ClusterKeys } from "../app/index.js";

/** The secret-store over rpc (queue group: any instance answers). "No responders" is `unavailable`. */
export function rpcClusterKeys(nc: NatsConnection): ClusterKeys {
  return {
    joinTokens: (generations) => call(nc, subjects.secretStoreJoinTokens, JoinTokensRpc, generations),
    signNode: (req) => call(nc, subjects.secretStoreSignNode, SignNodeRpc, req),
    handover: (req) => call(nc, subjects.secretStoreHandover, KeyHandoverRpc, req),
    rotateCa: (req) => call(nc, subjects.secretStoreRotateCa, RotateCaRpc, req),
  };
}
