import type { api } from "../../../schemas/index.js";
import { CURRENT_API_VERSION, MIN_API_VERSION } from "./engine-version.js";

/*
 * Docker's `GET /version` and `GET /info` bodies for this api (a swarm manager endpoint), shaped
 * from the api's own views and facts about the host the api runs on. `engineInfo` is the one
 * place `/info` is built: a front end that adds fields (classic Swarm's `SystemStatus`, its node
 * list) spreads its own over this.
 */

/** The host the api process runs on (read by the shell). */
export interface HostFacts {
  hostname: string;
  kernelVersion: string;
  operatingSystem: string;
  arch: string;
  ncpu: number;
  memTotal: number;
}

/** What `/info` shows of the cluster: the api's `GET /swarm` without join tokens, and its nodes. */
export interface SwarmFacts {
  cluster: Omit<api.ClusterInfo, "JoinTokens">;
  nodes: api.Node[];
  /** The node this api's manager is (its data dir's node.json); undefined when unknown. */
  selfId: string | undefined;
}

export const PRODUCT = "jetswarm";

/** Docker's `GET /version`. */
export function engineVersion(version: string, host: HostFacts) {
  const details = {
    ApiVersion: CURRENT_API_VERSION, MinAPIVersion: MIN_API_VERSION, Os: "linux", Arch: host.arch,
    KernelVersion: host.kernelVersion, Experimental: "false", GitCommit: "", GoVersion: "", BuildTime: "",
  };
  return {
    Platform: { Name: `${PRODUCT} ${version}` },
    Components: [{ Name: "Engine", Version: version, Details: details }],
    Version: version, ApiVersion: CURRENT_API_VERSION, MinAPIVersion: MIN_API_VERSION, GitCommit: "", GoVersion: "",
    Os: "linux", Arch: host.arch, KernelVersion: host.kernelVersion, BuildTime: "",
  };
}

/** The `Swarm` section of `/info`: a manager endpoint, so always `active` with control available. */
export function swarmInfo(facts: SwarmFacts | undefined) {
  if (!facts) {
    return { NodeID: "", NodeAddr: "", LocalNodeState: "inactive", ControlAvailable: false, Error: "", RemoteManagers: null };
  }
  const managers = facts.nodes.filter((n) => n.Spec.Role === "manager");
  const self = facts.nodes.find((n) => n.ID === facts.selfId) ?? managers[0];
  return {
    NodeID: self?.ID ?? "",
    NodeAddr: self?.Status.Addr ?? "",
    LocalNodeState: "active",
    ControlAvailable: true,
    Error: "",
    RemoteManagers: managers.map((m) => ({ NodeID: m.ID, Addr: m.ManagerStatus?.Addr || m.Status.Addr || "" })),
    Nodes: facts.nodes.length,
    Managers: managers.length,
    Cluster: facts.cluster,
  };
}

/** Docker's `GET /info` (the fields docker CLI 28 prints; the engine-only ones are zero). */
export function engineInfo(version: string, host: HostFacts, swarm: SwarmFacts | undefined, now: Date) {
  return {
    ID: swarm?.cluster.ID ?? "",
    Name: host.hostname,
    ServerVersion: version,
    OperatingSystem: host.operatingSystem,
    OSType: "linux",
    OSVersion: "",
    Architecture: host.arch,
    KernelVersion: host.kernelVersion,
    NCPU: host.ncpu,
    MemTotal: host.memTotal,
    Containers: 0, ContainersRunning: 0, ContainersPaused: 0, ContainersStopped: 0, Images: 0,
    Driver: "", DriverStatus: null, Plugins: { Volume: null, Network: ["overlay"], Authorization: null, Log: null },
    MemoryLimit: true, SwapLimit: false, CpuCfsPeriod: true, CpuCfsQuota: true, CPUShares: true, CPUSet: true, PidsLimit: true,
    IPv4Forwarding: true, Debug: false, NFd: 0, NGoroutines: 0, SystemTime: now.toISOString(), LoggingDriver: "json-file",
    CgroupDriver: "", CgroupVersion: "", NEventsListener: 0, IndexServerAddress: "https://index.docker.io/v1/",
    RegistryConfig: null, GenericResources: null, DockerRootDir: "", HttpProxy: "", HttpsProxy: "", NoProxy: "",
    Labels: [], ExperimentalBuild: false, Runtimes: {}, DefaultRuntime: "runc", LiveRestoreEnabled: false, Isolation: "",
    InitBinary: "", SecurityOptions: [], Warnings: null,
    Swarm: swarmInfo(swarm),
  };
}
