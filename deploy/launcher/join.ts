import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Supervisor } from "./supervisor.js";
import { keysDir, stopOrder } from "./local-cluster.js";
import { startControlPlane, type ControlPlaneRunner } from "./control-plane-runner.js";
import { serviceScript } from "./scripts.js";
import { natsTlsEnv, type NatsTls } from "../../services/shared/nats/index.js";
import type { BusIdentity } from "../../schemas/bus-permissions.js";
import { requestApi } from "../../cli/http-request.js";
import { createKeyAndCsr, type CertAndKey } from "../../services/shared/pki/index.js";
import { fetchTrustedCa, saveNodeIdentity } from "./node-identity.js";
import { agentIdentity, ensureBusCertificates } from "./bus-identities.js";
import { watchClusterCa } from "./ca-watch.js";
import { newSealKey } from "../../services/shared/seal/index.js";
import { holdsClusterCa, joinedApiListen, saveHandedKeys } from "./key-handover.js";
import { resolveNodeAddr, type NodeAddrFlags } from "./node-addr.js";

export interface JoinOptions extends NodeAddrFlags {
  /** The api of a manager, `HOST:PORT` or a URL. */
  manager: string;
  token: string;
  nodeName: string;
  dataDir: string;
  /** NATS of the cluster. Default `nats://<manager host>:4222`. */
  natsUrl?: string;
  /** Port of this host's api (HTTPS on 127.0.0.1) when joining as a manager. Default 4280; taken = the socket only. */
  apiPort?: number;
  onEvent?: (msg: string) => void;
  /**
   * The cluster's NATS requires mutual TLS (DESIGN §6): the agent connects with the node's own
   * certificate (`<dataDir>/node/`). Default false (plaintext).
   */
  secure?: boolean;
  /**
   * A manager's bus identities, for the control-plane processes of a joined manager that holds no
   * cluster CA (one that joined before keys were handed over). A manager given the keys at its join
   * issues its own.
   */
  bus?: { identity(name: BusIdentity): NatsTls };
}

export interface JoinedNode {
  nodeId: string;
  role: string;
  resumed: boolean;
  /** The node's address (its VTEP, `Status.Addr`) its agent registers with (node-addr.ts). */
  addr: string;
  /** This host's api, when it joined as a manager: its socket `unix://<dataDir>/api.sock`. */
  apiUrl?: string;
  /** The same api over HTTPS (`https://127.0.0.1:<apiPort>`), certificate from the handed-over CA, when it listens on TCP. */
  apiTcpUrl?: string;
  supervisor: Supervisor;
  stop(): Promise<void>;
}

/**
 * Pins the manager's CA by the token's digest before sending anything, then sends a CSR for a key
 * made here (the key never leaves this node) and keeps the certificate the manager returns. With
 * it goes an ephemeral public key: a manager's answer carries the cluster's keys sealed to it
 * (DESIGN §6), written to `<dataDir>/keys/` before anything starts.
 */
async function joinWithCsr(api: URL, opts: JoinOptions): Promise<{ nodeId: string; role: string; unlockedCa?: CertAndKey }> {
  const caPem = await fetchTrustedCa(api, opts.token);
  const { keyPem, csrPem } = await createKeyAndCsr();
  const sealKey = newSealKey();
  // Over HTTPS checked against the pinned CA: the token goes to this cluster's manager only.
  const res = await requestApi(api.origin, "/jetswarm/join", {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ JoinToken: opts.token, NodeName: opts.nodeName, Csr: csrPem, KeysPublicKey: sealKey.publicKey }),
  }, { ca: caPem }).catch((err: unknown) => { throw new Error(`cannot reach the manager at ${api.origin}: ${(err as Error).message}`); });
  const body = (await res.json()) as { NodeID?: string; Role?: string; Certificate?: string; Keys?: string; message?: string };
  if (!res.ok || !body.NodeID) throw new Error(body.message ?? `join failed with HTTP ${res.status}`);
  if (!body.Certificate) throw new Error("the manager returned no node certificate");
  // Checked against the CA pinned above, not the one the join answer might carry.
  saveNodeIdentity(opts.dataDir, body.NodeID, { certPem: body.Certificate, keyPem, caPem });
  let unlockedCa: CertAndKey | undefined;
  if (body.Role === "manager") {
    if (!body.Keys) throw new Error("joined as a manager but the manager handed over no cluster keys (its secret-store did not answer): this host cannot run a control plane");
    unlockedCa = saveHandedKeys(keysDir(opts.dataDir), sealKey, body.Keys, body.NodeID);
  }
  return { nodeId: body.NodeID, role: body.Role ?? "worker", ...(unlockedCa ? { unlockedCa } : {}) };
}

