import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { assertPortFree, startEmbeddedNats } from "./embedded-nats.js";
import { Supervisor } from "./supervisor.js";
import { agentIdentity, ensureBusCertificates, keepBusCertificatesFresh, type BusCertificates } from "./bus-identities.js";
import { watchClusterCa } from "./ca-watch.js";
import { natsTlsEnv, type NatsTls } from "../../services/shared/nats/index.js";
import { startControlPlane, type ControlPlaneRunner } from "./control-plane-runner.js";
import { serviceScript } from "./scripts.js";
import { apiListen } from "./api-listen.js";
import { requestApi } from "../../cli/http-request.js";
import { createKeyAndCsr } from "../../services/shared/pki/index.js";
import { ensureClusterCa, saveNodeIdentity } from "./node-identity.js";
import { CONTROL_PLANE_SERVICES } from "../../schemas/roster.js";
import { resolveNodeAddr, type NodeAddrFlags } from "./node-addr.js";

/** The control-plane services `swarm up` runs, each as its own process, in start order (the roster's). */
export const CONTROL_PLANE = CONTROL_PLANE_SERVICES;

export interface LocalClusterOptions extends NodeAddrFlags {
  /** Where NATS data, logs and node.json live. */
  dataDir: string;
  /** Use an existing NATS (comma-separated URLs) instead of starting one. */
  natsUrl?: string;
  /** Stream and bucket replicas with `natsUrl` (a cluster started elsewhere). Default 1. */
  streamReplicas?: number;
  /** Port of the embedded nats-server (the first of a cluster's). Default 4222. */
  natsPort?: number;
  /**
   * Servers of the embedded NATS: 1, or a JetStream cluster of N on loopback (ports natsPort…,
   * routes natsClusterPort…) with every stream and bucket at 3 replicas. Default: what the data
   * dir already holds, else 1.
   */
  natsCluster?: number;
  /** Route port of the first server of an embedded cluster. Default 6222. */
  natsClusterPort?: number;
  /** Port of the api on 127.0.0.1. Default 4280. */
  apiPort?: number;
  /** `host:port` of the api's TCP listener (HTTPS). Default `127.0.0.1:<apiPort>`. */
  apiAddr?: string;
  /** Group of the api socket `<dataDir>/api.sock` (mode 0660). Default root. */
  apiSocketGroup?: string;
  /** Plain HTTP on the api's loopback TCP address (development; refused on any other address). */
  apiInsecureHttp?: boolean;
  /** Names the api accepts in `Host` beside its address (`SWARM_API_HOSTS`). Default: none. */
  apiHostNames?: string[];
  /** Name of this node. Default the host name. */
  nodeName?: string;
  /** Placement strategy of classic `docker run` containers (`SWARM_CLASSIC_STRATEGY`). Default spread. */
  classicStrategy?: "spread" | "binpack" | "random";
  onEvent?: (msg: string) => void;
  /**
   * Plaintext NATS without users, as before the bus was secured: benches and development only.
   * Default: `SWARM_INSECURE=1` in the environment, else false (the embedded NATS requires
   * mutual TLS, DESIGN §6). A NATS given by `natsUrl` is used as it is configured.
   */
  insecure?: boolean;
  /** `--autolock` at the first start (`swarm init --autolock`): the keys at rest wrapped by an unlock key. */
  autolock?: boolean;
}

export interface LocalCluster {
  /** The api's TCP listener: `https://127.0.0.1:4280`. */
  apiUrl: string;
  /** The api's unix socket, `unix://<dataDir>/api.sock` (the CLI's default; actor `local`). */
  socketUrl: string;
  /** The cluster CA's certificate file, which the api's certificate chains to (none with apiInsecureHttp). */
  caFile?: string;
  natsUrl: string;
  nodeId: string;
  /** The address its agent registers with: its VTEP and `Status.Addr` (node-addr.ts). */
  nodeAddr: string;
  dataDir: string;
  supervisor: Supervisor;
  /** The supervised nats-server processes (`nats-server`, or `nats-server-<i>`); none with `natsUrl`. */
  natsProcesses: string[];
  /** Replicas every stream and bucket is created with. */
  streamReplicas: number;
  /** The bus identities of this manager (none when insecure): what joined nodes and tests connect with. */
  bus?: BusCertificates;
  /** An operator's bus identity (`admin`) for direct connections (tests, tools); none when insecure. */
  natsTls?: NatsTls;
  /** The unlock key `SWMKEY-1-…`, shown once, when this start turned autolock on. */
  unlockKey?: string;
  /** Autolock is on and this manager's keys are locked until `swarm unlock`. */
  locked: boolean;
  stop(): Promise<void>;
}

interface NodeFile { nodeId: string; clusterId: string }

/** The addresses clients dial the embedded NATS at: its certificate's names. */
const BUS_HOSTS = ["127.0.0.1", "localhost"];

