import { createSocket } from "node:dgram";
import { isIPv4 } from "node:net";
import { networkInterfaces } from "node:os";

/*
 * The node's address: what `node inspect` shows as `Status.Addr` and the VTEP the other nodes'
 * fdb entries point at (DESIGN §6b). As docker picks it: `--data-path-addr`, else
 * `--advertise-addr` (each an IPv4 address or an interface name, the advertise address with an
 * optional `:port`), else the source address of the route to the manager.
 */

/** This host's interfaces as `os.networkInterfaces()` lists them (IPv4 entries matter). */
export type Interfaces = Record<string, { address: string; family: string | number }[] | undefined>;

export interface NodeAddrFlags {
  /** `--advertise-addr <ip|interface>[:port]`. */
  advertiseAddr?: string;
  /** `--data-path-addr <ip|interface>`: the data path (VXLAN) only; wins over the advertise address. */
  dataPathAddr?: string;
}

/** An IPv4 address, or the first IPv4 address of the interface so named; a clear error otherwise. */
function addrOf(flag: string, value: string, interfaces: Interfaces): string {
  if (isIPv4(value)) return value;
  const iface = interfaces[value];
  if (iface) {
    const v4 = iface.find((a) => a.family === "IPv4" || a.family === 4);
    if (!v4) throw new Error(`invalid ${flag} "${value}": interface ${value} has no IPv4 address`);
    return v4.address;
  }
  throw new Error(`invalid ${flag} "${value}": must be an IPv4 address or the name of an interface of this host (${Object.keys(interfaces).sort().join(", ")})`);
}

/** `<ip|interface>[:port]` without its port (the port is the api's business, not the data path's). */
function withoutPort(flag: string, value: string): string {
  const m = /^(.*):(\d+)$/.exec(value);
  if (!m) return value;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new Error(`invalid ${flag} "${value}": port must be 1-65535`);
  return m[1]!;
}

/**
 * The node's address from the flags, or `routed` (the source address toward the manager) when
 * none is given, or 127.0.0.1 when that is unknown too. Pure: the interfaces and the route come in.
 */
export function chooseNodeAddr(flags: NodeAddrFlags, interfaces: Interfaces, routed: string | undefined): string {
  if (flags.dataPathAddr !== undefined) {
    if (/:\d+$/.test(flags.dataPathAddr) && !isIPv4(flags.dataPathAddr)) {
      throw new Error(`invalid --data-path-addr "${flags.dataPathAddr}": a port is not allowed (the data path uses 4789/udp)`);
    }
    return addrOf("--data-path-addr", flags.dataPathAddr, interfaces);
  }
  if (flags.advertiseAddr !== undefined) return addrOf("--advertise-addr", withoutPort("--advertise-addr", flags.advertiseAddr), interfaces);
  return routed ?? "127.0.0.1";
}

/**
 * The local address the kernel would send from to reach `host` (a connected UDP socket sends
 * nothing): the address of the interface that routes to the manager. Undefined when there is no
 * route or the name does not resolve.
 */
export async function routeSourceTo(host: string): Promise<string | undefined> {
  const target = host.replace(/^\[|\]$/g, "");
  const sock = createSocket("udp4");
  try {
    return await new Promise<string | undefined>((resolve) => {
      sock.once("error", () => resolve(undefined));
      sock.connect(9, target, () => resolve(sock.address().address));
    });
  } finally {
    sock.close();
  }
}

/** The node's address for an agent whose manager (api or NATS) is at `managerHost`. */
export async function resolveNodeAddr(flags: NodeAddrFlags, managerHost: string): Promise<string> {
  const explicit = flags.dataPathAddr !== undefined || flags.advertiseAddr !== undefined;
  return chooseNodeAddr(flags, networkInterfaces(), explicit ? undefined : await routeSourceTo(managerHost));
}
