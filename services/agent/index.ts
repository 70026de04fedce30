import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NatsConnection } from "@nats-io/transport-node";
import { AckedPublisher } from "../shared/nats/index.js";
import { every } from "../shared/runtime/index.js";
import { randomId } from "../shared/eventlog/index.js";
import { type Logger } from "../shared/telemetry/index.js";
import type { Executor } from "./core/executor.js";
import type { RegisterRequest, TaskStatusReport } from "../../schemas/index.js";
import { onReconnect, register, registerOnce } from "./shell/session.js";
import { StatusPublisher } from "./shell/status-publisher.js";
import { followTasks } from "./shell/task-feed.js";
import { TaskRunner } from "./shell/task-runner.js";
import { TaskFiles } from "./shell/task-files.js";
import type { DeliveryOptions } from "./shell/secret-delivery.js";
import { CertRenewer } from "./shell/cert-renewer.js";
import { serveLogs, type LogServerOptions } from "./shell/log-server.js";
import { serveContainers } from "./shell/container-server.js";
import { NetMaps } from "./shell/netmaps.js";
import { Overlay } from "./shell/overlay.js";
import type { NetworksPort } from "./shell/task-networks.js";
import { NetKernel, type Exec } from "./shell/net-kernel.js";
import type { NetworkEngine } from "./shell/docker-networks.js";
import { errorMessage } from "../shared/errors/index.js";
import { followMaps, ServiceNet, type ServiceNetDeps } from "./shell/service-net.js";

export type { Executor, ContainerCreate, ContainerSummary, ContainerHealth, LogOptions, PortBinding, StopOptions } from "./core/executor.js";
export { ExecutorError } from "./core/executor.js";
export { DockerExecutor } from "./shell/docker-executor.js";
export { timedExecutor } from "./shell/timed-executor.js";
export type { DeliveryOptions } from "./shell/secret-delivery.js";
export { CertRenewer, type CertRenewerDeps } from "./shell/cert-renewer.js";
export type { LogServerOptions } from "./shell/log-server.js";
export { LABELS as CONTAINER_LABELS, taskName } from "./core/container-config.js";
export { ServiceNet, followMaps, gatewaysOf, type ServiceNetOptions, type ServiceNetDeps } from "./shell/service-net.js";
export { DnsServer, hostResolvers, type DnsServerOptions, type Upstream } from "./shell/dns-server.js";
export { localSockets, netnsSockets, type SocketOpener } from "./shell/ns-sockets.js";
export { NetMaps, type NetMapListener } from "./shell/netmaps.js";
export { Overlay } from "./shell/overlay.js";
export type { NetworksPort } from "./shell/task-networks.js";
export { DockerNetworks, type NetworkEngine } from "./shell/docker-networks.js";
export { NetKernel, localExec, nsenterExec, type Exec } from "./shell/net-kernel.js";

/** The node's overlay networks (DESIGN §6b): the engine's networks and the kernel's devices. */
export interface OverlayOptions {
  engine: NetworkEngine;
  /** Runs `ip`/`bridge` (default: in this process's namespace). */
  exec?: Exec;
  /** Full repair pass period, ms. Default 5000. */
  resyncMs?: number;
  /** Full re-read of the networks' maps, ms. Default 10000. */
  mapsResyncMs?: number;
}

