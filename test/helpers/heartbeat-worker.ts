import { parentPort, workerData } from "node:worker_threads";
import { connectNats } from "../../services/shared/nats/index.js";
import { subjects } from "../../schemas/index.js";

/*
 * Beats for a node from a worker thread, with its own NATS connection: it keeps beating while the
 * main thread (a dispatcher under test) is blocked. workerData: {url, nodeId, periodMs}; posts
 * "ready" once connected, stops on any message.
 */
const { url, nodeId, periodMs } = workerData as { url: string; nodeId: string; periodMs: number };
const nc = await connectNats({ url, name: `beats-${nodeId}` });
const beat = () => nc.publish(subjects.nodeHeartbeat(nodeId), JSON.stringify({ kind: "heartbeat", nodeId, sessionId: `s-${nodeId}`, at: new Date().toISOString() }));
beat();
const timer = setInterval(beat, periodMs / 2);
parentPort!.postMessage("ready");
parentPort!.once("message", () => {
  clearInterval(timer);
  void nc.drain().then(() => process.exit(0));
});
