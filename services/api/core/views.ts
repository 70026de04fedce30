import type { api } from "../../../schemas/index.js";
import { desiredReplicas, jobMode, modeName, NS_PER_MS, type JobMode, subjects, TASK_STATES, type ServiceSpec } from "../../../schemas/index.js";
import { withDefaults } from "./defaults.js";
import type { ClusterState, ClusterView, NodeView, ServiceView, TaskView } from "../../shared/model/index.js";
import { isTaskDirty, tasksOfService, versionOf } from "../../shared/model/index.js";
import { labelMatches, matches, type Filters } from "./filters.js";
import { liveServices } from "./lookup.js";
import { isContainer } from "./container-spec.js";

/* Projection → Docker Engine API shapes. Pure: the version of an object is its subject's sequence. */

/** `tokens`: the cluster's join tokens, which the api keeps apart from the projection. */
export function clusterInfo(state: ClusterState, c: ClusterView, tokens: { worker: string; manager: string }): api.ClusterInfo {
  return {
    ID: c.id,
    // The cluster object's own version: what `POST /swarm/update?version=` is checked against.
    Version: { Index: versionOf(state, subjects.event("cluster", "default")) },
    CreatedAt: c.createdAt,
    UpdatedAt: c.updatedAt,
    JoinTokens: { Worker: tokens.worker, Manager: tokens.manager },
    Spec: {
      Orchestration: { TaskHistoryRetentionLimit: c.taskHistoryLimit },
      Dispatcher: { HeartbeatPeriod: c.heartbeatPeriodMs * NS_PER_MS },
      EncryptionConfig: { AutoLockManagers: c.autolockKeyCheck !== undefined },
    },
  };
}

export function nodeView(state: ClusterState, n: NodeView): api.Node {
  const out: api.Node = {
    ID: n.id,
    Version: { Index: versionOf(state, subjects.event("node", n.id)) },
    CreatedAt: n.createdAt,
    UpdatedAt: n.updatedAt,
    Spec: { Name: n.name, Role: n.role, Availability: n.availability, Labels: n.labels },
    Status: { State: n.state, Message: n.message || undefined, Addr: n.addr },
  };
  const d = n.description;
  if (d) {
    out.Description = {
      Hostname: d.hostname,
      Platform: { Architecture: d.architecture, OS: d.os },
      Resources: { NanoCPUs: d.nanoCpus, MemoryBytes: d.memoryBytes },
      Engine: { EngineVersion: d.engineVersion, Labels: d.engineLabels },
    };
  }
  const cert = n.certificate;
  if (cert) {
    out.Certificate = { Serial: cert.serial, Fingerprint: cert.fingerprint, NotBefore: cert.notBefore, NotAfter: cert.notAfter };
    const root = state.cluster?.caCert;
    if (out.Description && root) {
      out.Description.TLSInfo = { TrustRoot: root, CertIssuerSubject: cert.issuerSubject, CertIssuerPublicKey: cert.issuerPublicKey };
    }
  }
  // One manager set, no raft: every manager is shown as the leader for now.
  if (n.role === "manager") out.ManagerStatus = { Leader: true, Reachability: "reachable", Addr: n.addr ?? "" };
  return out;
}

export function serviceStatus(state: ClusterState, s: ServiceView): NonNullable<api.Service["ServiceStatus"]> {
  const job = jobMode(s.spec);
  if (job) return jobStatus(state, s, job);
  const live = tasksOfService(state, s.id).filter((t) => t.desiredState === "running");
  const running = live.filter((t) => t.state === "running").length;
  return { RunningTasks: running, DesiredTasks: desiredReplicas(s.spec) ?? live.length };
}

/**
 * A job's status (Docker's): tasks of the current iteration only; DesiredTasks is what may still
 * run — min(MaxConcurrent, TotalCompletions − completed) for a replicated job, the nodes given a
 * task for a global job.
 */
