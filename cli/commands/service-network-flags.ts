import type { Command } from "commander";
import type { EndpointSpec, NetworkAttachmentConfig, ServiceSpec } from "../../schemas/index.js";
import { collect } from "./common.js";
import { oneOf } from "./service-spec-flags.js";

/*
 * `--network` (create), `--network-add` / `--network-rm` (update) and `--endpoint-mode`, parsed in
 * docker's words (cli/opts/network.go). The api resolves network names to ids; `service update`
 * resolves the ones it compares (the stored spec holds ids) before calling these pure functions.
 */

export interface NetworkFlags { network?: string[]; networkAdd?: string[]; networkRm?: string[]; endpointMode?: string }

const FIELDS = ["name", "alias", "driver-opt"] as const;

/** `NAME` or `name=NAME,alias=A[,alias=B][,driver-opt=k=v]` → an attachment (Target is the name or id given). */
export function parseNetwork(value: string): NetworkAttachmentConfig {
  if (!value.includes("=")) {
    if (!value.trim()) throw new Error("network name/id is not specified");
    return { Target: value.trim() };
  }
  const out: NetworkAttachmentConfig = { Target: "" };
  for (const field of value.split(",")) {
    const i = field.indexOf("=");
    if (i < 0) throw new Error(`invalid field '${field}' must be a key=value pair`);
    const key = field.slice(0, i).trim().toLowerCase();
    const v = field.slice(i + 1).trim();
    if (!(FIELDS as readonly string[]).includes(key)) throw new Error(`invalid field key ${key}`);
    if (key === "name") out.Target = v;
    else if (key === "alias") out.Aliases = [...(out.Aliases ?? []), v];
    else {
      const j = v.indexOf("=");
      if (j <= 0) throw new Error(`invalid driver-opt '${v}': expected key=value`);
      out.DriverOpts = { ...out.DriverOpts, [v.slice(0, j)]: v.slice(j + 1) };
    }
  }
  if (!out.Target) throw new Error("network name/id is not specified");
  return out;
}

/**
 * `service update`: drops the attachments to `removeIds` (network ids the command resolved), then
 * adds the new ones (Target resolved to an id); adding a network the service is already on is
 * refused as docker refuses it.
 */
export function updateNetworks(current: NetworkAttachmentConfig[] | undefined, add: NetworkAttachmentConfig[], removeIds: ReadonlySet<string>): NetworkAttachmentConfig[] | undefined {
  const kept = (current ?? []).filter((a) => !removeIds.has(a.Target));
  for (const a of add) {
    if (kept.some((k) => k.Target === a.Target)) throw new Error(`service is already attached to network ${a.Target}`);
    kept.push(a);
  }
  return kept.length ? kept : undefined;
}

/** The spec with `--endpoint-mode` and the networks set (undefined networks: none). */
export function withNetworks(spec: ServiceSpec, networks: NetworkAttachmentConfig[] | undefined, endpointMode?: string): ServiceSpec {
  const { Networks: _n, ...task } = spec.TaskTemplate;
  const out: ServiceSpec = { ...spec, TaskTemplate: { ...task, ...(networks ? { Networks: networks } : {}) } };
  if (endpointMode !== undefined) {
    const Mode = oneOf("--endpoint-mode", endpointMode, ["vip", "dnsrr"] as const);
    out.EndpointSpec = { ...spec.EndpointSpec, Mode } satisfies EndpointSpec;
  }
  return out;
}

/** `service create`'s flags applied to a fresh spec. */
export function applyCreateNetworkFlags(spec: ServiceSpec, f: NetworkFlags): ServiceSpec {
  const nets = (f.network ?? []).map(parseNetwork);
  return withNetworks(spec, nets.length ? nets : undefined, f.endpointMode);
}

export function addNetworkOptions(cmd: Command, kind: "create" | "update"): Command {
  if (kind === "create") {
    cmd.option("--network <network>", "network attachment: NAME or name=NAME,alias=ALIAS[,driver-opt=k=v] (repeatable)", collect, []);
  } else {
    cmd.option("--network-add <network>", "add a network (as create's --network; repeatable)", collect, [])
      .option("--network-rm <network>", "remove a network by name or id (repeatable)", collect, []);
  }
  return cmd.option("--endpoint-mode <mode>", "endpoint mode (vip or dnsrr)");
}
