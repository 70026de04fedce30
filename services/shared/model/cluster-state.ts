import type { Envelope, NodeAvailability, NodeDescription, NodeRole, NodeState, PortConfig, ServiceSpec, StoredEvent, TaskSpec, TaskState, UpdateState } from "../../../schemas/index.js";
import { taskStateRank } from "../../../schemas/index.js";
import { isBatch, membersOf } from "./batch-members.js";

/*
 * The cluster as folded from the log: one shape shared by every service's projection, so that
 * "what the api shows" and "what the orchestrator decides on" are the same fold of the same log.
 * `evolve` is lenient (replay never throws); entity objects are replaced, never mutated, so a
 * reader holding one sees a consistent value.
 */

export interface ClusterView {
  id: string;
  workerToken: string;
  managerToken: string;
  heartbeatPeriodMs: number;
  taskHistoryLimit: number;
  /** Desired instances per control-plane service (`swarm control-plane scale`); absent = one per manager. */
  controlPlane?: Record<string, number>;
  createdAt: string;
  updatedAt: string;
}

export interface NodeView {
  id: string;
  name: string;
  role: NodeRole;
  availability: NodeAvailability;
  labels: Record<string, string>;
  description?: NodeDescription;
  addr?: string;
  state: NodeState;
  message: string;
  createdAt: string;
  updatedAt: string;
}

export interface UpdateStatusView {
  state: UpdateState;
  message: string;
  startedAt?: string;
  completedAt?: string;
}

export interface ServiceView {
  id: string;
  spec: ServiceSpec;
  /** The spec before the last update (Swarm's previous_spec); a rollback returns to it. */
  previousSpec?: ServiceSpec;
  updateStatus?: UpdateStatusView;
  /** Sequence of the event that set the current spec (Swarm's spec_version). */
  specVersion: number;
  createdAt: string;
  updatedAt: string;
  removed: boolean;
}

export interface TaskView {
  id: string;
  serviceId: string;
  serviceName: string;
  slot: number;
  nodeId?: string;
  spec: TaskSpec;
  specVersion: number;
  desiredState: TaskState;
  state: TaskState;
  message: string;
  err?: string;
  containerId?: string;
  exitCode?: number;
  /** Host-mode ports bound for the container (agent report). */
  ports?: PortConfig[];
  statusAt: string;
  createdAt: string;
  updatedAt: string;
  restartAt?: string;
  replaces?: string;
  /** When the task was first reported running (agent clock): the updater's monitor window starts here. */
  runningAt?: string;
}

export interface ClusterState {
  cluster?: ClusterView;
  nodes: Map<string, NodeView>;
  services: Map<string, ServiceView>;
  tasks: Map<string, TaskView>;
  tasksByService: Map<string, Set<string>>;
  /** Tasks ever created per `<serviceId>:<slot-or-node>`: never decreases (seeds task ids). */
  createdPerSlot: Map<string, number>;
  /** subject → its last sequence: the version an append must expect. */
  versions: Map<string, number>;
  /** Last sequence folded. */
  seq: number;
}

export function initialClusterState(): ClusterState {
  return {
    nodes: new Map(), services: new Map(), tasks: new Map(), tasksByService: new Map(),
    createdPerSlot: new Map(), versions: new Map(), seq: 0,
  };
}

export function slotKey(serviceId: string, slotOrNode: number | string): string {
  return `${serviceId}:${slotOrNode}`;
}

/** The version of an aggregate: what an append on its subject must expect (0 = new). */
export function versionOf(state: ClusterState, subject: string): number {
  return state.versions.get(subject) ?? 0;
}

export function tasksOfService(state: ClusterState, serviceId: string): TaskView[] {
  const ids = state.tasksByService.get(serviceId);
  if (!ids) return [];
  const out: TaskView[] = [];
  for (const id of ids) {
    const t = state.tasks.get(id);
    if (t) out.push(t);
  }
  return out;
}

/**
 * Folds one stored event. `members`: the event's singular events when the caller has already
 * expanded a batch (`membersOf`), so that it is expanded once.
 */
