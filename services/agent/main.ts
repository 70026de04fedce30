import Docker from "dockerode";
import { z } from "zod";
import { connectNats, ensureStreams } from "../shared/nats/index.js";
import { createLogger } from "../shared/telemetry/index.js";
import { parseEnv, runMain } from "../shared/runtime/index.js";
import { DockerExecutor, start } from "./index.js";

const AgentConfig = z.object({
  /** NATS server URLs, comma-separated. */
  SWARM_NATS_URL: z.string().default("nats://127.0.0.1:4222"),
  /** This node's id (required). */
  SWARM_NODE_ID: z.string({ error: "required" }).min(1, "required"),
  /** The node's address as the dispatcher records it. */
  SWARM_NODE_ADDR: z.string().default("127.0.0.1"),
  /** Directory of the per-task tmpfs mounts of secret and config files (default: a temp dir per node). */
  SWARM_AGENT_DIR: z.string().min(1).optional(),
  /** Stream replicas, in case the agent is the first to create them. */
  SWARM_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
});

const log = createLogger("agent");
runMain("agent", log, async () => {
  const cfg = parseEnv(AgentConfig);
  const nc = await connectNats({ url: cfg.SWARM_NATS_URL, name: `agent-${cfg.SWARM_NODE_ID}` });
  await ensureStreams(nc, cfg.SWARM_STREAM_REPLICAS);
  // dockerode reads DOCKER_HOST (and DOCKER_TLS_VERIFY/DOCKER_CERT_PATH), else the local socket.
  const executor = new DockerExecutor(new Docker(), log.child("docker"));
  const agent = await start({
    nc, log, nodeId: cfg.SWARM_NODE_ID, executor, addr: cfg.SWARM_NODE_ADDR, ...(cfg.SWARM_AGENT_DIR ? { filesDir: cfg.SWARM_AGENT_DIR } : {}),
  });
  return {
    stop: async () => {
      await agent.stop();
      await nc.drain();
    },
  };
});
