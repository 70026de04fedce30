import Docker from "dockerode";
import type { NodeDescription } from "../../../schemas/index.js";
import { LABELS } from "../core/container-config.js";
import {
  ExecutorError, type ContainerCreate, type ContainerHealth, type ContainerRunState, type ContainerSummary, type Executor,
  type EndpointConfig, type HealthStatus, type LogOptions, type PortBinding, type StopOptions,
} from "../core/executor.js";
import type { Logger } from "../../shared/telemetry/index.js";
import { ImageCheck } from "./image-check.js";

/** Docker's own error text: dockerode puts the engine's JSON `message` on `json`. */
export function dockerMessage(err: unknown): string {
  const e = err as { json?: { message?: unknown }; reason?: unknown; message?: unknown } | undefined;
  if (e && typeof e.json === "object" && e.json && typeof e.json.message === "string") return e.json.message.trim();
  if (e && typeof e.message === "string") return e.message;
  return String(err);
}
function statusOf(err: unknown): number | undefined {
  const s = (err as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof s === "number" ? s : undefined;
}
function wrap(err: unknown): ExecutorError {
  return err instanceof ExecutorError ? err : new ExecutorError(dockerMessage(err), statusOf(err), { cause: err });
}

/** `docker ps` Status text: `Up 3 seconds (health: starting)`, `(healthy)`, `(unhealthy)`. */
function healthOfStatus(status: string | undefined): HealthStatus | undefined {
  const m = /\((health: starting|healthy|unhealthy)\)/.exec(status ?? "");
  if (!m) return undefined;
  return m[1] === "health: starting" ? "starting" : (m[1] as HealthStatus);
}
function healthOf(status: unknown): HealthStatus | undefined {
  return status === "starting" || status === "healthy" || status === "unhealthy" ? status : undefined;
}
function proto(p: string | undefined): PortBinding["Protocol"] {
  return p === "udp" || p === "sctp" ? p : "tcp";
}
type RawBinding = PortBinding & { ipv6: boolean };
/**
 * Bound host ports, one per binding. The engine binds IPv4 and IPv6 separately and, for an
 * engine-picked port, may pick a different host port for each: the IPv6 bindings of a target are
 * dropped when it has IPv4 ones.
 */
function uniquePorts(list: RawBinding[]): PortBinding[] {
  const hasV4 = new Set(list.filter((p) => !p.ipv6).map((p) => `${p.TargetPort}/${p.Protocol}`));
  const seen = new Map<string, PortBinding>();
  for (const { ipv6, ...p } of list) {
    if (ipv6 && hasV4.has(`${p.TargetPort}/${p.Protocol}`)) continue;
    seen.set(`${p.TargetPort}/${p.Protocol}:${p.PublishedPort}`, p);
  }
  return [...seen.values()];
}
/** From inspect's `NetworkSettings.Ports` (`"80/tcp": [{HostIp, HostPort}]`). */
export function boundPorts(ports: Record<string, { HostIp?: string; HostPort?: string }[] | null> | undefined): PortBinding[] {
  const out: RawBinding[] = [];
  for (const [key, binds] of Object.entries(ports ?? {})) {
    const [target, p] = key.split("/");
    for (const b of binds ?? []) {
      const published = Number(b.HostPort);
      if (published > 0) {
        out.push({ Protocol: proto(p), TargetPort: Number(target), PublishedPort: published, PublishMode: "host", ipv6: (b.HostIp ?? "").includes(":") });
      }
    }
  }
  return uniquePorts(out);
}

function runState(state: string): ContainerRunState {
  if (state === "created") return "created";
  if (state === "running" || state === "paused" || state === "restarting") return "running";
  return "exited";
}

/** The Executor over the Docker Engine API (dockerode). */
export class DockerExecutor implements Executor {
  constructor(private readonly docker: Docker, private readonly log: Logger, private readonly imageCheck = new ImageCheck()) {}

  async describeNode(): Promise<NodeDescription> {
    const info = await this.docker.info().catch((e) => { throw wrap(e); }) as Record<string, unknown>;
    const labels: Record<string, string> = {};
    for (const l of (info.Labels as string[] | undefined) ?? []) {
      const i = l.indexOf("=");
      if (i > 0) labels[l.slice(0, i)] = l.slice(i + 1);
    }
    return {
      hostname: String(info.Name ?? ""),
      os: String(info.OSType ?? "linux"),
      architecture: String(info.Architecture ?? ""),
      nanoCpus: Number(info.NCPU ?? 0) * 1e9,
      memoryBytes: Number(info.MemTotal ?? 0),
      engineVersion: String(info.ServerVersion ?? ""),
      engineLabels: labels,
      ...(info.Driver ? { storageDriver: String(info.Driver) } : {}),
      ...(info.KernelVersion ? { kernelVersion: String(info.KernelVersion) } : {}),
      images: await this.images(),
    };
  }

  /** `repo:tag` of every image on the engine, sorted (untagged ones left out). */
  private async images(): Promise<string[]> {
    const list = await this.docker.listImages().catch((e) => { throw wrap(e); });
    const tags = list.flatMap((i) => i.RepoTags ?? []).filter((t) => t && t !== "<none>:<none>");
    return [...new Set(tags)].sort();
  }

  /** Inspect, else pull; shared by the tasks of one image for a short while (`ImageCheck`). */
  ensureImage(image: string): Promise<void> {
    return this.imageCheck.ensure(image, () => this.inspectOrPull(image));
  }

  /** True when the image is on the engine afterwards. */
  private async inspectOrPull(image: string): Promise<boolean> {
    try {
      await this.docker.getImage(image).inspect();
      return true;
    } catch (err) {
      if (statusOf(err) !== 404) throw wrap(err);
    }
    try {
      const stream = await this.docker.pull(image);
      await new Promise<void>((resolve, reject) => {
        this.docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve()));
      });
      return true;
    } catch (err) {
      // As swarmkit does: a failed pull is logged; create then fails with `No such image: …`.
      this.log.warn("image pull failed", { image, err: dockerMessage(err) });
      return false;
    }
  }

  async create(spec: ContainerCreate): Promise<string> {
    try {
      return await this.createOnce(spec);
    } catch (err) {
      // The image check was remembered, and the image has gone since (removed behind the agent's
      // back): checked (pulled) again and created once more, as an unremembered check would have.
      if (!(err instanceof ExecutorError && err.statusCode === 404 && /No such image/i.test(err.message) && this.imageCheck.forget(spec.Image))) throw err;
      await this.ensureImage(spec.Image);
      return this.createOnce(spec);
    }
  }

  private async createOnce(spec: ContainerCreate): Promise<string> {
    const { name, HostConfig: { Mounts: mounts, ...hostConfig }, ...body } = spec;
    // dockerode's types are narrower than the engine's API (Source required, options all-or-none):
    // the body is the engine's own shape, validated by the spec schema.
    const Mounts = mounts?.map((m) => ({ ...m, Source: m.Source ?? "" })) as Docker.MountConfig | undefined;
    try {
      const c = await this.docker.createContainer({ name, ...body, HostConfig: { ...hostConfig, ...(Mounts ? { Mounts } : {}) } });
      return c.id;
    } catch (err) {
      throw wrap(err);
    }
  }

  async connect(containerId: string, network: string, endpoint: EndpointConfig): Promise<void> {
    try {
      await this.docker.getNetwork(network).connect({ Container: containerId, EndpointConfig: endpoint });
    } catch (err) {
      throw wrap(err);
    }
  }

  async start(containerId: string): Promise<void> {
    try {
      await this.docker.getContainer(containerId).start();
    } catch (err) {
      if (statusOf(err) === 304) return;
      throw wrap(err);
    }
  }

  async wait(containerId: string, signal: AbortSignal): Promise<number> {
    try {
      const r = await this.docker.getContainer(containerId).wait({ condition: "not-running", abortSignal: signal }) as { StatusCode?: number };
      return r.StatusCode ?? 0;
    } catch (err) {
      throw wrap(err);
    }
  }

  async stop(containerId: string, opts: StopOptions): Promise<void> {
    const c = this.docker.getContainer(containerId);
    try {
      // API 1.41 has no signal on stop: the engine sends the container's StopSignal, set at create.
      await c.stop({ t: opts.graceSeconds });
    } catch (err) {
      const s = statusOf(err);
      if (s === 304 || s === 404) return;
      throw wrap(err);
    }
  }

  async remove(containerId: string): Promise<void> {
    try {
      await this.docker.getContainer(containerId).remove({ force: true });
    } catch (err) {
      if (statusOf(err) === 404) return;
      // 409 "removal already in progress" is as good as done.
      if (statusOf(err) === 409 && /already in progress/.test(dockerMessage(err))) return;
      throw wrap(err);
    }
  }

  async inspect(containerId: string): Promise<ContainerHealth> {
    try {
      const info = await this.docker.getContainer(containerId).inspect();
      const status = healthOf(info.State.Health?.Status);
      const ports = boundPorts(info.NetworkSettings?.Ports as Record<string, { HostPort?: string }[] | null> | undefined);
      return { running: info.State.Running === true, ports, ...(status ? { status } : {}) };
    } catch (err) {
      throw wrap(err);
    }
  }

  private async exitCode(containerId: string): Promise<number> {
    const info = await this.docker.getContainer(containerId).inspect().catch(() => undefined);
    return info?.State.ExitCode ?? 0;
  }

  async logs(containerId: string, o: LogOptions): Promise<NodeJS.ReadableStream> {
    // `since` goes into the query string as given: the engine parses seconds.nanoseconds itself.
    const options = {
      follow: o.follow, stdout: o.stdout, stderr: o.stderr, timestamps: true,
      ...(o.tail === undefined ? {} : { tail: o.tail }), ...(o.since === undefined ? {} : { since: o.since }),
    };
    // The modem directly: dockerode's `logs` buffers a non-follow answer whole before returning it
    // (megabytes for a chatty task), where a stream lets the reader pace the engine.
    return new Promise((resolve, reject) => {
      this.docker.modem.dial({
        path: `/containers/${containerId}/logs?`, method: "GET", isStream: true, options,
        statusCodes: { 200: true, 404: "no such container", 500: "server error" },
      }, (err: unknown, stream: unknown) => (err ? reject(wrap(err)) : resolve(stream as NodeJS.ReadableStream)));
    });
  }

  async kill(containerId: string, signal: string): Promise<void> {
    try {
      await this.docker.getContainer(containerId).kill({ signal });
    } catch (err) {
      throw wrap(err);
    }
  }

  async top(containerId: string, psArgs?: string): Promise<{ Titles: string[]; Processes: string[][] }> {
    try {
      const r = await this.docker.getContainer(containerId).top(psArgs ? { ps_args: psArgs } : {}) as { Titles?: string[]; Processes?: string[][] };
      return { Titles: r.Titles ?? [], Processes: r.Processes ?? [] };
    } catch (err) {
      throw wrap(err);
    }
  }

  async list(nodeId: string): Promise<ContainerSummary[]> {
    try {
      const cs = await this.docker.listContainers({ all: true, filters: { label: [`${LABELS.nodeId}=${nodeId}`] } });
      const out: ContainerSummary[] = [];
      for (const c of cs) {
        const state = runState(c.State);
        const s: ContainerSummary = { id: c.Id, name: (c.Names[0] ?? "").replace(/^\//, ""), labels: c.Labels ?? {}, state, created: c.Created };
        if (state === "exited") s.exitCode = await this.exitCode(c.Id);
        const health = state === "running" ? healthOfStatus(c.Status) : undefined;
        if (health) s.health = health;
        const ports = uniquePorts((c.Ports ?? []).filter((p) => p.PublicPort > 0).map((p) => ({
          Protocol: proto(p.Type), TargetPort: p.PrivatePort, PublishedPort: p.PublicPort, PublishMode: "host" as const,
          ipv6: (p.IP ?? "").includes(":"),
        })));
        if (state === "running" && ports.length) s.ports = ports;
        out.push(s);
      }
      return out;
    } catch (err) {
      throw wrap(err);
    }
  }
}