export interface AgentDeps {
  nc: NatsConnection;
  log: Logger;
  nodeId: string;
  executor: Executor;
  /** Reported hostname. Default: the engine's (docker info Name). */
  hostname?: string;
  /** The node's address as the dispatcher records it. Default `127.0.0.1`. */
  addr?: string;
  /** The agent's clock. Default `() => new Date()`. */
  now?: () => Date;
  /** How often batched status reports are published, ms. Default 100. */
  statusFlushMs?: number;
  /**
   * How often the node description is re-read and the session re-registered, ms: a changed
   * description (new images, engine labels) reaches the scheduler, and a changed heartbeat
   * period reaches the agent. Default 20000 (swarmkit's node description refresh).
   */
  refreshMs?: number;
  /** How often the health of a container with a health check is polled, ms. Default 1000. */
  healthPollMs?: number;
  /**
   * Where each task's secret and config files are mounted (one tmpfs per task beneath).
   * Default `<os tmpdir>/jetswarm-agent-<nodeId>`; the launchers use `<dataDir>/agent`.
   */
  filesDir?: string;
  /** Retries of a secret delivery while the secret-store is unavailable. Default 5 attempts from 200 ms. */
  delivery?: DeliveryOptions;
  /**
   * Renews the node certificate the connection was opened with: before it expires, and at once
   * when the log wants another (`shell/cert-renewer.ts`). Default none (a plaintext bus: nothing to renew).
   */
  certs?: CertRenewer;
  /** `swarm service logs`: per-stream buffer, chunk size, idle timeout (shell/log-server.ts). */
  logs?: LogServerOptions;
  /** Overlay networks: without it (and without `networks`), a task with networks waits. */
  overlay?: OverlayOptions;
  /**
   * Instead of `overlay`: a simulated runtime's networks (hollow nodes in tests and benchmarks:
   * every network ready, nothing built).
   */
  networks?: NetworksPort;
  /** Service discovery (DNS), VIPs and the routing mesh from the same maps; needs `overlay`. */
  serviceNet?: ServiceNetDeps;
}

export interface RunningAgent {
  /** Leaves containers running. */
  stop(): Promise<void>;
  /**
   * Renews the node certificate now (e.g. `swarm ca --rotate`: a new root); resolves once the
   * connection uses the new one. Rejects without an identity.
   */
  renewCertificate(reason: string): Promise<void>;
}

/**
 * Starts the node agent: register the session, read the full desired set, adopt existing
 * containers, then follow changes and report. `stop()` leaves containers running.
 */
