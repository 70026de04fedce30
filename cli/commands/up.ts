import type { Command } from "commander";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { decimal } from "./decimal.js";
import { unlockBlock } from "./autolock.js";
import { existsSync } from "node:fs";
import { defaultDataDir as dataDirDefault } from "../credentials.js";

function port(v: string): number {
  const n = decimal(v) ?? NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`invalid port "${v}": expected 1-65535`);
  return n;
}

function count(min: number, max: number): (v: string) => number {
  return (v) => {
    const n = decimal(v) ?? NaN;
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`invalid count "${v}": expected ${min}-${max}`);
    return n;
  };
}

const STRATEGIES = ["spread", "binpack", "random"] as const;
function strategy(v: string): (typeof STRATEGIES)[number] {
  const s = STRATEGIES.find((x) => x === v);
  if (!s) throw new Error(`invalid strategy "${v}": expected spread, binpack or random`);
  return s;
}

interface UpFlags {
  dataDir: string; natsUrl?: string; streamReplicas: number; natsPort: number; natsCluster?: number;
  natsClusterPort: number; apiPort: number; nodeName: string; apiHostNames?: string; insecure?: boolean;
  apiAddr?: string; apiSocketGroup?: string; apiInsecureHttp?: boolean; autolock?: boolean; advertiseAddr?: string; dataPathAddr?: string;
  strategy?: (typeof STRATEGIES)[number];
}

const ADVERTISE_HELP = "this node's address for the other nodes (format: <ip|interface>[:port]; default: the address of the interface that routes to the manager)";
const DATA_PATH_HELP = "address or interface for the overlay's data path (VXLAN; default: the advertise address)";

interface JoinFlags { token: string; nodeName: string; dataDir: string; natsUrl?: string; apiPort: number; insecure?: boolean; advertiseAddr?: string; dataPathAddr?: string }

