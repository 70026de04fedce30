import { subjects } from "../../../schemas/index.js";
import { plan, versionOf, type ClusterState, type PlannedEvent } from "../../shared/model/index.js";
import { CLUSTER_AGGREGATE, requireCluster, type Fresh } from "./decide.js";

/*
 * Autolock's decision (DESIGN §6): the log records only whether autolock is on and the check value
 * of the current unlock key (never the key). The shell has already had the managers' keys wrapped
 * (or unwrapped) with that key; the expectation on the cluster aggregate orders concurrent changes.
 */

/** `keyCheck`: the new key's check (on, or rotated), or undefined (off). Nothing when it is already so. */
export function decideAutolock(state: ClusterState, keyCheck: string | undefined, fresh: Pick<Fresh, "requestId">): PlannedEvent[] {
  const cluster = requireCluster(state);
  if (cluster.autolockKeyCheck === keyCheck) return [];
  const current = versionOf(state, subjects.event("cluster", CLUSTER_AGGREGATE));
  const data = keyCheck === undefined ? { enabled: false } : { enabled: true, keyCheck };
  return [plan("ClusterAutolockChanged", "cluster", CLUSTER_AGGREGATE, data, current, `autolock:${fresh.requestId}`)];
}
