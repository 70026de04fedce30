import { initialClusterState, type ClusterState, type NodeView, type TaskView } from "../../shared/model/index.js";
import { subjects, type NodeDescription, type ServiceSpec, type TaskSpec } from "../../../schemas/index.js";
import { NodeInfo, taskInfo, type TaskInfo } from "./node-info.js";

/* Builders for the scheduler's table-driven tests. Test-only. */

export const NOW = new Date("2026-01-01T00:00:00Z");
export const GiB = 1024 ** 3;

export function desc(over: Partial<NodeDescription> = {}): NodeDescription {
  return {
    hostname: "host", os: "linux", architecture: "x86_64", nanoCpus: 4e9, memoryBytes: 8 * GiB,
    engineVersion: "28", engineLabels: {}, ...over,
  };
}

export function node(id: string, over: Partial<NodeView> = {}): NodeView {
  return {
    id, name: id, role: "worker", availability: "active", labels: {}, state: "ready", message: "",
    description: desc({ hostname: id }), addr: "10.0.0.1", createdAt: "", updatedAt: "", ...over,
  };
}

export function task(id: string, over: Partial<TaskView> = {}): TaskView {
  return {
    id, serviceId: "svc", serviceName: "web", slot: 1, spec: { ContainerSpec: { Image: "img" } }, specVersion: 1,
    desiredState: "running", state: "pending", message: "pending task scheduling", statusAt: "",
    createdAt: "", updatedAt: "", ...over,
  };
}

/** A task already running on `nodeId`. */
export function running(id: string, nodeId: string, over: Partial<TaskView> = {}): TaskView {
  return task(id, { nodeId, state: "running", ...over });
}

export function state(nodes: NodeView[], tasks: TaskView[], services: ServiceSpec[] = []): ClusterState {
  const s = initialClusterState();
  for (const n of nodes) s.nodes.set(n.id, n);
  tasks.forEach((t, i) => {
    s.tasks.set(t.id, t);
    const ofService = s.tasksByService.get(t.serviceId) ?? new Set<string>();
    s.tasksByService.set(t.serviceId, ofService.add(t.id));
    s.versions.set(subjects.event("task", t.id), 10 + i);
  });
  for (const spec of services) {
    s.services.set(spec.Name, { id: spec.Name, spec, specVersion: 1, createdAt: "", updatedAt: "", removed: false });
  }
  return s;
}

/** A TaskInfo for a task of service `svc` with this template. */
export function info(spec: Partial<TaskSpec> = {}, s: ClusterState = state([], []), id = "t1"): TaskInfo {
  return taskInfo(s, { id, serviceId: "svc", spec: { ContainerSpec: { Image: "img" }, ...spec } });
}

export function nodeInfo(over: Partial<NodeView> = {}, id = "n1"): NodeInfo {
  return new NodeInfo(node(id, over));
}
