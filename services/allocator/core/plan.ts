import type { ClusterState, PlannedEvent, ServiceView, TaskView } from "../../shared/model/index.js";
import { macOf, taskStateRank, type EventData, type PortConfig, type TaskNetwork } from "../../../schemas/index.js";
import { ExhaustedError, PassIpam, type PassNetwork } from "./pass-ipam.js";
import type { ReleaseLedger } from "./ledger.js";
import { packAllocations } from "./pack.js";
import { choosePort, isIngress, portKey } from "./pools.js";

/*
 * One allocation pass (pure): from the projection, everything missing is decided at once —
 * networks' allocations, services' VIPs and ports for their current spec version, addresses of
 * tasks waiting in `new`, and nodes' gateways on the networks they need — and written as the
 * allocator's four batches on its own subject.
 */

export interface PlanOptions {
  /** How long a freed address waits before it is given again, ms of event time. */
  quarantineMs: number;
}

export interface AllocationPlan {
  events: PlannedEvent[];
  /** Tasks left `new`, and why (`no available IP addresses on network …`, `network … not found`). */
  failures: { taskId: string; err: string }[];
  /** Networks and services that could not be allocated, in words. */
  problems: string[];
}

const RUNNING = taskStateRank("running");

/** A task the allocator must give addresses: created `new`, still wanted, none given yet. */
export function awaitsAllocation(t: TaskView): boolean {
  return t.state === "new" && !t.networks && taskStateRank(t.desiredState) <= RUNNING;
}

/** The service publishes ingress-mode ports (the routing mesh: its tasks join the ingress network). */
export function publishesIngress(s: ServiceView | undefined): boolean {
  return (s?.spec.EndpointSpec?.Ports ?? []).some(isIngress);
}

function vipMode(s: ServiceView): boolean {
  return (s.spec.EndpointSpec?.Mode ?? "vip") === "vip";
}

/** The networks a service's tasks attach to (its spec's, in order, then ingress for ingress ports in vip mode). */
function networksOf(targets: readonly string[], s: ServiceView | undefined, ipam: PassIpam): string[] {
  const out = [...new Set(targets)];
  const ingress = ipam.ingress();
  if (s && ingress && publishesIngress(s) && vipMode(s) && !out.includes(ingress.id)) out.push(ingress.id);
  return out;
}

export function plan(state: ClusterState, now: Date, ledger: ReleaseLedger, opts: PlanOptions): AllocationPlan {
  const ipam = PassIpam.build(state, now, ledger, opts.quarantineMs);
  const problems = [...ipam.problems];
  const services = allocateServices(state, ipam, problems);
  const { tasks, failures } = allocateTasks(state, ipam);
  const attachments = attachNodes(state, ipam, tasks, problems);
  // A reason is written when it changes, never every pass (a full pool stays full for a while).
  const changed = failures.filter((f) => state.tasks.get(f.taskId)?.err !== f.err);
  const events = packAllocations(state, { networks: ipam.allocated, services, tasks, attachments, failures: changed });
  return { events, failures, problems };
}

