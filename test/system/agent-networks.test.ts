import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { JetStreamClient } from "@nats-io/jetstream";
import { NetMapDoc, macOf, subjects, type NodeTaskDoc } from "../../schemas/index.js";
import type { NatsConnection } from "../../services/shared/nats/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { DockerExecutor, DockerNetworks, nsenterExec, start } from "../../services/agent/index.js";
import { startAgentBus, type AgentBus } from "../helpers/agent-bus.js";
import { eventually } from "../helpers/eventually.js";
import { startTestHosts, type TestHosts } from "../helpers/netns-hosts.js";
import { IMAGE } from "../helpers/cluster.js";

/*
 * The agent with its overlay, on a netns test host (its own dockerd and kernel): a task with
 * networks waits, saying why, until its networks are built on the node; then its container is
 * created on the first network with the allocated address and MAC, connected to the others
 * before start, with the node's gateway as its name server.
 */

const log = createLogger("agent-networks-test", (process.env.TEST_LOG as "info") ?? "silent");
const NODE = "node-an1";
let bus: AgentBus | undefined;
let nc: NatsConnection;
let js: JetStreamClient;
let reports: AgentBus["reports"];
let hosts: TestHosts;

function netMap(networkId: string, vni: number, net: string, over: Partial<NetMapDoc> = {}): NetMapDoc {
  return NetMapDoc.parse({
    networkId, name: `name-${networkId}`, ingress: false, internal: false, attachable: false, vni, subnet: `${net}.0/24`, gateway: `${net}.1`,
    mtu: 1450, seq: 1, nodes: [{ nodeId: NODE, addr: hosts.hosts[0]!.addr, gateway: `${net}.2` }], endpoints: [], services: [], ...over,
  });
}

async function publishMap(doc: NetMapDoc): Promise<void> {
  await js.publish(subjects.netMap(doc.networkId), JSON.stringify(doc));
  nc.publish(subjects.netMapChanged(doc.networkId), JSON.stringify({ seq: doc.seq }));
}

before(async () => {
  bus = await startAgentBus("agent-networks-test", 1000);
  ({ nc, js, reports } = bus);
  hosts = await startTestHosts(1);
});

after(async () => {
  await hosts?.cleanup();
  await bus?.stop();
});

describe("agent: task containers on overlay networks", { timeout: 300_000 }, () => {
  it("waits for its networks with a message, then runs attached to both with its addresses, MACs and DNS", async () => {
    const h = hosts.hosts[0]!;
    const doc: NodeTaskDoc = {
      taskId: "tnet1", serviceId: "svc1", serviceName: "web", slot: 1, nodeId: NODE, version: 1, removed: false, desiredState: "running",
      spec: { ContainerSpec: { Image: IMAGE, Command: ["sleep", "3600"], StopGracePeriod: 1_000_000_000 } },
      networks: [
        { networkId: "netA", address: "10.78.0.11/24", mac: macOf("10.78.0.11") },
        { networkId: "netB", address: "10.79.0.11/24", mac: macOf("10.79.0.11") },
      ],
    };
    await js.publish(subjects.nodeTask(NODE, doc.taskId), JSON.stringify(doc));
    const agent = await start({
      nc, log, nodeId: NODE, executor: new DockerExecutor(h.docker, log), addr: h.addr, statusFlushMs: 50,
      overlay: { engine: new DockerNetworks(h.docker), exec: nsenterExec(h.netns), resyncMs: 500, mapsResyncMs: 1000 },
    });
    try {
      const waiting = await eventually(() => reports.get(doc.taskId)?.find((r) => r.state === "preparing"), { what: "preparing report" });
      assert.equal(waiting?.message, "waiting for network netA on this node");
      await publishMap(netMap("netA", 4301, "10.78.0"));
      // netA alone is not enough: the task still waits for netB.
      await eventually(async () => (await h.exec("ip", ["-o", "link", "show"])).includes("jsvx4301"), { what: "netA built" });
      assert.equal(reports.get(doc.taskId)?.some((r) => r.state === "ready" || r.state === "running"), false);
      assert.deepEqual(await h.docker.listContainers({ all: true }), [], "no container before every network is built");
      await publishMap(netMap("netB", 4302, "10.79.0"));
      const running = await eventually(() => reports.get(doc.taskId)?.find((r) => r.state === "running"), { what: "running", timeoutMs: 30_000 }).catch((err: Error) => { throw new Error(`${err.message}; reports: ${JSON.stringify(reports.get(doc.taskId))}`); });
      const info = await h.docker.getContainer(running!.containerId!).inspect();
      const nets = info.NetworkSettings.Networks;
      assert.equal(nets["jetswarm-netA"]?.IPAddress, "10.78.0.11");
      assert.equal(nets["jetswarm-netA"]?.MacAddress, macOf("10.78.0.11"));
      assert.equal(nets["jetswarm-netB"]?.IPAddress, "10.79.0.11");
      assert.equal(nets["jetswarm-netB"]?.MacAddress, macOf("10.79.0.11"));
      assert.deepEqual(info.HostConfig.Dns, ["10.78.0.2"]);
      const links = (await h.exec("ip", ["-o", "link", "show"])).split("\n").map((l) => l.split(": ")[1]?.split("@")[0]).filter((n) => n?.startsWith("js")).sort();
      assert.deepEqual(links, ["jsbr4301", "jsbr4302", "jsvx4301", "jsvx4302"]);
    } finally {
      await agent.stop();
    }
  });
});