/** Stays in the foreground until Ctrl-C / SIGTERM, then runs `stop` once. */
function foreground(stop: () => Promise<void>): Promise<void> {
  return new Promise((resolveDone) => {
    let stopping = false;
    const onSignal = () => {
      if (stopping) return;
      stopping = true;
      process.stderr.write("stopping…\n");
      void stop().then(() => resolveDone());
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

const defaultDataDir = () => dataDirDefault();

/*
 * The launcher (NATS, Docker, the CA's x509) is imported by the actions that run it, not at the
 * top: every other `swarm` command loads this file too and would pay ~700 modules at start.
 */
const launcher = {
  local: () => import("../../deploy/launcher/local-cluster.js"),
  join: () => import("../../deploy/launcher/join.js"),
  leave: () => import("../../deploy/launcher/leave.js"),
};

/** `swarm up` (the embedded local cluster) and `swarm join` (this host's agent joins a cluster). */
export function registerUp(program: Command): void {
  program
    .command("up")
    .description("start a local single-node cluster in the foreground (embedded nats-server or NATS cluster, control plane, one agent)")
    .option("--data-dir <dir>", "data directory (env SWARM_DATA_DIR)", defaultDataDir())
    .option("--nats-url <urls>", "use this NATS (comma-separated URLs of a cluster) instead of starting one")
    .option("--stream-replicas <n>", "replicas of every stream and bucket with --nats-url (3 on a NATS cluster)", count(1, 5), 1)
    .option("--nats-port <n>", "port of the embedded nats-server (with --nats-cluster: of the first; the others take the next ports)", port, 4222)
    .option("--nats-cluster <n>", "run an embedded JetStream cluster of n nats-servers on loopback, every stream and bucket with 3 replicas (default: what the data dir holds, else 1)", count(1, 5))
    .option("--nats-cluster-port <n>", "route port of the first server of --nats-cluster (the others take the next ports)", port, 6222)
    .option("--api-port <n>", "port of the api on 127.0.0.1", port, 4280)
    .option("--api-host-names <names>", "comma-separated names the api accepts in the Host header beside its address (env SWARM_API_HOSTS)")
    .option("--api-addr <host:port>", "TCP address of the api, HTTPS with a certificate from the cluster CA (default 127.0.0.1:<api-port>)")
    .option("--api-socket-group <group>", "group allowed to use the api socket <data-dir>/api.sock (mode 0660; default root)")
    .option("--api-insecure-http", "development only: plain HTTP instead of HTTPS on the api's TCP address (loopback only)")
    .option("--node-name <name>", "name of this node", hostname())
    .option("--insecure", "plaintext NATS without per-identity users, for benches and development (env SWARM_INSECURE=1); default: mutual TLS")
    .option("--strategy <name>", "placement strategy of classic containers (`docker run` against the api): spread, binpack or random (env SWARM_CLASSIC_STRATEGY)", strategy)
    .option("--autolock", "at the first start (swarm init): enable manager autolocking (requiring an unlock key to start a stopped manager)")
    .option("--advertise-addr <addr>", ADVERTISE_HELP)
    .option("--data-path-addr <addr>", DATA_PATH_HELP)
    .action(async (o: UpFlags) => {
      const say = (m: string) => process.stderr.write(`${m}\n`);
      const dataDir = resolve(o.dataDir);
      const { startLocalCluster } = await launcher.local();
      const c = await startLocalCluster({
        dataDir, natsUrl: o.natsUrl, streamReplicas: o.streamReplicas, natsPort: o.natsPort, natsCluster: o.natsCluster,
        natsClusterPort: o.natsClusterPort, apiPort: o.apiPort, nodeName: o.nodeName, onEvent: say,
        ...(o.insecure ? { insecure: true } : {}), ...(o.autolock ? { autolock: true } : {}),
        advertiseAddr: o.advertiseAddr, dataPathAddr: o.dataPathAddr,
        apiAddr: o.apiAddr, apiSocketGroup: o.apiSocketGroup, apiInsecureHttp: o.apiInsecureHttp,
        ...(o.strategy ? { classicStrategy: o.strategy } : {}),
        ...(o.apiHostNames ? { apiHostNames: o.apiHostNames.split(",").map((s) => s.trim()).filter(Boolean) } : {}),
      });
      process.stdout.write(
        `jetswarm is up: node ${c.nodeId} (${o.nodeName}, address ${c.nodeAddr})\n` +
        `  api   ${c.socketUrl} (this host's users of group ${o.apiSocketGroup ?? "root"}), ${c.apiUrl}` +
        `${c.caFile ? ` (HTTPS: a client certificate from ${c.caFile}'s CA, or a token from \`swarm token create\`)` : " (plain HTTP: development only)"}\n` +
        `  nats  ${c.natsUrl} (streams and buckets: ${c.streamReplicas} replica${c.streamReplicas === 1 ? "" : "s"}; ` +
        `${c.natsTls ? `mutual TLS, operator identity ${c.natsTls.cert}` : "plaintext"})\n` +
        `  data  ${dataDir} (logs in ${join(dataDir, "logs")})\n` +
        `  docker  export DOCKER_HOST=${c.socketUrl}   (the docker CLI drives this cluster: docker service|node|stack|secret …)\n` +
        `Try: npx swarm service create --name web --replicas 3 jetswarm-test/busybox:1 sleep 3600\n` +
        `Ctrl-C stops the cluster; running containers are kept and adopted by the next \`swarm up\`.\n` +
        (c.unlockKey ? `\n${unlockBlock(c.unlockKey)}` : "") +
        (c.locked ? "\nThis manager is locked (autolock): run `swarm unlock` and give the unlock key; until then it signs, serves and admits nothing.\n" : ""),
      );
      await foreground(await withPidFile(dataDir, c.stop));
    });

  program
    .command("join <host:port>")
    .description("join a cluster with a token and run this node's agent in the foreground")
    .requiredOption("--token <token>", "worker or manager join token")
    .option("--node-name <name>", "name of this node", hostname())
    .option("--data-dir <dir>", "data directory of this node", join(defaultDataDir(), "join"))
    .option("--nats-url <url>", "NATS of the cluster (default nats://<host>:4222)")
    .option("--api-port <n>", "port of this host's api on 127.0.0.1 when joining as a manager", port, 4280)
    .option("--insecure", "the cluster's NATS is plaintext (a cluster started with --insecure; env SWARM_INSECURE=1); default: mutual TLS with this node's certificate")
    .option("--advertise-addr <addr>", ADVERTISE_HELP)
    .option("--data-path-addr <addr>", DATA_PATH_HELP)
    .action(async (manager: string, o: JoinFlags) => {
      const { joinCluster } = await launcher.join();
      const n = await joinCluster({ manager, token: o.token, nodeName: o.nodeName, dataDir: resolve(o.dataDir), natsUrl: o.natsUrl,
        advertiseAddr: o.advertiseAddr, dataPathAddr: o.dataPathAddr,
        apiPort: o.apiPort, secure: !(o.insecure || process.env.SWARM_INSECURE === "1"), onEvent: (m) => process.stderr.write(`${m}\n`) });
      process.stdout.write(n.resumed ? `This node (${n.nodeId}) rejoined the swarm as a ${n.role}.\n` : `This node joined a swarm as a ${n.role}.\n`);
      if (n.apiUrl) process.stdout.write(`This manager's control plane runs here too: api ${n.apiUrl}${n.apiTcpUrl ? ` and ${n.apiTcpUrl}` : ""}\n`);
      await foreground(await withPidFile(resolve(o.dataDir), n.stop));
    });

  program
    .command("leave")
    .description("leave the swarm: stop this node's swarm processes, remove its tasks' containers, erase its swarm state")
    .option("-f, --force", "force this node to leave the swarm, ignoring warnings")
    .option("--data-dir <dir>", `data directory of the node (default: ${join(defaultDataDir(), "join")} when it holds a node, else ${defaultDataDir()})`)
    .action(async (o: { force?: boolean; dataDir?: string }) => {
      const joined = join(defaultDataDir(), "join");
      const dataDir = resolve(o.dataDir ?? (existsSync(join(joined, "node.json")) ? joined : defaultDataDir()));
      const { LEAVE_MESSAGES, leaveSwarm } = await launcher.leave();
      await leaveSwarm(dataDir, { force: o.force });
      process.stdout.write(`${LEAVE_MESSAGES.left}\n`);
    });
}

/** `swarm leave` finds the foreground process by `<dataDir>/swarm.pid` (removed when it stops). */
async function withPidFile(dataDir: string, stop: () => Promise<void>): Promise<() => Promise<void>> {
  const remove = (await launcher.leave()).writePidFile(dataDir);
  return async () => {
    await stop();
    remove();
  };
}
