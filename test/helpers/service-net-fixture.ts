import dgram from "node:dgram";
import Docker from "dockerode";
import dnsPacket from "dns-packet";
import { bridgeName, type NetMapDoc, type NetMapEndpoint, type NetMapService } from "../../schemas/index.js";
import { CONTAINER_LABELS } from "../../services/agent/index.js";
import { eventually } from "./eventually.js";

/*
 * Single-host stand-ins for what the allocator and the overlay provide (until they are merged):
 * a plain Docker bridge network whose subnet, gateway and bridge name match a NetMapDoc built
 * here, and task-like containers (labelled as the agent labels them) at given addresses.
 */

export const IMAGE = "jetswarm-test/busybox:1";

export interface TestNet {
  networkId: string;
  dockerName: string;
  vni: number;
  subnet: string;
  gateway: string;
  /** `<prefix>.<n>` */
  ip(n: number): string;
}

/** A Docker bridge network on a free random 10.231.x.0/24, bridge `jsbr<vni>`. */
export async function createTestNet(docker: Docker, label: string): Promise<TestNet> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const x = 1 + Math.floor(Math.random() * 250);
    const vni = 60_000 + Math.floor(Math.random() * 9_999);
    const prefix = `10.231.${x}`;
    const dockerName = `jsdv-${label}-${vni}`;
    try {
      await docker.createNetwork({
        Name: dockerName, Driver: "bridge", Options: { "com.docker.network.bridge.name": bridgeName(vni) },
        IPAM: { Config: [{ Subnet: `${prefix}.0/24`, Gateway: `${prefix}.1`, IPRange: `${prefix}.192/26` }] },
        Labels: { "jetswarm.test": "dnsvip" },
      });
      return { networkId: `net${label}${vni}`, dockerName, vni, subnet: `${prefix}.0/24`, gateway: `${prefix}.1`, ip: (n) => `${prefix}.${n}` };
    } catch (err) {
      if (!/overlap|already exists/i.test(String((err as Error).message))) throw err;
    }
  }
  throw new Error("no free 10.231.x.0/24 for a test network");
}

export function endpoint(net: TestNet, taskId: string, serviceId: string, n: number, over: Partial<NetMapEndpoint> = {}): NetMapEndpoint {
  return { taskId, serviceId, serviceName: serviceId, slot: 1, nodeId: "node-a", address: `${net.ip(n)}/24`, mac: "02:42:00:00:00:00", aliases: [], serving: true, ...over };
}
export function service(serviceId: string, over: Partial<NetMapService> = {}): NetMapService {
  return { serviceId, name: serviceId, endpointMode: "vip", aliases: [], ports: [], ...over };
}
export function netMap(net: TestNet, nodeId: string, services: NetMapService[], endpoints: NetMapEndpoint[], over: Partial<NetMapDoc> = {}): NetMapDoc {
  return {
    networkId: net.networkId, name: net.networkId, ingress: false, internal: false, attachable: false, vni: net.vni,
    subnet: net.subnet, gateway: net.gateway, mtu: 1500, seq: 1, removed: false,
    nodes: [{ nodeId, addr: "127.0.0.1", gateway: net.gateway }], services, endpoints, ...over,
  };
}

/**
 * A task-like container: labelled for `nodeId`, on `nets` at the given addresses, DNS = the first
 * network's gateway. `httpd`: serves `/cgi-bin/id` → `<taskId> <client address>` on port 80.
 */
export async function runTask(docker: Docker, o: { nodeId: string; taskId: string; nets: { net: TestNet; ip: string }[]; httpd: boolean }): Promise<Docker.Container> {
  const cgi = `printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho ${o.taskId} $REMOTE_ADDR\\n' > /www/cgi-bin/id`;
  const cmd = o.httpd ? `mkdir -p /www/cgi-bin && ${cgi} && chmod +x /www/cgi-bin/id && exec httpd -f -p 80 -h /www` : "exec sleep 3600";
  const [first, ...rest] = o.nets;
  const c = await docker.createContainer({
    name: `jsdv-${o.taskId}`, Image: IMAGE, Cmd: ["sh", "-c", cmd],
    Labels: { [CONTAINER_LABELS.nodeId]: o.nodeId, [CONTAINER_LABELS.taskId]: o.taskId, "jetswarm.test": "dnsvip" },
    HostConfig: { Dns: [first!.net.gateway], NetworkMode: first!.net.dockerName },
    NetworkingConfig: { EndpointsConfig: { [first!.net.dockerName]: { IPAMConfig: { IPv4Address: first!.ip } } } },
  });
  for (const r of rest) await docker.getNetwork(r.net.dockerName).connect({ Container: c.id, EndpointConfig: { IPAMConfig: { IPv4Address: r.ip } } });
  await c.start();
  // Started is not serving: the shell still writes the CGI before httpd listens (long, on a busy
  // machine). A test's first request must meet a listening server, as a running task's would.
  if (o.httpd) {
    await eventually(async () => (await execIn(docker, c.id, "wget -q -O /dev/null http://127.0.0.1/cgi-bin/id")).code === 0,
      { what: `${o.taskId}'s httpd serving` });
  }
  return c;
}

/** `sh -c cmd` in the container; stdout+stderr and the exit code. */
export async function execIn(docker: Docker, containerId: string, cmd: string): Promise<{ out: string; code: number }> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: ["sh", "-c", cmd], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    const out = { write: (b: Buffer) => { chunks.push(b); return true; } };
    docker.modem.demuxStream(stream, out as unknown as NodeJS.WritableStream, out as unknown as NodeJS.WritableStream);
    stream.on("end", () => resolve());
    stream.on("error", reject);
  });
  const info = await exec.inspect();
  return { out: Buffer.concat(chunks).toString("utf8"), code: info.ExitCode ?? -1 };
}

/** A stub upstream resolver (default on loopback, a free port): `names` → A records, anything else NXDOMAIN. */
export async function stubResolver(names: Record<string, string>, at: { address: string; port: number } = { address: "127.0.0.1", port: 0 }): Promise<{ port: number; close(): void }> {
  const sock = dgram.createSocket("udp4");
  sock.on("message", (msg, rinfo) => {
    const q = dnsPacket.decode(msg);
    const name = q.questions?.[0]?.name ?? "";
    const ip = q.questions?.[0]?.type === "A" ? names[name] : undefined;
    const answers = ip ? [{ type: "A" as const, name, ttl: 30, data: ip }] : [];
    const rcode = name in names ? 0 : 3;
    sock.send(dnsPacket.encode({ type: "response", id: q.id ?? 0, flags: dnsPacket.RECURSION_AVAILABLE | rcode, questions: q.questions ?? [], answers }), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(at.port, at.address, () => r()));
  return { port: sock.address().port, close: () => sock.close() };
}

/** Removes every container and network this fixture made (by label). */
export async function cleanupTestNets(docker: Docker): Promise<void> {
  for (const c of await docker.listContainers({ all: true, filters: { label: ["jetswarm.test=dnsvip"] } })) {
    await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  }
  for (const n of await docker.listNetworks({ filters: { label: ["jetswarm.test=dnsvip"] } })) {
    await docker.getNetwork(n.Id).remove().catch(() => undefined);
  }
}
