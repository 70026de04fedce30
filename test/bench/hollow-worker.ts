/*
 * A worker thread of the scale benchmark's hollow fleet (hollow-agents.ts): runs the agents of
 * the nodes it is given (SIMULATED runtime) and answers the main thread's questions about them.
 */
import { parentPort, workerData } from "node:worker_threads";
import { startAgentsHere, type AgentsSlice } from "./hollow-agents.js";

const port = parentPort!;
try {
  const agents = await startAgentsHere(workerData as AgentsSlice);
  port.on("message", (m: { type: string; id: number }) => {
    if (m.type === "running") port.postMessage({ type: "reply", id: m.id, perNode: agents.runningPerNode() });
    else if (m.type === "problems") port.postMessage({ type: "reply", id: m.id, problems: agents.problems });
    else if (m.type === "stop") void agents.stop().finally(() => port.postMessage({ type: "reply", id: m.id }));
  });
  port.postMessage({ type: "ready", connections: agents.connections });
} catch (err) {
  port.postMessage({ type: "failed", error: err instanceof Error ? err.message : String(err) });
}
