import type { NatsConnection } from "@nats-io/transport-node";
import { ContainersRpc, subjects, type ContainersReply, type ContainersRequest } from "../../../schemas/index.js";
import { SwarmError } from "../../shared/errors/index.js";
import { serve } from "../../shared/rpc/index.js";
import type { Logger } from "../../shared/telemetry/index.js";
import { LABELS } from "../core/container-config.js";
import { ExecutorError, type Executor } from "../core/executor.js";

/*
 * Serves `swarm.rpc.containers.<nodeId>` (schemas/containers-rpc.ts): `docker kill -s` and `docker
 * top` of a classic container, on the engine this agent owns. The request names a task; only a
 * container labelled with this node and that task is touched (never a container id from the
 * wire), and only while it runs: the engine's own 409 otherwise, as Docker answers.
 */
export function serveContainers(nc: NatsConnection, nodeId: string, executor: Executor, log: Logger): { stop(): Promise<void> } {
  const running = async (taskId: string): Promise<string> => {
    const mine = (await executor.list(nodeId)).filter((c) => c.labels[LABELS.taskId] === taskId).sort((a, b) => b.created - a.created);
    const c = mine.find((x) => x.state === "running");
    if (!c) throw new SwarmError("conflict", `Container ${mine[0]?.id ?? taskId} is not running`);
    return c.id;
  };
  const engine = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      // The engine's refusals keep their meaning (409 not running, 400 bad signal or ps args).
      if (err instanceof ExecutorError && err.statusCode === 409) throw new SwarmError("conflict", err.message);
      if (err instanceof ExecutorError && err.statusCode === 400) throw new SwarmError("invalid_argument", err.message);
      throw err;
    }
  };
  const handle = async (req: ContainersRequest): Promise<ContainersReply> => {
    const id = await running(req.taskId);
    switch (req.op) {
      case "kill": {
        const kill = executor.kill?.bind(executor);
        if (!kill) throw new SwarmError("failed_precondition", `node ${nodeId}'s container runtime cannot send signals`);
        await engine(() => kill(id, req.signal));
        log.info("signal sent", { taskId: req.taskId, signal: req.signal });
        return {};
      }
      case "top": {
        const top = executor.top?.bind(executor);
        if (!top) throw new SwarmError("failed_precondition", `node ${nodeId}'s container runtime cannot list processes`);
        return engine(() => top(id, req.psArgs));
      }
    }
  };
  return serve(nc, subjects.containersOfNode(nodeId), ContainersRpc, handle, { log });
}
