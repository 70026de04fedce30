import { STOP_GRACE_DEFAULT_NS, type EndpointSpec, type Healthcheck, type NodeTaskDoc, type Resources } from "../../../schemas/index.js";
import { localNetworkName } from "../../../schemas/index.js";
import type { ContainerCreate, EndpointConfig, HostConfig, StopOptions } from "./executor.js";
import type { FileMount } from "./task-files.js";
import { hostOptions } from "./container-options.js";

/** Label keys the agent puts on every container (Swarm's `com.docker.swarm.*`, renamed). */
export const LABELS = {
  nodeId: "jetswarm.node.id",
  serviceId: "jetswarm.service.id",
  serviceName: "jetswarm.service.name",
  taskId: "jetswarm.task.id",
  taskName: "jetswarm.task.name",
  slot: "jetswarm.slot",
} as const;

/** Swarm's task name: `<service>.<slot>.<taskId>`, the node id in place of slot 0 (global tasks). */
export function taskName(doc: Pick<NodeTaskDoc, "serviceName" | "slot" | "nodeId" | "taskId">): string {
  const slot = doc.slot === 0 ? doc.nodeId : String(doc.slot);
  return `${doc.serviceName}.${slot}.${doc.taskId}`;
}

/**
 * The create body for a task's container. Docker semantics as in swarmkit: Command replaces the
 * image's Entrypoint, Args are the Cmd. No restart policy: restarts are the orchestrator's job.
 * `mounts`: the task's secret and config files (read-only binds from its host tmpfs), after the
 * spec's own mounts (named volumes are created by the engine; a missing bind source fails create).
 */
export function containerConfig(doc: NodeTaskDoc, mounts: readonly FileMount[] = [], dns?: string): ContainerCreate {
  const c = doc.spec.ContainerSpec;
  const name = taskName(doc);
  const cfg: ContainerCreate = {
    name,
    Image: c.Image,
    HostConfig: { ...hostConfig(doc.spec.Resources, doc.endpoint), ...hostOptions(c, doc.spec.LogDriver) },
    Labels: {
      ...(c.Labels ?? {}),
      [LABELS.nodeId]: doc.nodeId,
      [LABELS.serviceId]: doc.serviceId,
      [LABELS.serviceName]: doc.serviceName,
      [LABELS.taskId]: doc.taskId,
      [LABELS.taskName]: name,
      [LABELS.slot]: String(doc.slot),
    },
  };
  if (c.Command?.length) cfg.Entrypoint = c.Command;
  if (c.Args?.length) cfg.Cmd = c.Args;
  if (c.Env?.length) cfg.Env = c.Env;
  if (c.Dir) cfg.WorkingDir = c.Dir;
  if (c.User) cfg.User = c.User;
  if (c.Hostname) cfg.Hostname = c.Hostname;
  if (c.StopSignal) cfg.StopSignal = c.StopSignal;
  if (c.TTY) cfg.Tty = true;
  cfg.StopTimeout = stopOptions(doc).graceSeconds;
  if (c.Healthcheck) cfg.Healthcheck = healthcheck(c.Healthcheck);
  const all = [...(c.Mounts ?? []).map((m) => structuredClone(m)), ...mounts.map((m) => ({ ...m }))];
  if (all.length) cfg.HostConfig.Mounts = all;
  attachFirst(cfg, doc, dns);
  const exposed = Object.keys(cfg.HostConfig.PortBindings ?? {});
  if (exposed.length) cfg.ExposedPorts = Object.fromEntries(exposed.map((k) => [k, {}]));
  return cfg;
}

/** Only the fields the user set: a zero or missing one inherits the image's (Docker semantics). */
function healthcheck(h: Healthcheck): NonNullable<ContainerCreate["Healthcheck"]> {
  const out: NonNullable<ContainerCreate["Healthcheck"]> = {};
  if (h.Test?.length) out.Test = h.Test;
  if (h.Interval) out.Interval = h.Interval;
  if (h.Timeout) out.Timeout = h.Timeout;
  if (h.Retries) out.Retries = h.Retries;
  if (h.StartPeriod) out.StartPeriod = h.StartPeriod;
  if (h.StartInterval) out.StartInterval = h.StartInterval;
  return out;
}

/**
 * Limits become engine settings (Reservations are the scheduler's business); host-mode published
 * ports are bound on this node, PublishedPort 0/absent letting the engine pick.
 */
export function hostConfig(r: Resources | undefined, endpoint: EndpointSpec | undefined): HostConfig {
  const hc: HostConfig = { RestartPolicy: { Name: "no" } };
  const l = r?.Limits;
  if (l?.NanoCPUs) hc.NanoCpus = l.NanoCPUs;
  if (l?.MemoryBytes) hc.Memory = l.MemoryBytes;
  if (l?.Pids) hc.PidsLimit = l.Pids;
  const bindings: NonNullable<HostConfig["PortBindings"]> = {};
  for (const p of endpoint?.Ports ?? []) {
    if (p.PublishMode !== "host") continue;
    const key = `${p.TargetPort}/${p.Protocol ?? "tcp"}`;
    bindings[key] = [...(bindings[key] ?? []), { HostPort: p.PublishedPort ? String(p.PublishedPort) : "" }];
  }
  if (Object.keys(bindings).length) hc.PortBindings = bindings;
  return hc;
}

/** StopSignal and StopGracePeriod (default 10 s), rounded up to whole seconds as Docker takes them. */
export function stopOptions(doc: NodeTaskDoc): StopOptions {
  const c = doc.spec.ContainerSpec;
  const graceSeconds = Math.ceil((c.StopGracePeriod ?? STOP_GRACE_DEFAULT_NS) / 1e9);
  return c.StopSignal ? { signal: c.StopSignal, graceSeconds } : { graceSeconds };
}

/** A task's attachment to one network: the node-local Docker network and its endpoint. */
export interface Attachment { network: string; endpoint: EndpointConfig; mac: string }

/** The task's attachments in the order of its `networks` (the first is made at create, the others connected). */
export function attachments(doc: NodeTaskDoc): Attachment[] {
  return (doc.networks ?? []).map((n) => ({
    network: localNetworkName(n.networkId), endpoint: { IPAMConfig: { IPv4Address: n.address.split("/")[0] ?? n.address } }, mac: n.mac,
  }));
}

/**
 * The first network, its address and MAC (API 1.41: `MacAddress` in Config) and the name server:
 * `dns`, this node's gateway on that network, where the node's DNS server answers.
 */
function attachFirst(cfg: ContainerCreate, doc: NodeTaskDoc, dns: string | undefined): void {
  const first = attachments(doc)[0];
  if (!first) return;
  cfg.HostConfig.NetworkMode = first.network;
  cfg.NetworkingConfig = { EndpointsConfig: { [first.network]: first.endpoint } };
  cfg.MacAddress = first.mac;
  if (dns) cfg.HostConfig.Dns = [dns];
}