function jobStatus(state: ClusterState, s: ServiceView, job: JobMode): NonNullable<api.Service["ServiceStatus"]> {
  const current = tasksOfService(state, s.id).filter((t) => t.specVersion === s.specVersion);
  const completed = current.filter((t) => t.state === "complete").length;
  const running = current.filter((t) => t.state === "running").length;
  const desired = job.kind === "replicated-job"
    ? Math.max(0, Math.min(job.maxConcurrent, job.totalCompletions - completed))
    : new Set(current.map((t) => t.nodeId)).size;
  return { RunningTasks: running, DesiredTasks: desired, CompletedTasks: completed };
}

/** The api's Service; `insertDefaults` fills unset fields of the spec and previous spec (reference §1). */
export function serviceView(state: ClusterState, s: ServiceView, opts: { insertDefaults?: boolean } = {}): api.Service {
  const fill = (spec: ServiceSpec) => (opts.insertDefaults ? withDefaults(spec) : spec);
  const u = s.updateStatus;
  return {
    ID: s.id,
    Version: { Index: versionOf(state, subjects.event("service", s.id)) },
    CreatedAt: s.createdAt,
    UpdatedAt: s.updatedAt,
    Spec: fill(s.spec),
    ...(s.previousSpec ? { PreviousSpec: fill(s.previousSpec) } : {}),
    ...(u ? { UpdateStatus: { State: u.state, Message: u.message, StartedAt: u.startedAt, CompletedAt: u.completedAt } } : {}),
    ServiceStatus: serviceStatus(state, s),
    ...(jobMode(s.spec) ? { JobStatus: { JobIteration: { Index: s.specVersion }, LastExecution: s.updatedAt } } : {}),
    Endpoint: endpointOf(s),
  };
}

/** Docker's `Endpoint`: the spec (mode vip unless set), the allocated ports and VIPs once the allocator gave them. */
function endpointOf(s: ServiceView): NonNullable<api.Service["Endpoint"]> {
  const e = s.endpoint;
  return {
    Spec: { Mode: s.spec.EndpointSpec?.Mode ?? "vip", ...(s.spec.EndpointSpec?.Ports ? { Ports: s.spec.EndpointSpec.Ports } : {}) },
    ...(e?.ports.length ? { Ports: e.ports } : {}),
    ...(e?.vips.length ? { VirtualIPs: e.vips.map((v) => ({ NetworkID: v.networkId, Addr: v.address })) } : {}),
  };
}

export function taskView(state: ClusterState, t: TaskView): api.Task {
  return {
    ID: t.id,
    Version: { Index: versionOf(state, subjects.event("task", t.id)) },
    CreatedAt: t.createdAt,
    UpdatedAt: t.updatedAt,
    ServiceID: t.serviceId,
    ServiceName: t.serviceName,
    Slot: t.slot,
    NodeID: t.nodeId,
    Spec: t.spec,
    Status: {
      Timestamp: t.statusAt,
      State: t.state,
      Message: t.message,
      Err: t.err,
      ContainerStatus: t.containerId || t.exitCode !== undefined ? { ContainerID: t.containerId, ExitCode: t.exitCode } : undefined,
      ...(t.ports?.length ? { PortStatus: { Ports: t.ports } } : {}),
    },
    DesiredState: t.desiredState,
    ...(t.restartAt !== undefined ? { RestartAt: t.restartAt } : {}),
  };
}

export const SERVICE_FILTERS = ["id", "name", "label", "mode"] as const;
export const TASK_FILTERS = ["id", "name", "service", "node", "desired-state", "label", "_up-to-date", "runtime"] as const;
export const NODE_FILTERS = ["id", "name", "role", "membership", "label", "node.label"] as const;
/** The filter keys whose values form a closed set (Docker's), per list. */
export const SERVICE_FILTER_VALUES = { mode: ["replicated", "global", "replicated-job", "global-job"] } as const;
export const TASK_FILTER_VALUES = { "desired-state": TASK_STATES } as const;
export const NODE_FILTER_VALUES = { role: ["manager", "worker"], membership: ["accepted", "pending"] } as const;

