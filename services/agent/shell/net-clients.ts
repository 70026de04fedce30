import type Docker from "dockerode";
import type { NetMapDoc } from "../../../schemas/index.js";
import { LABELS } from "../core/container-config.js";
import { ipOf } from "../core/ipv4.js";
import type { NetClient } from "./vip-installer.js";

/**
 * This node's running task containers that hold an address on a mapped network: the clients whose
 * netns get VIP rules. The network and address come from the maps (the endpoint of that task on
 * this node); the netns from the engine (the container's pid).
 */
export async function localClients(docker: Docker, nodeId: string, maps: readonly NetMapDoc[], pids = new Map<string, number>()): Promise<NetClient[]> {
  const byTask = new Map<string, NetClient["networks"]>();
  for (const m of maps) {
    if (m.removed) continue;
    for (const e of m.endpoints) {
      if (e.nodeId !== nodeId) continue;
      byTask.set(e.taskId, [...(byTask.get(e.taskId) ?? []), { networkId: m.networkId, ip: ipOf(e.address) }]);
    }
  }
  const list = await docker.listContainers({ filters: { label: [`${LABELS.nodeId}=${nodeId}`], status: ["running"] } });
  const out: NetClient[] = [];
  const running = new Set(list.map((c) => c.Id));
  for (const id of pids.keys()) if (!running.has(id)) pids.delete(id);
  for (const c of list) {
    const taskId = c.Labels[LABELS.taskId];
    const networks = taskId ? byTask.get(taskId) : undefined;
    if (!taskId || !networks) continue;
    // A running container keeps its pid: inspect each one once (`pids`: container id → pid).
    const pid = pids.get(c.Id) ?? (await docker.getContainer(c.Id).inspect().catch(() => undefined))?.State.Pid;
    if (pid) { pids.set(c.Id, pid); out.push({ taskId, pid, networks }); }
  }
  return out;
}
