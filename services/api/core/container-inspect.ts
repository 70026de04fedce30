import { tasksOfService, type ClusterState, type NodeView } from "../../shared/model/index.js";
import { containerRecords, userLabels, type ContainerRecord } from "./container-views.js";
import { dependencyView } from "./container-deps.js";

/*
 * `GET /containers/{id}/json` in Docker's shape, from the log, with classic Swarm's `Node`
 * (where the container runs) and jetswarm's `Jetswarm` (the task and the engine's own container
 * id, for a look at the node's engine). Pure.
 */

const ZERO_TIME = "0001-01-01T00:00:00Z";

function state(r: ContainerRecord) {
  const t = r.task;
  const ended = r.status === "exited";
  return {
    Status: r.status, Running: r.status === "running", Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 0,
    ExitCode: t?.exitCode ?? 0, Error: t?.err ?? "",
    StartedAt: t?.runningAt ?? ZERO_TIME, FinishedAt: ended ? t?.statusAt ?? ZERO_TIME : ZERO_TIME,
  };
}

function node(r: ContainerRecord) {
  const n = r.node;
  if (!n) return undefined;
  return {
    ID: n.id, Name: n.name, Addr: n.addr ?? "", IP: (n.addr ?? "").split(":")[0] ?? "",
    Cpus: Math.round((n.description?.nanoCpus ?? 0) / 1e9), Memory: n.description?.memoryBytes ?? 0,
    Labels: nodeLabels(n),
  };
}

/** Classic Swarm's node labels: the engine's facts, then its engine labels, then the node's own. */
function nodeLabels(n: NodeView): Record<string, string> {
  const d = n.description;
  const facts = { ...(d?.kernelVersion ? { kernelversion: d.kernelVersion } : {}), ...(d?.os ? { operatingsystem: d.os } : {}), ...(d?.storageDriver ? { storagedriver: d.storageDriver } : {}) };
  return { ...facts, ...(d?.engineLabels ?? {}), ...n.labels };
}

export function inspectContainer(s: ClusterState, r: ContainerRecord): unknown {
  const spec = r.svc.spec;
  const c = spec.TaskTemplate.ContainerSpec;
  const restart = spec.TaskTemplate.RestartPolicy;
  const restartName = restart?.Condition === "any" ? "always" : restart?.Condition === "on-failure" ? "on-failure" : "no";
  const res = spec.TaskTemplate.Resources;
  const ports: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const p of spec.EndpointSpec?.Ports ?? []) {
    (ports[`${p.TargetPort}/${p.Protocol ?? "tcp"}`] ??= []).push({ HostIp: "", HostPort: p.PublishedPort ? String(p.PublishedPort) : "" });
  }
  // Each restart of a swarm task is a new task: the ones beyond the first.
  const restarts = Math.max(0, tasksOfService(s, r.svc.id).length - 1);
  const n = node(r);
  return {
    Id: r.svc.id,
    Created: r.svc.createdAt,
    Path: (c.Command ?? c.Args ?? [])[0] ?? "",
    Args: [...(c.Command ?? []), ...(c.Args ?? [])].slice(1),
    State: state(r),
    Image: c.Image,
    Name: `/${spec.Name}`,
    RestartCount: restarts,
    Driver: "",
    Platform: r.node?.description?.os ?? "linux",
    Config: {
      Hostname: c.Hostname ?? "", User: c.User ?? "", Tty: c.TTY ?? false, Env: c.Env ?? [], Cmd: c.Args ?? null,
      Image: c.Image, WorkingDir: c.Dir ?? "", Entrypoint: c.Command ?? null, Labels: userLabels(r), StopSignal: c.StopSignal ?? "",
    },
    HostConfig: {
      NetworkMode: "default", ...dependencyView(spec), PortBindings: ports,
      RestartPolicy: { Name: restartName, MaximumRetryCount: restart?.MaxAttempts ?? 0 },
      Memory: res?.Limits?.MemoryBytes ?? 0, NanoCpus: res?.Limits?.NanoCPUs ?? 0,
      CpuShares: Math.round((res?.Reservations?.NanoCPUs ?? 0) / 1e9),
    },
    NetworkSettings: { Ports: {}, Networks: {} },
    Mounts: [],
    ...(n ? { Node: n } : {}),
    Jetswarm: { TaskID: r.task?.id ?? "", EngineContainerID: r.task?.containerId ?? "", TaskState: r.task?.state ?? "" },
  };
}

/** Classic Swarm's `docker info` node list (`SystemStatus`), one entry per node. */
export function classicSystemStatus(s: ClusterState, strategy: string): Array<[string, string]> {
  const records = containerRecords(s);
  const out: Array<[string, string]> = [["Role", "primary"], ["Strategy", strategy],
    ["Filters", "health, port, containerslots, dependency, affinity, constraint"], ["Nodes", String(s.nodes.size)]];
  for (const n of [...s.nodes.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    const mine = records.filter((r) => r.node?.id === n.id);
    const running = mine.filter((r) => r.status === "running").length;
    const reservedCpu = mine.filter((r) => r.status !== "exited").reduce((a, r) => a + (r.svc.spec.TaskTemplate.Resources?.Reservations?.NanoCPUs ?? 0), 0);
    const reservedMem = mine.filter((r) => r.status !== "exited").reduce((a, r) => a + (r.svc.spec.TaskTemplate.Resources?.Reservations?.MemoryBytes ?? 0), 0);
    const labels = Object.entries(nodeLabels(n)).map(([k, v]) => `${k}=${v}`).join(", ");
    out.push([` ${n.name}`, n.addr ?? ""], ["  └ ID", n.id], ["  └ Status", n.state === "ready" ? "Healthy" : "Unhealthy"],
      ["  └ Containers", `${mine.length} (${running} Running, 0 Paused, ${mine.length - running} Stopped)`],
      ["  └ Reserved CPUs", `${reservedCpu / 1e9} / ${Math.round((n.description?.nanoCpus ?? 0) / 1e9)}`],
      ["  └ Reserved Memory", `${bytes(reservedMem)} / ${bytes(n.description?.memoryBytes ?? 0)}`],
      ["  └ Labels", labels], ["  └ UpdatedAt", n.updatedAt], ["  └ ServerVersion", n.description?.engineVersion ?? ""]);
  }
  return out;
}

/** Docker's `units.BytesSize`: `1.5 GiB`. */
function bytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${Math.round(n * 100) / 100} ${units[i]}`;
}

/** Every classic container, for `/info`'s `Containers*` counts. */
export function classicCounts(s: ClusterState): { Containers: number; ContainersRunning: number; ContainersPaused: number; ContainersStopped: number } {
  const records = containerRecords(s);
  const running = records.filter((r) => r.status === "running").length;
  return { Containers: records.length, ContainersRunning: running, ContainersPaused: 0, ContainersStopped: records.length - running };
}