export async function start(deps: AgentDeps): Promise<RunningAgent> {
  const { nc, nodeId, executor } = deps;
  const log = deps.log.child(`agent-${nodeId}`);
  const now = deps.now ?? (() => new Date());
  const abort = new AbortController();
  let sessionId = randomId();
  const publisher = new StatusPublisher(nc, new AckedPublisher(nc), nodeId, () => sessionId, log);
  const files = new TaskFiles({
    nc, nodeId, log, dir: deps.filesDir ?? join(tmpdir(), `jetswarm-agent-${nodeId}`), ...(deps.delivery ? { delivery: deps.delivery } : {}),
  });
  const maps = deps.overlay ? new NetMaps(nc, log, deps.overlay.mapsResyncMs ? { resyncMs: deps.overlay.mapsResyncMs } : {}) : undefined;
  let overlay: Overlay | undefined;
  let services: ReturnType<typeof followMaps> | undefined;
  const startServiceNet = ({ resyncMs, ...o }: ServiceNetDeps, m: NetMaps) =>
    followMaps(new ServiceNet({ ...o, log, nodeId, localServing: () => runner.servingTasks(), ...(deps.overlay?.exec && !o.exec ? { exec: deps.overlay.exec } : {}) }), m, log, resyncMs);
  // Service templates name the node as it registers itself (`{{.Node.Hostname}}`).
  const self = await executor.describeNode().catch(() => undefined);
  const node = { hostname: deps.hostname ?? self?.hostname ?? "", os: self?.os ?? "", architecture: self?.architecture ?? "" };
  // At debug level each doc and state is logged, beside the engine calls' durations (timedExecutor).
  const reportStatus = (r: TaskStatusReport[]) => {
    for (const x of r) log.debug("task status", { taskId: x.taskId, state: x.state });
    publisher.push(...r);
    // Its published ports at once (the mesh alone), then the full pass.
    if (r.some((x) => x.state === "running")) services?.taskRunning();
  };
  const runner: TaskRunner = new TaskRunner({
    nodeId, executor, log, now, files, node, report: (r) => reportStatus(r), ...(deps.healthPollMs ? { healthPollMs: deps.healthPollMs } : {}),
    ...(deps.networks ? { networks: deps.networks } : deps.overlay ? {
      networks: {
        blocked: (id) => (overlay ? overlay.blocked(id) : "the overlay is starting"), cannotBuild: (id) => overlay?.cannotBuild(id) ?? false,
        gateway: (id) => overlay?.gateway(id), kick: () => overlay?.kick(),
      },
    } : {}),
  });
  if (deps.overlay && maps) {
    overlay = new Overlay({
      maps, engine: deps.overlay.engine, kernel: new NetKernel(deps.overlay.exec), nodeId, local: deps.addr ?? "127.0.0.1", log,
      used: () => runner.networksInUse(), ...(deps.overlay.resyncMs ? { resyncMs: deps.overlay.resyncMs } : {}),
    });
    // A map that cannot be read now (the stream not there yet) is read by the periodic re-read.
    await maps.start().catch((err: unknown) => log.warn("network maps not read", { err: errorMessage(err) }));
  }

  const request = async (): Promise<RegisterRequest> => {
    const description = await executor.describeNode();
    if (deps.hostname) description.hostname = deps.hostname;
    return { nodeId, sessionId, description, addr: deps.addr ?? "127.0.0.1" };
  };
  const certs = deps.certs;
  certs?.attach(nc);
  /** Registers a new session; the reply's certificate wish may start a renewal. Returns the heartbeat period. */
  const registerSession = async (): Promise<number> => {
    sessionId = randomId();
    const reply = await register(nc, request, log, { signal: abort.signal });
    certs?.told(reply.certificate);
    return reply.heartbeatPeriodMs;
  };
  const refresh = async (): Promise<number> => {
    const reply = await registerOnce(nc, await request());
    certs?.told(reply.certificate);
    return reply.heartbeatPeriodMs;
  };

  let heartbeatMs = await registerSession();
  log.info("registered", { sessionId, heartbeatMs });
  const flusher = every(deps.statusFlushMs ?? 100, () => publisher.flush(), log);
  const logs = serveLogs(nc, nodeId, executor, log, deps.logs);
  const containers = serveContainers(nc, nodeId, executor, log);
  let heartbeat = startHeartbeat(heartbeatMs);
  function startHeartbeat(ms: number) {
    return every(ms, () => publisher.heartbeat(now().toISOString(), ms), log);
  }
  const usePeriod = (ms: number) => {
    if (ms === heartbeatMs) return;
    log.info("heartbeat period changed", { fromMs: heartbeatMs, toMs: ms });
    heartbeatMs = ms;
    heartbeat.stop();
    heartbeat = startHeartbeat(ms);
  };
  // Same session: the dispatcher records a changed description (and appends nothing otherwise)
  // and answers with the cluster's current heartbeat period.
  const refresher = every(deps.refreshMs ?? 20_000, async () => usePeriod(await refresh()), log);

  let synced: () => void = () => undefined;
  const syncedP = new Promise<void>((r) => { synced = r; });
  const feed = await followTasks(nc, nodeId, log, { onDoc: (d) => { log.debug("task doc", { taskId: d.taskId, version: d.version, desiredState: d.desiredState }); runner.applyDoc(d); }, onSynced: () => synced() });
  await syncedP;
  // Built before any task is prepared, so that the first tasks wait as little as possible.
  overlay?.start();
  services = maps && deps.serviceNet ? startServiceNet(deps.serviceNet, maps) : undefined;
  await overlay?.kick();
  await runner.adopt();
  log.info("desired set applied; containers adopted");
  certs?.start();

  onReconnect(nc, abort.signal, log, async () => {
    usePeriod(await registerSession());
    publisher.push(...runner.snapshot());
    log.info("re-registered after reconnect", { sessionId });
  });

  return {
    renewCertificate: (reason) => (certs ? certs.renewNow(reason) : Promise.reject(new Error("this agent has no node certificate to renew"))),
    stop: async () => {
      certs?.stop();
      abort.abort();
      await logs.stop();
      await containers.stop();
      refresher.stop();
      heartbeat.stop();
      flusher.stop();
      await feed.stop();
      await runner.stop();
      await overlay?.stop();
      await services?.stop();
      maps?.stop();
      await publisher.flush().catch(() => undefined);
      publisher.close();
    },
  };
}
