import { z } from "zod";
import { CLASSIC_DEPS_LABEL, type ClassicDeps, type Mount, type PortConfig, type ServiceSpec } from "../../../schemas/index.js";
import { invalidArgument } from "../../shared/errors/index.js";

/*
 * A classic `docker run` (Docker's `POST /containers/create` body) as jetswarm records it: a
 * one-replica service marked as a container (label CONTAINER_LABEL, hidden from `service ls`),
 * named as the user named it. The mapping is Docker's own where swarm mode has the field;
 * a field set to something jetswarm cannot honour is refused by name, never dropped. Pure.
 */

/** Service label marking a classic container; its value is the kind (`classic`). */
export const CONTAINER_LABEL = "jetswarm.container";
/** Service label holding the node a stopped container is pinned to (a restart stays on its node). */
export const CONTAINER_NODE_LABEL = "jetswarm.container.node";

const Strings = z.array(z.string()).nullish();
const Rec = z.record(z.string(), z.string()).nullish();
const PortBinding = z.looseObject({ HostIp: z.string().nullish(), HostPort: z.string().nullish() });

export const ContainerHostConfig = z.looseObject({
  Binds: Strings,
  PortBindings: z.record(z.string(), z.array(PortBinding).nullish()).nullish(),
  RestartPolicy: z.looseObject({ Name: z.string().nullish(), MaximumRetryCount: z.number().int().nonnegative().nullish() }).nullish(),
  Memory: z.number().int().nonnegative().nullish(),
  CpuShares: z.number().int().nonnegative().nullish(),
  NanoCpus: z.number().int().nonnegative().nullish(),
  VolumesFrom: Strings,
  Links: Strings,
  NetworkMode: z.string().nullish(),
  CapAdd: Strings,
  CapDrop: Strings,
  ReadonlyRootfs: z.boolean().nullish(),
  Init: z.boolean().nullish(),
  ExtraHosts: Strings,
  Dns: Strings,
  DnsSearch: Strings,
  DnsOptions: Strings,
});

export const ContainerCreateBody = z.looseObject({
  Image: z.string({ error: "Image: required" }).min(1, "Image: required"),
  Cmd: Strings,
  Entrypoint: z.union([z.array(z.string()), z.string()]).nullish(),
  Env: Strings,
  Labels: Rec,
  Hostname: z.string().nullish(),
  User: z.string().nullish(),
  WorkingDir: z.string().nullish(),
  Tty: z.boolean().nullish(),
  StopSignal: z.string().nullish(),
  StopTimeout: z.number().int().nonnegative().nullish(),
  HostConfig: ContainerHostConfig.nullish(),
});
export type ContainerCreateBody = z.infer<typeof ContainerCreateBody>;

/** HostConfig fields jetswarm does not run: set to anything but their default, they are refused. */
const REFUSED = ["Privileged", "AutoRemove", "PidMode", "IpcMode", "UTSMode", "UsernsMode", "Devices", "SecurityOpt",
  "PublishAllPorts", "CpusetCpus", "VolumeDriver", "Runtime", "GroupAdd", "Sysctls", "Tmpfs", "Mounts"] as const;
const isDefault = (v: unknown) => v === undefined || v === null || v === false || v === 0 || v === "" || v === "default" ||
  (Array.isArray(v) && v.length === 0) || (typeof v === "object" && v !== null && Object.keys(v).length === 0);

const NS_PER_S = 1_000_000_000;
const MIB = 1024 * 1024;

function restartPolicy(p: z.infer<typeof ContainerHostConfig>["RestartPolicy"]): NonNullable<ServiceSpec["TaskTemplate"]["RestartPolicy"]> {
  const name = p?.Name ?? "";
  // Docker restarts at once (then backs off); swarm's default delay is 5 s: 100 ms is Docker's first step.
  const base = { Delay: NS_PER_S / 10 };
  if (name === "" || name === "no") return { Condition: "none" };
  if (name === "always" || name === "unless-stopped") return { ...base, Condition: "any" };
  if (name === "on-failure") return { ...base, Condition: "on-failure", ...(p?.MaximumRetryCount ? { MaxAttempts: p.MaximumRetryCount } : {}) };
  throw invalidArgument(`HostConfig.RestartPolicy.Name: invalid restart policy "${name}"`);
}

function ports(bindings: Record<string, Array<z.infer<typeof PortBinding>> | null | undefined>): PortConfig[] {
  const out: PortConfig[] = [];
  for (const [key, list] of Object.entries(bindings)) {
    const m = /^(\d+)(?:\/(tcp|udp|sctp))?$/.exec(key);
    if (!m) throw invalidArgument(`HostConfig.PortBindings: invalid port "${key}"`);
    for (const b of list?.length ? list : [{}]) {
      if (b.HostIp && b.HostIp !== "0.0.0.0" && b.HostIp !== "::") throw invalidArgument(`HostConfig.PortBindings: a host address (${b.HostIp}) is not supported`);
      const published = b.HostPort ? Number(b.HostPort) : undefined;
      if (published !== undefined && !(Number.isInteger(published) && published > 0 && published < 65536)) {
        throw invalidArgument(`HostConfig.PortBindings: invalid host port "${b.HostPort}"`);
      }
      out.push({ Protocol: (m[2] ?? "tcp") as PortConfig["Protocol"], TargetPort: Number(m[1]), PublishMode: "host", ...(published ? { PublishedPort: published } : {}) });
    }
  }
  return out;
}