function apiUrlOf(manager: string): URL {
  return new URL(/^https?:\/\//.test(manager) ? manager : `https://${manager}`);
}

/**
 * `swarm join`: joins with a token (once per data dir) and runs this node's agent; a manager also
 * runs this host's control-plane processes against the cluster's NATS. They share the work with
 * the other managers' (orchestrators by service, dispatchers by node, one active scheduler), and
 * several instances are safe anyway: every append names the version it decided on.
 */
export async function joinCluster(opts: JoinOptions): Promise<JoinedNode> {
  mkdirSync(join(opts.dataDir, "logs"), { recursive: true });
  const api = apiUrlOf(opts.manager);
  // Chosen at every start (an interface's address may change), and before the join: a bad flag joins nothing.
  const addr = await resolveNodeAddr(opts, api.hostname);
  const natsUrl = opts.natsUrl ?? `nats://${api.hostname}:4222`;
  const file = join(opts.dataDir, "node.json");
  let node: { nodeId: string; role: string };
  let resumed = false;
  // Autolock: the handed-over CA in memory for this first start (its file is wrapped); none later.
  let unlockedCa: CertAndKey | undefined;
  if (existsSync(file)) {
    node = JSON.parse(readFileSync(file, "utf8")) as { nodeId: string; role: string };
    resumed = true;
  } else {
    const joined = await joinWithCsr(api, opts);
    node = { nodeId: joined.nodeId, role: joined.role };
    unlockedCa = joined.unlockedCa;
    writeFileSync(file, JSON.stringify(node, null, 2) + "\n");
  }
  const supervisor = new Supervisor(opts.onEvent);
  const logs = join(opts.dataDir, "logs");
  let apiUrl: string | undefined;
  let apiTcpUrl: string | undefined;
  let controlPlane: ControlPlaneRunner | undefined;
  let caWatch: { stop(): Promise<void> } | undefined;
  if (node.role === "manager") {
    const listen = await joinedApiListen(opts.dataDir, opts.apiPort ?? 4280, opts.onEvent ?? (() => {}), unlockedCa);
    apiUrl = listen.socketUrl;
    apiTcpUrl = listen.url;
    const short = node.nodeId.slice(0, 12);
    const keys = keysDir(opts.dataDir);
    // Its own bus identities from the handed-over CA (the nats-server's certificate is unused here).
    const bus = opts.secure && holdsClusterCa(keys) ? await ensureBusCertificates(keys, ["127.0.0.1", "localhost"], undefined, unlockedCa) : opts.bus;
    controlPlane = await startControlPlane({
      supervisor, natsUrl, nodeId: () => node.nodeId, logs, onEvent: opts.onEvent,
      env: { SWARM_NATS_URL: natsUrl, ...listen.env, SWARM_KEYS_DIR: keys },
      instanceId: (s, k) => (k === 1 ? `${s}-${short}` : `${s}-${short}-${k}`), bus,
    });
    // A root CA rotation: this manager's secret-store rewrites its ca.crt; its identities and api follow.
    if (opts.secure && holdsClusterCa(keys)) {
      caWatch = watchClusterCa({ keysDir: keys, hosts: ["127.0.0.1", "localhost"], supervisor, natsProcesses: [], reissueApi: listen.reissue, say: opts.onEvent ?? (() => {}) });
    }
  }
  supervisor.start({
    name: "agent", script: serviceScript("agent"),
    env: {
      SWARM_NATS_URL: natsUrl, SWARM_NODE_ID: node.nodeId, SWARM_NODE_ADDR: addr, SWARM_INSTANCE_ID: `agent-${node.nodeId.slice(0, 12)}`,
      SWARM_AGENT_DIR: join(opts.dataDir, "agent"), ...natsTlsEnv(opts.secure ? agentIdentity(opts.dataDir, opts.bus) : undefined),
    },
    logFile: join(opts.dataDir, "logs", "agent.log"),
  });
  return { ...node, resumed, addr, apiUrl, ...(apiTcpUrl ? { apiTcpUrl } : {}), supervisor, stop: async () => {
    await caWatch?.stop();
    await controlPlane?.stop();
    await supervisor.stop(stopOrder(supervisor));
  } };
}
