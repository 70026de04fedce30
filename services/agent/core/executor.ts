import type { NodeDescription } from "../../../schemas/index.js";

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
  Labels: Record<string, string>;
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
   * Resolves with the exit code of the container's next exit (`next-exit`, register it before
   * start) or as soon as it is not running (`not-running`, for adopted containers).
   */
  wait(containerId: string, condition: "next-exit" | "not-running", signal: AbortSignal): Promise<number>;
  /** Stops the container; a container that is already stopped or gone is not an error. */
  stop(containerId: string, opts: StopOptions): Promise<void>;
  /** Removes the container (forced); a container that is already gone is not an error. */
  remove(containerId: string): Promise<void>;
  /** Containers (also stopped ones) labelled `jetswarm.node.id=<nodeId>`. */
  list(nodeId: string): Promise<ContainerSummary[]>;
}

export class ExecutorError extends Error {
  constructor(message: string, readonly statusCode?: number, options?: ErrorOptions) {
    super(message, options);
    this.name = "ExecutorError";
  }
}