export function listServices(state: ClusterState, f: Filters): api.Service[] {
  return liveServices(state)
    .filter((s) =>
      !isContainer(s.spec) && // classic containers are listed by `docker ps`, not as services
      matches(f, "id", (v) => s.id.startsWith(v)) &&
      matches(f, "name", (v) => s.spec.Name.startsWith(v)) &&
      matches(f, "label", (v) => labelMatches(s.spec.Labels, v)) &&
      matches(f, "mode", (v) => v === modeName(s.spec)))
    .map((s) => serviceView(state, s));
}

export function listTasks(state: ClusterState, f: Filters): api.Task[] {
  const nodeName = (id: string | undefined) => (id ? state.nodes.get(id)?.name : undefined);
  return candidateTasks(state, f.get("service"))
    .filter((t) =>
      matches(f, "id", (v) => t.id.startsWith(v)) &&
      matches(f, "name", (v) => `${t.serviceName}.${t.slot || t.nodeId}`.startsWith(v)) &&
      matches(f, "service", (v) => serviceMatches(t.serviceId, t.serviceName, v)) &&
      matches(f, "node", (v) => t.nodeId !== undefined && (t.nodeId === v || nodeName(t.nodeId) === v || t.nodeId.startsWith(v))) &&
      matches(f, "desired-state", (v) => t.desiredState === v) &&
      // Docker's: a task carries its service's labels; `_up-to-date` (any value) keeps the tasks of the current spec.
      matches(f, "label", (v) => labelMatches(state.services.get(t.serviceId)?.spec.Labels, v)) &&
      (!f.has("_up-to-date") || upToDate(t, state.services.get(t.serviceId))) &&
      matches(f, "runtime", (v) => v === "container"))
    .map((t) => taskView(state, t));
}

/**
 * Swarm's "up to date" (`_up-to-date`, the CLI's progress display): the task runs the service's
 * current task template — a change of replicas, labels or update config leaves tasks up to date.
 * The orchestrator's rule: a task is up to date iff it is not dirty.
 */
function upToDate(t: TaskView, s: ServiceView | undefined): boolean {
  return s !== undefined && !isTaskDirty(t, s);
}

/** A service filter value names a task's service by id, id prefix or name (Docker's `service` filter). */
function serviceMatches(serviceId: string, serviceName: string, v: string): boolean {
  return serviceId === v || serviceName === v || (v.length >= 1 && serviceId.startsWith(v));
}

/**
 * The tasks a `service` filter can match, in the log's order. One matching service: its tasks from
 * the per-service index (`service ps` reads a thousand tasks, not every task of the swarm — the
 * index keeps creation order, the same as the log's). Otherwise every task.
 */
function candidateTasks(state: ClusterState, services: string[] | undefined): TaskView[] {
  if (!services?.length) return [...state.tasks.values()];
  let only: string | undefined;
  for (const [serviceId, ids] of state.tasksByService) {
    if (ids.size === 0) continue;
    // A service's tasks share its name (names are immutable), so its first task tells it.
    const name = state.tasks.get(ids.values().next().value!)?.serviceName ?? "";
    if (!services.some((v) => serviceMatches(serviceId, name, v))) continue;
    if (only !== undefined) return [...state.tasks.values()];
    only = serviceId;
  }
  return only === undefined ? [] : tasksOfService(state, only);
}

export function listNodes(state: ClusterState, f: Filters): api.Node[] {
  return [...state.nodes.values()]
    .filter((n) =>
      matches(f, "id", (v) => n.id.startsWith(v)) &&
      matches(f, "name", (v) => n.name.startsWith(v) || (n.description?.hostname ?? "").startsWith(v)) &&
      matches(f, "role", (v) => n.role === v) &&
      matches(f, "membership", (v) => v === "accepted") &&
      matches(f, "label", (v) => labelMatches(n.description?.engineLabels, v)) &&
      matches(f, "node.label", (v) => labelMatches(n.labels, v)))
    .map((n) => nodeView(state, n));
}
