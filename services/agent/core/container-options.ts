import type { ContainerSpec, LogDriver } from "../../../schemas/index.js";
import type { HostConfig } from "./executor.js";

/*
 * The spec's container options (docker service create's --read-only, --init, --cap-add, …) as the
 * engine's HostConfig fields, as swarmkit's container adapter maps them. Only what the spec sets.
 */

/** Swarm's Hosts are `IP host [alias…]`; the engine's ExtraHosts are `host:ip`, one per name. */
export function extraHosts(hosts: readonly string[]): string[] {
  return hosts.flatMap((line) => {
    const [ip, ...names] = line.trim().split(/\s+/);
    return names.map((n) => `${n}:${ip}`);
  });
}

export function hostOptions(c: ContainerSpec, log: LogDriver | undefined): Partial<HostConfig> {
  const hc: Partial<HostConfig> = {};
  if (c.ReadOnly) hc.ReadonlyRootfs = true;
  if (c.Init !== undefined) hc.Init = c.Init;
  if (c.Groups?.length) hc.GroupAdd = c.Groups;
  if (c.Hosts?.length) hc.ExtraHosts = extraHosts(c.Hosts);
  const dns = c.DNSConfig;
  if (dns?.Nameservers?.length) hc.Dns = dns.Nameservers;
  if (dns?.Search?.length) hc.DnsSearch = dns.Search;
  if (dns?.Options?.length) hc.DnsOptions = dns.Options;
  if (c.CapabilityAdd?.length) hc.CapAdd = c.CapabilityAdd;
  if (c.CapabilityDrop?.length) hc.CapDrop = c.CapabilityDrop;
  if (c.Sysctls && Object.keys(c.Sysctls).length) hc.Sysctls = c.Sysctls;
  if (c.Ulimits?.length) hc.Ulimits = c.Ulimits.map((u) => ({ ...u }));
  if (c.OomScoreAdj) hc.OomScoreAdj = c.OomScoreAdj;
  if (log) hc.LogConfig = { Type: log.Name, Config: { ...log.Options } };
  return hc;
}