/**
 * The manager's key material (`SWARM_KEYS_DIR` of its control-plane processes, never the agent's):
 * the secret-store's KEK, the cluster CA. Created 0700; the files in it are 0600.
 */
export function keysDir(dataDir: string): string {
  const dir = join(dataDir, "keys");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  return dir;
}

export { serviceScript };

/** The agent first, then the control plane in reverse start order (every instance of each), NATS last. */
export function stopOrder(supervisor: Supervisor): string[] {
  const names = supervisor.names();
  const of = (service: string) => names.filter((n) => n === service || n.startsWith(`${service}-`));
  return ["agent", ...[...CONTROL_PLANE].reverse().flatMap(of), ...of("nats-server")];
}

/** Starts (or resumes, on the same data dir) a single-node cluster: NATS, the control plane, one agent. */
export async function startLocalCluster(opts: LocalClusterOptions): Promise<LocalCluster> {
  const say = opts.onEvent ?? (() => {});
  const dataDir = opts.dataDir;
  const logs = join(dataDir, "logs");
  mkdirSync(logs, { recursive: true });
  const apiPort = opts.apiPort ?? 4280;
  const apiAddr = opts.apiAddr ?? `127.0.0.1:${apiPort}`;
  // The agent's address toward the bus (loopback for the embedded NATS), unless given: a bad flag starts nothing.
  const nodeAddr = await resolveNodeAddr(opts, new URL(opts.natsUrl?.split(",")[0] ?? "nats://127.0.0.1").hostname);
  // The cluster CA exists before anything that uses it starts (the api's and the bus's certificates;
  // the secret-store signs with it).
  if ((await ensureClusterCa(keysDir(dataDir))).created) say("cluster root CA created");
  const api = await apiListen({ dataDir, addr: apiAddr, socketGroup: opts.apiSocketGroup, insecureHttp: opts.apiInsecureHttp, hostNames: opts.apiHostNames });
  await assertPortFree(Number(apiAddr.slice(apiAddr.lastIndexOf(":") + 1)), "the api", opts.apiAddr ? "--api-addr" : "--api-port");
  const supervisor = new Supervisor(say);
  const insecure = opts.insecure ?? process.env.SWARM_INSECURE === "1";
  const bus = opts.natsUrl || insecure ? undefined : await ensureBusCertificates(keysDir(dataDir), BUS_HOSTS);
  const started = opts.natsUrl ? undefined : startEmbeddedNats({
    natsDir: join(dataDir, "nats"), logDir: logs, port: opts.natsPort ?? 4222, size: opts.natsCluster, clusterPort: opts.natsClusterPort ?? 6222,
    ...(bus ? { tls: { server: bus.server, client: bus.identity("svc-supervisor"), calloutIssuer: bus.calloutIssuer } } : {}),
  }, supervisor);
  const embedded = await started?.catch(async (err: unknown) => {
    await supervisor.stop();
    throw err;
  });
  const natsUrl = opts.natsUrl ?? embedded!.url;
  const streamReplicas = embedded?.replicas ?? opts.streamReplicas ?? 1;
  if (embedded && embedded.processes.length > 1) say(`NATS cluster of ${embedded.processes.length} has a JetStream leader: ${natsUrl}`);
  else if (embedded) say(`nats-server listening on ${natsUrl}`);
  const apiUrl = api.url;
  const base = {
    SWARM_NATS_URL: natsUrl, ...api.env, SWARM_STREAM_REPLICAS: String(streamReplicas),
    ...(opts.apiHostNames?.length ? { SWARM_API_HOSTS: opts.apiHostNames.join(",") } : {}),
    ...(opts.classicStrategy ? { SWARM_CLASSIC_STRATEGY: opts.classicStrategy } : {}),
  };
  let controlPlane: ControlPlaneRunner | undefined;
  let nodeId: string | undefined;
  // A root CA rotation rewrites ca.crt: reissue this manager's bus and api certificates, reload NATS.
  const caWatch = bus ? watchClusterCa({
    keysDir: keysDir(dataDir), hosts: BUS_HOSTS, supervisor, natsProcesses: embedded?.processes ?? [], reissueApi: api.reissue, say,
  }) : undefined;
  // Renewed while running: the processes pick their new files up at their next connect, the nats-server on SIGHUP.
  const freshness = bus ? keepBusCertificatesFresh({
    keysDir: keysDir(dataDir), hosts: BUS_HOSTS,
    onRenewed: (names) => {
      say(`bus certificates renewed: ${names.join(", ")}`);
      if (names.includes("nats-server")) for (const p of embedded?.processes ?? []) supervisor.kill(p, "SIGHUP");
    },
    onError: (err) => say(`bus certificates not renewed: ${(err as Error).message}`),
  }) : undefined;
  const stop = async () => {
    await caWatch?.stop();
    freshness?.stop();
    await controlPlane?.stop();
    await supervisor.stop(stopOrder(supervisor));
  };
  try {
    controlPlane = await startControlPlane({
      supervisor, natsUrl, nodeId: () => nodeId, logs, env: { ...base, SWARM_KEYS_DIR: keysDir(dataDir) }, instanceId: (s, k) => `${s}-${k}`, onEvent: say, bus,
    });
    const node = await initOrResume(api.socketUrl, dataDir, opts.nodeName ?? hostname(), opts.autolock ?? false);
    nodeId = node.nodeId;
    controlPlane.reconcile();
    supervisor.start({
      name: "agent", script: serviceScript("agent"),
      env: {
        ...base, SWARM_NODE_ID: node.nodeId, SWARM_NODE_ADDR: nodeAddr, SWARM_INSTANCE_ID: `agent-${node.nodeId.slice(0, 12)}`, SWARM_AGENT_DIR: join(dataDir, "agent"),
        ...natsTlsEnv(bus ? agentIdentity(dataDir, bus) : undefined),
      },
      logFile: join(logs, "agent.log"),
    });
    return {
      apiUrl, socketUrl: api.socketUrl, ...(api.caFile ? { caFile: api.caFile } : {}), natsUrl, nodeId: node.nodeId, nodeAddr, dataDir, supervisor,
      natsProcesses: embedded?.processes ?? [], streamReplicas, stop, ...(bus ? { bus, natsTls: bus.identity("admin") } : {}),
      ...(node.unlockKey ? { unlockKey: node.unlockKey } : {}), locked: node.locked,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function waitForApi(apiUrl: string, timeoutMs = 120_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await requestApi(apiUrl, "/swarm", { method: "GET" });
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`the api did not answer on ${apiUrl} within ${timeoutMs / 1000} s (see logs/api.log)`, { cause: err });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * `POST /swarm/init`, again while it answers 503: the api may be up before the secret-store it asks
 * for the tokens (a refusal there appends nothing, so the retry is safe).
 */
async function initWhenReady(apiUrl: string, req: object, timeoutMs = 120_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await requestApi(apiUrl, "/swarm/init", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(req) });
    if (res.status !== 503 || Date.now() > deadline) return res;
    await res.arrayBuffer();
    await new Promise((r) => setTimeout(r, 200));
  }
}

type Started = NodeFile & { unlockKey?: string; locked: boolean };

/** First start: `swarm init` through the api and remember the node; later starts: reuse it. */
async function initOrResume(apiUrl: string, dataDir: string, nodeName: string, autolock: boolean): Promise<Started> {
  const file = join(dataDir, "node.json");
  let res = await waitForApi(apiUrl);
  let text = res.ok ? "" : await res.text();
  // A restarted manager with autolock on answers Swarm's "needs to be unlocked" once its
  // secret-store answers: it is initialised. Until then (503) a resumed one waits.
  const locked = () => text.includes("needs to be unlocked");
  for (const deadline = Date.now() + 60_000; existsSync(file) && res.status === 503 && !locked() && Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 200));
    res = await waitForApi(apiUrl);
    text = res.ok ? "" : await res.text();
  }
  if (res.ok || locked()) {
    if (!existsSync(file)) throw new Error(`the cluster is initialised but ${file} is missing: this data dir belongs to another node`);
    return { ...(JSON.parse(readFileSync(file, "utf8")) as NodeFile), locked: locked() };
  }
  if (res.status !== 503) throw new Error(`api answered ${res.status} to GET /swarm: ${text}`);
  // The first manager's identity comes the way every node's does: its own key, a CSR, the CA's signature.
  const { keyPem, csrPem } = await createKeyAndCsr();
  const init = await initWhenReady(apiUrl, { NodeName: nodeName, Csr: csrPem, ...(autolock ? { AutoLockManagers: true } : {}) });
  const body = (await init.json()) as { ClusterID?: string; NodeID?: string; Certificate?: string; CACert?: string; message?: string };
  if (!init.ok || !body.NodeID || !body.ClusterID) throw new Error(`swarm init failed: ${body.message ?? init.status}`);
  if (!body.Certificate || !body.CACert) throw new Error("swarm init: the api returned no node certificate");
  saveNodeIdentity(dataDir, body.NodeID, { certPem: body.Certificate, keyPem, caPem: body.CACert });
  const node = { nodeId: body.NodeID, clusterId: body.ClusterID };
  writeFileSync(file, JSON.stringify(node, null, 2) + "\n");
  if (!autolock) return { ...node, locked: false };
  const key = (await (await requestApi(apiUrl, "/swarm/unlockkey", { method: "GET" })).json()) as { UnlockKey?: string };
  return { ...node, locked: false, ...(key.UnlockKey ? { unlockKey: key.UnlockKey } : {}) };
}
