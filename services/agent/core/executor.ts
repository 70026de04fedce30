import type { Mount, NodeDescription } from "../../../schemas/index.js";

/** What the agent asks Docker to create for one task (Docker Engine API create body, trimmed). */
export interface ContainerCreate {
  name: string;
  Image: string;
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  User?: string;
  Hostname?: string;
  StopSignal?: string;
  /** Seconds `docker stop` waits before SIGKILL (StopGracePeriod). */
  StopTimeout?: number;
  /** Docker's health check (durations in ns); `Test: ["NONE"]` disables the image's. */
  Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; Retries?: number; StartPeriod?: number; StartInterval?: number };
  Tty?: boolean;
  /** `"<port>/<proto>"` → {} for every host-published port. */
  ExposedPorts?: Record<string, Record<string, never>>;
  Labels: Record<string, string>;
  HostConfig: HostConfig;
  /**
   * The MAC on the first network (`HostConfig.NetworkMode`). API 1.41 has one MAC per container,
   * applied to the network it is created on; from 1.44 it moves to `EndpointsConfig[net].MacAddress`
   * (and this field is deprecated). Further networks are connected before start with their address
   * only: the engine derives the MAC from the address the same way (`02:42:` + its four bytes).
   */
  MacAddress?: string;
  /** The first network's endpoint (API < 1.44 accepts one network at create). */
  NetworkingConfig?: { EndpointsConfig: Record<string, EndpointConfig> };
}

/** A container's endpoint on a network: its allocated address. */
export interface EndpointConfig {
  IPAMConfig: { IPv4Address: string };
}

export interface HostConfig {
  RestartPolicy: { Name: "no" };
  NanoCpus?: number;
  Memory?: number;
  PidsLimit?: number;
  /** Host-mode ports; HostPort "" lets the engine pick one. */
  PortBindings?: Record<string, { HostPort: string }[]>;
  /** The spec's mounts, then read-only binds of the task's secret and config files (from its host tmpfs). */
  Mounts?: Mount[];
  /** The first network a task attaches to (the node-local Docker network of a swarm network). */
  NetworkMode?: string;
  /** Classic containers' `--volumes-from` (`<engine container id>[:ro|rw]`) and `--link` (`<engine container name>:<alias>`). */
  VolumesFrom?: string[];
  Links?: string[];
  ReadonlyRootfs?: boolean;
  Init?: boolean;
  GroupAdd?: string[];
  /** `host:ip` entries for /etc/hosts. */
  ExtraHosts?: string[];
  /**
   * Name servers: on a network, this node's gateway on the task's first network (the agent's DNS
   * server answers there, service discovery); else the spec's `--dns`.
   */
  Dns?: string[];
  DnsSearch?: string[];
  DnsOptions?: string[];
  CapAdd?: string[];
  CapDrop?: string[];
  Sysctls?: Record<string, string>;
  Ulimits?: { Name: string; Soft: number; Hard: number }[];
  OomScoreAdj?: number;
  LogConfig?: { Type: string; Config: Record<string, string> };
}

/** A container's health as Docker reports it; undefined status = no health check. */
export type HealthStatus = "starting" | "healthy" | "unhealthy";
export interface ContainerHealth {
  running: boolean;
  status?: HealthStatus;
  /** Host-mode ports bound (read from the engine after start). */
  ports: PortBinding[];
}
/** One bound port, in Swarm's PortConfig shape (PublishMode host). */
export interface PortBinding {
  Protocol: "tcp" | "udp" | "sctp";
  TargetPort: number;
  PublishedPort: number;
  PublishMode: "host";
}

/** Docker's coarse container state, as `docker ps` reports it. */
export type ContainerRunState = "created" | "running" | "exited";

export interface ContainerSummary {
  id: string;
  name: string;
  labels: Record<string, string>;
  state: ContainerRunState;
  /** Set when `state` is `exited`. */
  exitCode?: number;
  /** Creation time in seconds since the epoch (to pick the newest of duplicates). */
  created: number;
  /** Health of a running container that has a health check. */
  health?: HealthStatus;
  /** Host ports bound to a running container. */
  ports?: PortBinding[];
}

export interface StopOptions {
  /** Signal sent first; default the image's (SIGTERM). */
  signal?: string;
  /** Seconds before SIGKILL. Default 10. */
  graceSeconds: number;
}

/**
 * The container runtime behind the agent. Every method throws `ExecutorError` with Docker's own
 * message (e.g. `No such image: x:latest`), so the task reports what the engine said.
 */
export interface Executor {
  describeNode(): Promise<NodeDescription>;
  /** Makes the image present: inspect, else pull. A failed pull is not fatal here (create reports it). */
  ensureImage(image: string): Promise<void>;
  create(spec: ContainerCreate): Promise<string>;
  start(containerId: string): Promise<void>;
  /**
   * Resolves with the container's exit code as soon as it is not running: at once if it has
   * already exited. Called after start, so a container that exits at once is not missed (a wait
   * for the *next* exit registered before start is not: the request may reach the engine after the
   * start and the exit).
   */
  wait(containerId: string, signal: AbortSignal): Promise<number>;
  /**
   * Whether the container runs, its health (if it has a health check) and its bound host ports.
   * Optional: a runtime without it (the simulated one of the benchmarks) has neither health
   * checks nor host ports, and its tasks go to `running` as soon as they start.
   */
  inspect?(containerId: string): Promise<ContainerHealth>;
  /** Stops the container; a container that is already stopped or gone is not an error. */
  stop(containerId: string, opts: StopOptions): Promise<void>;
  /** Removes the container (forced); a container that is already gone is not an error. */
  remove(containerId: string): Promise<void>;
  /** Connects a created container to one more network with its address. Optional: a runtime without it runs no networked task. */
  connect?(containerId: string, network: string, endpoint: EndpointConfig): Promise<void>;
  /** Containers (also stopped ones) labelled `jetswarm.node.id=<nodeId>`. */
  list(nodeId: string): Promise<ContainerSummary[]>;
  /**
   * The container's log in Docker's multiplexed framing (8-byte header: stream, 0, 0, 0, size;
   * then the payload), each line prefixed by its RFC3339Nano timestamp and a space. Optional: the
   * simulated runtime of the benchmarks has no logs.
   */
  logs?(containerId: string, opts: LogOptions): Promise<NodeJS.ReadableStream>;
  /** Sends a signal (`HUP`, `9`) to a running container (`docker kill -s`). Optional, as `logs`. */
  kill?(containerId: string, signal: string): Promise<void>;
  /** The container's processes in Docker's `/top` shape (`ps_args` as given). Optional, as `logs`. */
  top?(containerId: string, psArgs?: string): Promise<{ Titles: string[]; Processes: string[][] }>;
}

/** Which lines `Executor.logs` reads (Docker's `/containers/{id}/logs` query). */
export interface LogOptions {
  follow: boolean;
  stdout: boolean;
  stderr: boolean;
  /** Unix seconds with up to nine fractional digits, as text. */
  since?: string;
  /** Lines from the end; absent = all. */
  tail?: number;
}

export class ExecutorError extends Error {
  constructor(message: string, readonly statusCode?: number, options?: ErrorOptions) {
    super(message, options);
    this.name = "ExecutorError";
  }
}
