import type { ConfigReference, NetworkAttachmentConfig, SecretReference } from "../../schemas/index.js";
import { NAMESPACE_LABEL, type StackNetwork, type StackObject } from "./objects.js";
import { ShapeError, type Dict } from "./normalize.js";
import { isExternal } from "./convert-mounts.js";
import { sparse } from "./convert-parts.js";

/*
 * Networks, secrets and configs as docker's convert.Networks/Secrets/Configs and the service
 * references to them: `<stack>_<name>` unless `name:` is given, the namespace label, externals only
 * named. A network is created only when a service uses it (`default` when a service names none).
 */

const isDict = (v: unknown): v is Dict => v !== null && typeof v === "object" && !Array.isArray(v);

export class TopLevelError extends Error {
  constructor(readonly path: (string | number)[], message: string) {
    super(message);
    this.name = "TopLevelError";
  }
}

/** The deprecated `external: {name: x}` folded into `name: x`, as docker's loader does. */
export function resolveExternalName(section: string, name: string, d: Dict): Dict {
  if (!isDict(d.external)) return d;
  const extName = d.external.name;
  if (extName !== undefined && d.name !== undefined) {
    throw new TopLevelError([section, name, "external", "name"], `${section.replace(/s$/, "")}.external.name and ${section.replace(/s$/, "")}.name conflict; only use ${section.replace(/s$/, "")}.name`);
  }
  return { ...d, external: true, name: extName ?? d.name ?? name };
}

const scoped = (namespace: string, name: string, d: Dict | undefined): string =>
  d?.name ? String(d.name) : isExternal(d?.external) ? name : `${namespace}_${name}`;

/** The stack's networks that some service uses, sorted by name. */
export function convertNetworks(namespace: string, declared: Record<string, Dict>, used: Set<string>): StackNetwork[] {
  const out: StackNetwork[] = [];
  for (const key of used) {
    const d = declared[key] ?? {};
    const name = scoped(namespace, key, d);
    if (isExternal(d.external)) {
      out.push({ name, external: true });
      continue;
    }
    const ipam = isDict(d.ipam) ? d.ipam : undefined;
    const configs = Array.isArray(ipam?.config) ? (ipam.config as Dict[]) : [];
    out.push({ name, external: false, create: sparse({
      Name: name,
      Driver: String(d.driver || "overlay"),
      Options: d.driver_opts as Record<string, string> | undefined,
      Internal: d.internal === true ? true : undefined,
      Attachable: d.attachable === true ? true : undefined,
      Labels: { ...(d.labels as Record<string, string> | undefined), [NAMESPACE_LABEL]: namespace },
      IPAM: ipam && (ipam.driver || configs.length) ? sparse({
        Driver: (ipam.driver || undefined) as string | undefined,
        Config: configs.map((c) => ({ Subnet: String(c.subnet ?? "") })),
      }) : undefined,
    }) });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A service's attachments; the compose name is added as an alias on user-defined networks, as docker does. */
export function serviceNetworks(namespace: string, svcName: string, nets: Record<string, Dict | null> | undefined, declared: Record<string, Dict>): NetworkAttachmentConfig[] {
  const entries = nets && Object.keys(nets).length ? Object.entries(nets) : [["default", null] as [string, Dict | null]];
  const out = entries.map(([key, n]): NetworkAttachmentConfig => {
    if (!declared[key] && key !== "default") throw new ShapeError(["networks", key], `undefined network ${JSON.stringify(key)}`);
    if (n?.ipv4_address !== undefined || n?.ipv6_address !== undefined) {
      throw new ShapeError(["networks", key, n.ipv4_address !== undefined ? "ipv4_address" : "ipv6_address"], "static addresses are not supported by swarm services");
    }
    const target = scoped(namespace, key, declared[key]);
    const builtin = ["host", "bridge", "none", "default"].includes(target);
    return sparse({
      Target: target,
      Aliases: [...((n?.aliases as string[] | undefined) ?? []), ...(builtin ? [] : [svcName])],
      DriverOpts: n?.driver_opts as Record<string, string> | undefined,
    });
  });
  return out.sort((a, b) => (a.Target < b.Target ? -1 : a.Target > b.Target ? 1 : 0));
}

/** Top-level secrets or configs that are not external, with their data read by `read(path)`. */
export function convertFileObjects(section: "secrets" | "configs", namespace: string, declared: Record<string, Dict>, read: (file: string, key: string) => string): StackObject[] {
  const out: StackObject[] = [];
  for (const [key, d] of Object.entries(declared)) {
    const name = scoped(namespace, key, d);
    if (isExternal(d.external)) {
      out.push({ name, external: true });
      continue;
    }
    if (d.template_driver !== undefined) throw new TopLevelError([section, key, "template_driver"], "template drivers are not supported by jetswarm");
    if (d.driver !== undefined) throw new TopLevelError([section, key, "driver"], "secret drivers are not supported by jetswarm");
    if (d.file === undefined) throw new TopLevelError([section, key], "file: required (or external: true)");
    out.push({ name, external: false, create: {
      Name: name,
      Labels: { ...(d.labels as Record<string, string> | undefined), [NAMESPACE_LABEL]: namespace },
      Data: read(String(d.file), key),
    } });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function reference(section: "secrets" | "configs", namespace: string, ref: Dict, i: number, declared: Record<string, Dict>): { name: string; file: SecretReference["File"] } {
  const source = String(ref.source);
  const d = declared[source];
  if (!d) throw new ShapeError([section, i], `undefined ${section.replace(/s$/, "")} ${JSON.stringify(source)}`);
  const mode = ref.mode === undefined ? 0o444 : Number(ref.mode);
  return {
    name: scoped(namespace, source, d),
    file: { Name: String(ref.target ?? source), UID: String(ref.uid ?? "0"), GID: String(ref.gid ?? "0"), Mode: mode },
  };
}

export function secretReferences(namespace: string, refs: Dict[] | undefined, declared: Record<string, Dict>): SecretReference[] {
  return (refs ?? []).map((r, i) => reference("secrets", namespace, r, i, declared))
    .map(({ name, file }) => ({ File: file, SecretID: name, SecretName: name }))
    .sort((a, b) => (a.SecretName < b.SecretName ? -1 : a.SecretName > b.SecretName ? 1 : 0));
}

export function configReferences(namespace: string, refs: Dict[] | undefined, declared: Record<string, Dict>): ConfigReference[] {
  return (refs ?? []).map((r, i) => reference("configs", namespace, r, i, declared))
    .map(({ name, file }) => ({ File: file, ConfigID: name, ConfigName: name }))
    .sort((a, b) => (a.ConfigName < b.ConfigName ? -1 : a.ConfigName > b.ConfigName ? 1 : 0));
}
