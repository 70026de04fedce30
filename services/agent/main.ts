import Docker from "dockerode";
import { z } from "zod";
import { connectNats, natsTlsFromEnv } from "../shared/nats/index.js";
import { readFileSync } from "node:fs";
import { certTimes, finishIdentityUpdate } from "../shared/pki/index.js";
import { createLogger } from "../shared/telemetry/index.js";
import { parseEnv, runMain } from "../shared/runtime/index.js";
import { CertRenewer, DockerExecutor, DockerNetworks, nsenterExec, start, timedExecutor } from "./index.js";
import { nodeInbox } from "../../schemas/bus-permissions.js";

const AgentConfig = z.object({
  /** NATS server URLs, comma-separated. */
  SWARM_NATS_URL: z.string().default("nats://127.0.0.1:4222"),
  /** This node's id (required). */
  SWARM_NODE_ID: z.string({ error: "required" }).min(1, "required"),
  /** The node's address as the dispatcher records it. */
  SWARM_NODE_ADDR: z.string().default("127.0.0.1"),
  /** Directory of the per-task tmpfs mounts of secret and config files (default: a temp dir per node). */
  SWARM_AGENT_DIR: z.string().min(1).optional(),
  /** The resolv.conf whose nameservers answer names that are not the cluster's (default /etc/resolv.conf). */
  SWARM_RESOLV_CONF: z.string().min(1).optional(),
  /**
   * The network namespace of the node's engine when the agent does not run in it
   * (`/var/run/netns/<name>`): bridges, VXLAN devices, rules and the DNS server's sockets go there.
   */
  SWARM_NODE_NETNS: z.string().min(1).optional(),
  /**
   * Tests only: how often the node description is re-registered, ms (default 20000), so that a
   * changed certificate expiry reaches the agent without a test waiting out the production period.
   */
  SWARM_TEST_AGENT_REFRESH_MS: z.coerce.number().int().min(100).optional(),
});

const log = createLogger("agent");

/** The certificate is the node's own (CN = its id), not a shared identity. */
function ownCertificate(file: string, nodeId: string): boolean {
  try {
    return certTimes(readFileSync(file, "utf8")).commonName === nodeId;
  } catch {
    return false;
  }
}
/** How long refused logins may last before the agent exits (see below). */
const REFUSED_EXIT_MS = 60_000;
/** How long a first login may take before a renewal-only login is tried (and again every as long). */
const FIRST_LOGIN_RENEW_MS = 10_000;
runMain("agent", log, async () => {
  const cfg = parseEnv(AgentConfig);
  const identity = natsTlsFromEnv();
  // A renewal a crash interrupted is finished (or dropped) before the files are read.
  if (identity && finishIdentityUpdate(identity)) log.info("finished putting a renewed node certificate in place");
  // Replies under the node's own prefix: the only inbox a node's bus identity may subscribe to.
  // A node's own certificate renews itself; the shared `svc-agent` identity of old data dirs is the launcher's.
  const certs = identity && ownCertificate(identity.cert, cfg.SWARM_NODE_ID)
    ? new CertRenewer({ url: cfg.SWARM_NATS_URL, nodeId: cfg.SWARM_NODE_ID, files: identity, log: log.child("certs") })
    : undefined;
  // A first login that does not succeed soon may be refused for a certificate of the node's former role.
  const slowLogin = setInterval(() => certs?.renewOnRefusal(), FIRST_LOGIN_RENEW_MS);
  const nc = await connectNats({
    url: cfg.SWARM_NATS_URL, name: `agent-${cfg.SWARM_NODE_ID}`, inboxPrefix: nodeInbox(cfg.SWARM_NODE_ID), retryRefusedLogins: true,
    ...(identity ? { tls: identity } : {}),
  }).finally(() => clearInterval(slowLogin));
  // Refused logins are retried (the callout that decides them is itself reconnecting after a bus
  // restart); refusals that last REFUSED_EXIT_MS with no login in between mean the node was removed
  // or its certificate is no longer accepted: exit, and the supervisor starts the agent again with
  // back-off, instead of an agent knocking four times a second for ever.
  let refusedSince: number | undefined;
  let stopping = false;
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === "reconnect") refusedSince = undefined;
      if (s.type !== "error") continue;
      log.warn("bus error", { err: s.error.message });
      if (!/authori[sz]ation|authentication/i.test(s.error.message)) continue;
      refusedSince ??= Date.now();
      certs?.renewOnRefusal();
      if (Date.now() - refusedSince >= REFUSED_EXIT_MS && !stopping) {
        log.error("the bus has refused this node's login for a minute: exiting", { err: s.error.message });
        process.exit(1);
      }
    }
  })().catch(() => undefined);
  void nc.closed().then((err) => {
    if (stopping) return;
    log.error("bus connection closed", { err: err?.message ?? "closed" });
    process.exit(1);
  });
  // No ensureStreams: a node may not create (nor even look at) the control plane's streams; the
  // control plane creates them before any node can register.
  // dockerode reads DOCKER_HOST (and DOCKER_TLS_VERIFY/DOCKER_CERT_PATH), else the local socket.
  const docker = new Docker();
  const executor = timedExecutor(new DockerExecutor(docker, log.child("docker")), log.child("docker"));
  const netns = cfg.SWARM_NODE_NETNS;
  const agent = await start({
    nc, log, nodeId: cfg.SWARM_NODE_ID, executor, addr: cfg.SWARM_NODE_ADDR,
    overlay: { engine: new DockerNetworks(docker), ...(netns ? { exec: nsenterExec(netns) } : {}) },
    serviceNet: { docker, ...(netns ? { netns } : {}), ...(cfg.SWARM_RESOLV_CONF ? { resolvConf: cfg.SWARM_RESOLV_CONF } : {}) },
    ...(cfg.SWARM_AGENT_DIR ? { filesDir: cfg.SWARM_AGENT_DIR } : {}), ...(certs ? { certs } : {}),
    ...(cfg.SWARM_TEST_AGENT_REFRESH_MS !== undefined ? { refreshMs: cfg.SWARM_TEST_AGENT_REFRESH_MS } : {}),
  });
  return {
    stop: async () => {
      stopping = true;
      await agent.stop();
      await nc.drain();
    },
  };
});
