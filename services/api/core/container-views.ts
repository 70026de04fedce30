import { CLASSIC_DEPS_LABEL, humanDuration, taskStateRank } from "../../../schemas/index.js";
import { tasksOfService, type ClusterState, type NodeView, type ServiceView, type TaskView } from "../../shared/model/index.js";
import { invalidArgument, notFound } from "../../shared/errors/index.js";
import { type Filters, matches } from "./filters.js";
import { isContainer } from "./container-spec.js";
import type { PlacedContainer } from "./classic-filters.js";

/*
 * Classic containers as Docker shows them (`GET /containers/json`, `/containers/{id}/json`),
 * from the log: the container is its service, its state that of the service's latest task, its
 * node that task's node. Names are `/node/name` in lists, as classic Swarm showed them. Pure:
 * `now` comes in for Docker's "Up 3 minutes".
 */

export type ContainerStatus = "created" | "running" | "exited";
export interface ContainerRecord { svc: ServiceView; task?: TaskView; node?: NodeView; status: ContainerStatus }

export const CONTAINER_FILTERS = ["id", "name", "label", "status", "node"] as const;
export const CONTAINER_FILTER_VALUES = { status: ["created", "running", "exited"] } as const;

/** The service's latest task: the last created (a restart makes a new one). */
function latestTask(state: ClusterState, svc: ServiceView): TaskView | undefined {
  let best: TaskView | undefined;
  for (const t of tasksOfService(state, svc.id)) if (!best || t.createdAt > best.createdAt || (t.createdAt === best.createdAt && t.id > best.id)) best = t;
  return best;
}

function statusOf(svc: ServiceView, t: TaskView | undefined): ContainerStatus {
  const replicas = svc.spec.Mode && "Replicated" in svc.spec.Mode ? svc.spec.Mode.Replicated.Replicas ?? 1 : 1;
  if (!t) return replicas === 0 ? "exited" : "created";
  if (t.state === "running") return "running";
  return taskStateRank(t.state) > taskStateRank("running") ? "exited" : "created";
}

/** The node a stopped container is pinned to (`node.id==…`, app/containers.ts). */
function pinnedNode(svc: ServiceView): string | undefined {
  const c = (svc.spec.TaskTemplate.Placement?.Constraints ?? []).find((x) => x.startsWith("node.id=="));
  return c?.slice("node.id==".length);
}

export function containerRecords(state: ClusterState): ContainerRecord[] {
  const out: ContainerRecord[] = [];
  for (const svc of state.services.values()) {
    if (svc.removed || !isContainer(svc.spec)) continue;
    const task = latestTask(state, svc);
    // A stopped container may have no task left; it stays on the node it is pinned to.
    const nodeId = task?.nodeId ?? pinnedNode(svc);
    const node = nodeId ? state.nodes.get(nodeId) : undefined;
    out.push({ svc, ...(task ? { task } : {}), ...(node ? { node } : {}), status: statusOf(svc, task) });
  }
  return out.sort((a, b) => b.svc.createdAt.localeCompare(a.svc.createdAt) || a.svc.id.localeCompare(b.svc.id));
}

/** The labels the user gave the container (without jetswarm's own CLASSIC_DEPS_LABEL). */
export function userLabels(r: ContainerRecord): Record<string, string> {
  return Object.fromEntries(Object.entries(r.svc.spec.TaskTemplate.ContainerSpec.Labels ?? {}).filter(([k]) => k !== CLASSIC_DEPS_LABEL));
}

/** What the classic filters may refer to. */
export function placedContainers(state: ClusterState): PlacedContainer[] {
  return containerRecords(state).map((r) => ({
    id: r.svc.id, name: r.svc.spec.Name, image: r.svc.spec.TaskTemplate.ContainerSpec.Image, ...(r.node ? { nodeId: r.node.id } : {}),
  }));
}

/** Docker's resolution: full id, name (with or without `/`, or `node/name`), unique id prefix. */
export function findContainer(state: ClusterState, ref: string): ContainerRecord {
  const all = containerRecords(state);
  const name = ref.replace(/^\//, "");
  const hit = all.find((r) => r.svc.id === ref) ?? all.find((r) => r.svc.spec.Name === name || (r.node && `${r.node.name}/${r.svc.spec.Name}` === name));
  if (hit) return hit;
  const prefixed = all.filter((r) => r.svc.id.startsWith(ref));
  if (prefixed.length === 1) return prefixed[0]!;
  if (prefixed.length > 1) throw invalidArgument(`multiple IDs found with provided prefix: ${ref}`);
  throw notFound(`No such container: ${ref}`);
}

function statusText(r: ContainerRecord, now: Date): string {
  const since = (at: string | undefined) => humanDuration(now.getTime() - Date.parse(at ?? r.svc.createdAt));
  if (r.status === "running") return `Up ${since(r.task?.runningAt ?? r.task?.statusAt)}`;
  if (r.status === "exited") return `Exited (${r.task?.exitCode ?? 0}) ${since(r.task?.statusAt ?? r.svc.updatedAt)} ago`;
  return r.task?.err ? `Created (${r.task.err})` : "Created";
}

function command(r: ContainerRecord): string {
  const c = r.svc.spec.TaskTemplate.ContainerSpec;
  return [...(c.Command ?? []), ...(c.Args ?? [])].join(" ");
}

function portsOf(r: ContainerRecord): Array<{ PrivatePort: number; PublicPort?: number; Type: string; IP?: string }> {
  const bound = r.status === "running" ? r.task?.ports : undefined;
  return (bound ?? r.svc.spec.EndpointSpec?.Ports ?? []).map((p) => ({
    PrivatePort: p.TargetPort, Type: p.Protocol ?? "tcp", ...(p.PublishedPort ? { PublicPort: p.PublishedPort, IP: r.node?.addr ?? "0.0.0.0" } : {}),
  }));
}

/** `GET /containers/json`: running ones unless `all`. */
export function listContainers(state: ClusterState, f: Filters, all: boolean, now: Date): unknown[] {
  return containerRecords(state)
    .filter((r) =>
      (all || f.has("status") || r.status === "running") &&
      matches(f, "id", (v) => r.svc.id.startsWith(v)) &&
      matches(f, "name", (v) => r.svc.spec.Name.includes(v.replace(/^\//, ""))) &&
      matches(f, "status", (v) => v === r.status) &&
      matches(f, "node", (v) => r.node !== undefined && (r.node.name === v || r.node.id === v)) &&
      matches(f, "label", (v) => {
        const [k, val] = v.split("=", 2);
        const labels = userLabels(r);
        return k! in labels && (val === undefined || labels[k!] === val);
      }))
    .map((r) => ({
      Id: r.svc.id,
      Names: [`/${r.node ? `${r.node.name}/` : ""}${r.svc.spec.Name}`],
      Image: r.svc.spec.TaskTemplate.ContainerSpec.Image,
      ImageID: "",
      Command: command(r),
      Created: Math.floor(Date.parse(r.svc.createdAt) / 1000),
      Ports: portsOf(r),
      Labels: userLabels(r),
      State: r.status,
      Status: statusText(r, now),
      HostConfig: { NetworkMode: "default" },
      NetworkSettings: { Networks: {} },
      Mounts: [],
    }));
}