export function evolve(state: ClusterState, stored: StoredEvent, members?: readonly Envelope[]): ClusterState {
  const { seq, event } = stored;
  if (seq <= state.seq) return state;
  state.seq = seq;
  state.versions.set(event.subject, seq);
  // A batch is its members, in order; only the batch's own subject gets this version.
  if (isBatch(event)) for (const m of members ?? membersOf(event)) apply(state, m, seq);
  else apply(state, event, seq);
  return state;
}

function apply(state: ClusterState, e: Envelope, seq: number): void {
  const at = e.at;
  switch (e.type) {
    case "ClusterInitialized": {
      const d = e.data;
      state.cluster = {
        id: d.clusterId, workerToken: d.workerToken, managerToken: d.managerToken,
        heartbeatPeriodMs: d.heartbeatPeriodMs, taskHistoryLimit: d.taskHistoryLimit, controlPlane: {}, createdAt: at, updatedAt: at,
      };
      return;
    }
    case "ClusterUpdated": {
      const c = state.cluster;
      if (c) {
        state.cluster = {
          ...c, updatedAt: at,
          heartbeatPeriodMs: e.data.heartbeatPeriodMs ?? c.heartbeatPeriodMs,
          taskHistoryLimit: e.data.taskHistoryLimit ?? c.taskHistoryLimit,
          controlPlane: { ...c.controlPlane, ...e.data.controlPlane },
        };
      }
      return;
    }
    case "NodeUpdated": {
      const n = state.nodes.get(e.data.nodeId);
      if (n) state.nodes.set(n.id, { ...n, role: e.data.role, availability: e.data.availability, labels: e.data.labels, updatedAt: at });
      return;
    }
    case "NodeRemoved":
      state.nodes.delete(e.data.nodeId);
      return;
    case "NodeJoined": {
      const d = e.data;
      state.nodes.set(d.nodeId, {
        id: d.nodeId, name: d.name, role: d.role, availability: d.availability, labels: {},
        state: "unknown", message: "", createdAt: at, updatedAt: at,
      });
      return;
    }
    case "NodeRegistered": {
      const n = state.nodes.get(e.data.nodeId);
      if (n) state.nodes.set(n.id, { ...n, description: e.data.description, addr: e.data.addr, updatedAt: at });
      return;
    }
    case "NodeStatusChanged": {
      const n = state.nodes.get(e.data.nodeId);
      if (n) state.nodes.set(n.id, { ...n, state: e.data.state, message: e.data.message, updatedAt: at });
      return;
    }
    case "ServiceCreated":
      state.services.set(e.data.serviceId, {
        id: e.data.serviceId, spec: e.data.spec, specVersion: seq, createdAt: at, updatedAt: at, removed: false,
      });
      return;
    case "ServiceUpdated": {
      const s = state.services.get(e.data.serviceId);
      if (s) {
        state.services.set(s.id, {
          ...s, previousSpec: s.spec, spec: e.data.spec, specVersion: seq, updateStatus: undefined, updatedAt: at,
        });
      }
      return;
    }
    case "ServiceRollbackRequested": {
      const s = state.services.get(e.data.serviceId);
      if (s?.previousSpec) {
        state.services.set(s.id, {
          ...s, spec: s.previousSpec, previousSpec: s.spec, specVersion: seq, updatedAt: at,
          updateStatus: { state: "rollback_started", message: "manually requested rollback", startedAt: at },
        });
      }
      return;
    }
    case "ServiceUpdateRolledBack": {
      const s = state.services.get(e.data.serviceId);
      if (s?.previousSpec) {
        state.services.set(s.id, {
          ...s, spec: s.previousSpec, previousSpec: undefined, specVersion: seq, updatedAt: at,
          updateStatus: { state: "rollback_started", message: e.data.message, startedAt: at },
        });
      }
      return;
    }
    case "ServiceUpdateStatusChanged": {
      const s = state.services.get(e.data.serviceId);
      if (!s) return;
      const { state: st, message } = e.data;
      const starts = st === "updating" || st === "rollback_started";
      const ends = st === "completed" || st === "rollback_completed";
      const prev = s.updateStatus;
      state.services.set(s.id, {
        ...s, updatedAt: at,
        updateStatus: {
          state: st, message,
          startedAt: starts && !prev?.startedAt ? at : prev?.startedAt ?? at,
          completedAt: ends ? at : undefined,
        },
      });
      return;
    }
    case "ServiceRemoved": {
      const s = state.services.get(e.data.serviceId);
      if (s) state.services.set(s.id, { ...s, removed: true, updatedAt: at });
      return;
    }
    default:
      applyTask(state, e);
  }
}

