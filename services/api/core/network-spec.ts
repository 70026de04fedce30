import type { NetworkCreateRequest } from "../../../schemas/network-api.js";
import type { IPAMConfig, NetworkSpec } from "../../../schemas/index.js";
import { invalidArgument, permissionDenied } from "../../shared/errors/index.js";
import { containsAddress, containsCidr, formatCidr, networkOf, parseCidr, parseIPv4, type Cidr } from "./cidr.js";

/*
 * Docker's network create request → the sparse NetworkSpec the log records, or a 400 naming the
 * field (pure). jetswarm has swarm-scoped overlay networks only, IPv4, one pool per network, no
 * IPsec (this kernel has no ESP: DESIGN §6b).
 */

export const MTU_OPTION = "com.docker.network.driver.mtu";
export const VXLAN_OPTION = "com.docker.network.driver.overlay.vxlanid_list";
const MTU_RANGE = { min: 576, max: 9000 } as const;
/** The smallest pool that holds a gateway, a VIP and a task besides network and broadcast. */
const MAX_PREFIX = 29;
const PREDEFINED = ["bridge", "host", "none"];
/** swarmkit's isValidDNSName (the service name rule). */
const DNS_NAME = /^[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*$/;

function checkName(name: string): void {
  if (name === "") throw invalidArgument("name must be provided");
  if (PREDEFINED.includes(name)) throw permissionDenied(`${name} is a pre-defined network and cannot be created`);
  if (name.length > 63) throw invalidArgument(`name ${JSON.stringify(name)} is too long (at most 63 characters)`);
  if (!DNS_NAME.test(name)) throw invalidArgument("name must be valid as a DNS name component");
}

function checkUnsupported(req: NetworkCreateRequest): void {
  const driver = req.Driver ?? "overlay";
  if (driver !== "overlay") {
    throw invalidArgument(`Driver: swarm-scoped networks need the overlay driver, got ${JSON.stringify(driver)} (jetswarm has no local networks)`);
  }
  if (req.Scope && req.Scope !== "swarm") throw invalidArgument(`Scope: jetswarm networks are swarm-scoped, got ${JSON.stringify(req.Scope)}`);
  if (req.EnableIPv6) throw invalidArgument("EnableIPv6: IPv6 networks are not supported");
  if (req.ConfigOnly || req.ConfigFrom?.Network) throw invalidArgument("ConfigOnly/ConfigFrom: config-only networks are not supported");
  if (req.Ingress && req.Attachable) throw invalidArgument("ingress network cannot be attachable");
  const ipamDriver = req.IPAM?.Driver;
  if (ipamDriver && ipamDriver !== "default") throw invalidArgument(`IPAM.Driver: only the default IPAM driver is supported, got ${JSON.stringify(ipamDriver)}`);
  if ((req.IPAM?.Config?.length ?? 0) > 1) throw invalidArgument("IPAM.Config: at most one IPv4 pool per network");
  if (req.IPAM?.Config?.some((c) => c.AuxiliaryAddresses && Object.keys(c.AuxiliaryAddresses).length)) {
    throw invalidArgument("IPAM.Config[0].AuxiliaryAddresses: auxiliary addresses are not supported");
  }
}

function checkOptions(options: Record<string, string>): void {
  if ("encrypted" in options) {
    throw invalidArgument("Options: encrypted overlay networks need IPsec (ESP), which this kernel does not have");
  }
  if (VXLAN_OPTION in options) throw invalidArgument(`Options: ${VXLAN_OPTION} is chosen by the allocator`);
  const mtu = options[MTU_OPTION];
  if (mtu !== undefined && (!/^[0-9]{3,4}$/.test(mtu) || Number(mtu) < MTU_RANGE.min || Number(mtu) > MTU_RANGE.max)) {
    throw invalidArgument(`Options: ${MTU_OPTION} must be a number from ${MTU_RANGE.min} to ${MTU_RANGE.max}, got ${JSON.stringify(mtu)}`);
  }
}

function cidrOf(field: string, s: string): Cidr {
  const c = parseCidr(s);
  if (typeof c === "string") throw invalidArgument(`${field}: ${c}`);
  return c;
}

/** The pool's subnet, gateway and ip-range, each well formed and inside the subnet (Docker's words). */
export function checkPool(cfg: IPAMConfig): IPAMConfig {
  const f = "IPAM.Config[0]";
  if (!cfg.Subnet) {
    if (cfg.Gateway || cfg.IPRange) throw invalidArgument("every ip-range or gateway must have a corresponding subnet");
    return {};
  }
  const subnet = cidrOf(`${f}.Subnet`, cfg.Subnet);
  if (networkOf(subnet) !== subnet.base) {
    throw invalidArgument(`${f}.Subnet: ${cfg.Subnet} is not a network address (did you mean ${formatCidr({ ...subnet, base: networkOf(subnet) })}?)`);
  }
  if (subnet.prefix > MAX_PREFIX) throw invalidArgument(`${f}.Subnet: ${cfg.Subnet} is too small (at most /${MAX_PREFIX})`);
  if (cfg.Gateway !== undefined) {
    const gw = parseIPv4(cfg.Gateway);
    if (gw === undefined) throw invalidArgument(`${f}.Gateway: invalid IP address: ${cfg.Gateway}`);
    if (!containsAddress(subnet, gw)) throw invalidArgument(`no matching subnet for gateway ${cfg.Gateway}: it is outside ${cfg.Subnet}`);
  }
  if (cfg.IPRange !== undefined) {
    const range = cidrOf(`${f}.IPRange`, cfg.IPRange);
    if (!containsCidr(subnet, range)) throw invalidArgument(`no matching subnet for range ${cfg.IPRange}: it is outside ${cfg.Subnet}`);
  }
  return { Subnet: cfg.Subnet, ...(cfg.Gateway ? { Gateway: cfg.Gateway } : {}), ...(cfg.IPRange ? { IPRange: cfg.IPRange } : {}) };
}

const nonEmpty = (r: Record<string, string> | null | undefined) => (r && Object.keys(r).length ? r : undefined);

/** The spec to record: only what the request set (defaults are not stored). */
export function networkSpecOf(req: NetworkCreateRequest): NetworkSpec {
  checkName(req.Name);
  checkUnsupported(req);
  const options = nonEmpty(req.Options);
  if (options) checkOptions(options);
  const pool = req.IPAM?.Config?.[0] ? checkPool(req.IPAM.Config[0]) : undefined;
  const ipamOptions = nonEmpty(req.IPAM?.Options);
  const ipam = {
    ...(req.IPAM?.Driver ? { Driver: req.IPAM.Driver } : {}),
    ...(pool?.Subnet ? { Config: [pool] } : {}),
    ...(ipamOptions ? { Options: ipamOptions } : {}),
  };
  const labels = nonEmpty(req.Labels);
  return {
    Name: req.Name, Driver: "overlay",
    ...(labels ? { Labels: labels } : {}),
    ...(req.Internal ? { Internal: true } : {}),
    ...(req.Attachable ? { Attachable: true } : {}),
    ...(req.Ingress ? { Ingress: true } : {}),
    ...(Object.keys(ipam).length ? { IPAM: ipam } : {}),
    ...(options ? { Options: options } : {}),
  };
}

/** The subnet a network has or asked for: the allocation's, else the spec's. */
export function subnetOf(n: { spec: NetworkSpec; allocation?: { subnet: string } }): string | undefined {
  return n.allocation?.subnet ?? n.spec.IPAM?.Config?.[0]?.Subnet;
}