function binds(list: readonly string[]): Mount[] {
  return list.map((b) => {
    const [source, target, mode] = b.split(":");
    if (!source || !target) throw invalidArgument(`HostConfig.Binds: "${b}" must be SOURCE:TARGET[:ro]`);
    const type = source.startsWith("/") ? "bind" : "volume";
    return { Type: type, Source: source, Target: target, ...(mode?.split(",").includes("ro") ? { ReadOnly: true } : {}) };
  });
}

function refuseUnsupported(body: ContainerCreateBody): void {
  const h = (body.HostConfig ?? {}) as Record<string, unknown>;
  for (const k of REFUSED) if (!isDefault(h[k])) throw invalidArgument(`HostConfig.${k}: not supported by jetswarm's classic mode`);
  const net = body.HostConfig?.NetworkMode ?? "";
  if (!["", "default", "bridge"].includes(net) && !net.startsWith("container:")) {
    throw invalidArgument(`HostConfig.NetworkMode: "${net}" is not supported (default bridge only)`);
  }
  // jetswarm's own label is written from --volumes-from, --link and --net=container: (core/container-deps.ts).
  if (body.Labels?.[CLASSIC_DEPS_LABEL] !== undefined) throw invalidArgument(`Labels: ${CLASSIC_DEPS_LABEL} is jetswarm's own label`);
}

/**
 * The recorded spec of a classic container: `env` is the request's env without the classic
 * expressions; `deps` its resolved `--volumes-from`/`--link`/`--net=container:` targets, recorded
 * as the label CLASSIC_DEPS_LABEL for the node's agent (schemas/classic.ts).
 */
export function containerServiceSpec(name: string, body: ContainerCreateBody, env: string[], constraints: string[], deps?: ClassicDeps): ServiceSpec {
  refuseUnsupported(body);
  const labels = { ...(body.Labels ?? {}), ...(deps ? { [CLASSIC_DEPS_LABEL]: JSON.stringify(deps) } : {}) };
  const h = body.HostConfig ?? {};
  const entry = typeof body.Entrypoint === "string" ? [body.Entrypoint] : body.Entrypoint ?? [];
  const reserve = { ...(h.CpuShares ? { NanoCPUs: h.CpuShares * NS_PER_S } : {}), ...(h.Memory ? { MemoryBytes: Math.max(h.Memory, 4 * MIB) } : {}) };
  const limits = { ...(h.NanoCpus ? { NanoCPUs: h.NanoCpus } : {}), ...(h.Memory ? { MemoryBytes: Math.max(h.Memory, 4 * MIB) } : {}) };
  const ps = ports(h.PortBindings ?? {});
  return {
    Name: name,
    Labels: { [CONTAINER_LABEL]: "classic" },
    Mode: { Replicated: { Replicas: 1 } },
    TaskTemplate: {
      ContainerSpec: {
        Image: body.Image,
        ...(Object.keys(labels).length ? { Labels: labels } : {}),
        ...(entry.length ? { Command: entry } : {}),
        ...(body.Cmd?.length ? { Args: [...body.Cmd] } : {}),
        ...(env.length ? { Env: env } : {}),
        ...(body.Hostname ? { Hostname: body.Hostname } : {}),
        ...(body.User ? { User: body.User } : {}),
        ...(body.WorkingDir ? { Dir: body.WorkingDir } : {}),
        ...(body.Tty ? { TTY: true } : {}),
        ...(body.StopSignal ? { StopSignal: body.StopSignal } : {}),
        ...(body.StopTimeout ? { StopGracePeriod: body.StopTimeout * NS_PER_S } : {}),
        ...(h.Binds?.length ? { Mounts: binds(h.Binds) } : {}),
        ...(h.CapAdd?.length ? { CapabilityAdd: [...h.CapAdd] } : {}),
        ...(h.CapDrop?.length ? { CapabilityDrop: [...h.CapDrop] } : {}),
        ...(h.ReadonlyRootfs ? { ReadOnly: true } : {}),
        ...(h.Init ? { Init: true } : {}),
        ...(h.ExtraHosts?.length ? { Hosts: h.ExtraHosts.map((x) => x.split(":").reverse().join(" ")) } : {}),
      },
      RestartPolicy: restartPolicy(h.RestartPolicy),
      ...(Object.keys(reserve).length ? { Resources: { Reservations: reserve, Limits: limits } } : {}),
      ...(constraints.length ? { Placement: { Constraints: constraints } } : {}),
    },
    ...(ps.length ? { EndpointSpec: { Ports: ps } } : {}),
  };
}

/** Docker's names: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`; jetswarm's service names also refuse dots. */
export function checkContainerName(name: string): void {
  if (!/^\/?[a-zA-Z0-9][a-zA-Z0-9_-]*$/.test(name) || name.length > 63) {
    throw invalidArgument(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_-] are allowed (at most 63 characters)`);
  }
}

/** Whether a recorded service is a classic container. */
export function isContainer(spec: { Labels?: Record<string, string> | undefined }): boolean {
  return spec.Labels?.[CONTAINER_LABEL] !== undefined;
}