function allocateServices(state: ClusterState, ipam: PassIpam, problems: string[]): EventData<"ServiceAllocated">[] {
  const taken = new Set<string>();
  for (const s of state.services.values()) {
    if (s.removed) continue;
    for (const p of s.endpoint?.ports ?? []) if (isIngress(p) && p.PublishedPort) taken.add(portKey(p));
    for (const p of s.spec.EndpointSpec?.Ports ?? []) if (isIngress(p) && p.PublishedPort) taken.add(portKey(p));
  }
  const out: EventData<"ServiceAllocated">[] = [];
  for (const s of [...state.services.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    if (s.removed || s.endpoint?.specVersion === s.specVersion) continue;
    const nets = networksOf((s.spec.TaskTemplate.Networks ?? []).map((n) => n.Target), s, ipam);
    const ports = s.spec.EndpointSpec?.Ports ?? [];
    // A service that never needed anything gets no event (nothing changes for plain services).
    if (!s.endpoint && nets.length === 0 && !ports.some(isIngress)) continue;
    try {
      out.push({ serviceId: s.id, specVersion: s.specVersion, vips: vipsOf(s, nets, ipam), ports: portsOf(s, ports, taken) });
    } catch (err) {
      if (!(err instanceof ExhaustedError)) throw err;
      problems.push(`service ${s.spec.Name} (${s.id}): ${err.message}`);
    }
  }
  return out;
}

/** A VIP per network in vip mode: the one the service already has there, else a new one. */
function vipsOf(s: ServiceView, nets: readonly string[], ipam: PassIpam): EventData<"ServiceAllocated">["vips"] {
  if (!vipMode(s)) return [];
  const out: EventData<"ServiceAllocated">["vips"] = [];
  for (const id of nets) {
    const net = ipam.nets.get(id);
    if (!net) continue;
    const had = s.endpoint?.vips.find((v) => v.networkId === id);
    out.push({ networkId: id, address: had?.address ?? ipam.take(net) });
  }
  return out;
}

/** Ingress ports get a published port: the user's, the one this service had for it, else 30000–32767. */
function portsOf(s: ServiceView, ports: readonly PortConfig[], taken: Set<string>): PortConfig[] {
  return ports.map((p) => {
    if (!isIngress(p) || p.PublishedPort) return p;
    const proto = p.Protocol ?? "tcp";
    const had = s.endpoint?.ports.find((q) => isIngress(q) && (q.Protocol ?? "tcp") === proto && q.TargetPort === p.TargetPort && q.PublishedPort);
    return { ...p, PublishedPort: had?.PublishedPort ?? choosePort(taken, proto), PublishMode: "ingress" as const };
  });
}

function allocateTasks(state: ClusterState, ipam: PassIpam): { tasks: (EventData<"TaskAllocated"> & { nodeId?: string })[]; failures: AllocationPlan["failures"] } {
  const waiting = [...state.tasks.values()].filter(awaitsAllocation)
    .sort((a, b) => (a.serviceId < b.serviceId ? -1 : a.serviceId > b.serviceId ? 1 : a.slot - b.slot || (a.id < b.id ? -1 : 1)));
  const tasks: (EventData<"TaskAllocated"> & { nodeId?: string })[] = [];
  const failures: AllocationPlan["failures"] = [];
  for (const t of waiting) {
    const svc = state.services.get(t.serviceId);
    const got: { net: PassNetwork; a: TaskNetwork }[] = [];
    let err: string | undefined;
    for (const id of networksOf((t.spec.Networks ?? []).map((n) => n.Target), svc, ipam)) {
      const net = ipam.nets.get(id);
      if (!net) { err = `network ${id} not found`; break; }
      try {
        const address = ipam.take(net);
        got.push({ net, a: { networkId: id, address, mac: macOf(address) } });
      } catch (e) {
        if (!(e instanceof ExhaustedError)) throw e;
        err = e.message;
        break;
      }
    }
    if (err !== undefined) {
      for (const g of got) ipam.giveBack(g.net, g.a.address);
      failures.push({ taskId: t.id, err });
      continue;
    }
    tasks.push({ taskId: t.id, networks: got.map((g) => g.a), ...(t.nodeId ? { nodeId: t.nodeId } : {}) });
  }
  return { tasks, failures };
}

/**
 * Nodes' gateways: every ready node on the ingress network; on the others, each node that holds
 * (or is assigned) a task with an address there — including the preassigned tasks of this pass.
 */
function attachNodes(state: ClusterState, ipam: PassIpam, planned: readonly { nodeId?: string; networks: TaskNetwork[] }[], problems: string[]): EventData<"NetworkNodeAttached">[] {
  const need = new Map<string, Set<string>>();
  const want = (netId: string, nodeId: string) => {
    if (!state.nodes.has(nodeId)) return;
    let s = need.get(netId);
    if (!s) need.set(netId, (s = new Set()));
    s.add(nodeId);
  };
  const ingress = ipam.ingress();
  if (ingress) for (const n of state.nodes.values()) if (n.state === "ready") want(ingress.id, n.id);
  for (const t of state.tasks.values()) {
    if (!t.nodeId || !t.networks || taskStateRank(t.state) > RUNNING) continue;
    for (const a of t.networks) want(a.networkId, t.nodeId);
  }
  for (const t of planned) if (t.nodeId) for (const a of t.networks) want(a.networkId, t.nodeId);
  const out: EventData<"NetworkNodeAttached">[] = [];
  for (const [netId, nodes] of [...need].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const net = ipam.nets.get(netId);
    if (!net) continue;
    for (const nodeId of [...nodes].sort()) {
      if (net.gateways[nodeId]) continue;
      try {
        const gateway = ipam.take(net).split("/")[0]!;
        net.gateways[nodeId] = gateway;
        out.push({ networkId: netId, nodeId, gateway });
      } catch (err) {
        if (!(err instanceof ExhaustedError)) throw err;
        problems.push(`node ${nodeId} on network ${net.spec.Name}: ${err.message}`);
      }
    }
  }
  return out;
}