function applyTask(state: ClusterState, e: Envelope): void {
  const at = e.at;
  if (e.type === "TaskCreated") {
    const d = e.data;
    const key = slotKey(d.serviceId, d.slot === 0 && d.nodeId ? d.nodeId : d.slot);
    state.createdPerSlot.set(key, (state.createdPerSlot.get(key) ?? 0) + 1);
    state.tasks.set(d.taskId, copyTask({
      id: d.taskId, serviceId: d.serviceId, serviceName: d.serviceName, slot: d.slot, nodeId: d.nodeId,
      spec: d.spec, specVersion: d.specVersion, desiredState: d.desiredState, state: d.state,
      message: d.state === "new" ? "created" : "pending task scheduling", statusAt: at,
      createdAt: at, updatedAt: at, restartAt: d.restartAt, replaces: d.replaces,
    }));
    let set = state.tasksByService.get(d.serviceId);
    if (!set) state.tasksByService.set(d.serviceId, (set = new Set()));
    set.add(d.taskId);
    return;
  }
  if (e.type === "TaskDeleted") {
    const t = state.tasks.get(e.data.taskId);
    if (!t) return;
    state.tasks.delete(t.id);
    state.tasksByService.get(t.serviceId)?.delete(t.id);
    return;
  }
  const t = "taskId" in e.data ? state.tasks.get(e.data.taskId) : undefined;
  if (!t) return;
  switch (e.type) {
    case "TaskDesiredStateChanged":
      // Desired state is never lowered (reference §2).
      if (taskStateRank(e.data.desiredState) > taskStateRank(t.desiredState)) {
        const n = copyTask(t);
        n.desiredState = e.data.desiredState;
        n.updatedAt = at;
        state.tasks.set(t.id, n);
      }
      return;
    case "TaskAssigned":
      if (taskStateRank(t.state) < taskStateRank("assigned")) {
        const n = copyTask(t);
        n.nodeId = e.data.nodeId;
        n.state = "assigned";
        n.message = "scheduler assigned task to node";
        n.err = undefined;
        n.statusAt = at;
        n.updatedAt = at;
        state.tasks.set(t.id, n);
      }
      return;
    case "TaskUnschedulable": {
      const n = copyTask(t);
      n.err = e.data.err;
      n.message = "pending task scheduling";
      n.updatedAt = at;
      state.tasks.set(t.id, n);
      return;
    }
    case "TaskStatusChanged": {
      const d = e.data;
      if (taskStateRank(d.state) < taskStateRank(t.state)) return; // state only moves forward
      const n = copyTask(t);
      n.state = d.state;
      n.message = d.message;
      n.err = d.err;
      if (d.containerId !== undefined) n.containerId = d.containerId;
      if (d.exitCode !== undefined) n.exitCode = d.exitCode;
      if (d.ports !== undefined) n.ports = d.ports;
      n.statusAt = d.timestamp;
      n.updatedAt = at;
      if (d.state === "running" && !t.runningAt) n.runningAt = d.timestamp;
      state.tasks.set(t.id, n);
      return;
    }
  }
}

/**
 * A fresh copy of a task's view (the fold replaces, never mutates, a published one). Every field
 * spelled out in one order: all task views share one object shape, which keeps the fold's copies
 * and every reader's property reads fast (a spread copy measured ~3× slower here).
 */
function copyTask(t: TaskView): TaskView {
  return {
    id: t.id, serviceId: t.serviceId, serviceName: t.serviceName, slot: t.slot, nodeId: t.nodeId, spec: t.spec,
    specVersion: t.specVersion, desiredState: t.desiredState, state: t.state, message: t.message, err: t.err,
    containerId: t.containerId, exitCode: t.exitCode, ports: t.ports, statusAt: t.statusAt, createdAt: t.createdAt,
    updatedAt: t.updatedAt, restartAt: t.restartAt, replaces: t.replaces, runningAt: t.runningAt,
  };
}
