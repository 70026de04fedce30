import type { Mount } from "../../schemas/index.js";
import { NAMESPACE_LABEL } from "./objects.js";
import { ShapeError, type Dict } from "./normalize.js";
import { sparse } from "./convert-parts.js";
import { parseBytes } from "./units.js";

/*
 * A service's `volumes:` as docker's convert.Volumes makes mounts: a named volume becomes
 * `<stack>_<name>` (or its `name:`) with the namespace label and the volume's driver, an external
 * one keeps its name; binds and tmpfs pass through. Types jetswarm has no engine support for
 * (npipe, cluster, image) and options it cannot carry are refused, naming the key.
 */

const isDict = (v: unknown): v is Dict => v !== null && typeof v === "object" && !Array.isArray(v);

export function convertMounts(volumes: Dict[] | undefined, stackVolumes: Record<string, Dict>, namespace: string): Mount[] {
  return (volumes ?? []).map((v, i) => convertMount(v, i, stackVolumes, namespace));
}

function convertMount(v: Dict, i: number, stackVolumes: Record<string, Dict>, namespace: string): Mount {
  const at = (...rest: string[]): (string | number)[] => ["volumes", i, ...rest];
  const type = String(v.type ?? "volume");
  const base = sparse({
    Type: type as Mount["Type"],
    Target: String(v.target ?? ""),
    ReadOnly: v.read_only === true ? true : undefined,
    Source: v.source === undefined || v.source === "" ? undefined : String(v.source),
    Consistency: (v.consistency || undefined) as Mount["Consistency"],
  });
  const other = (key: string): void => {
    if (v[key] !== undefined) throw new ShapeError(at(key), `${key} options are incompatible with type ${type}`);
  };
  switch (type) {
    case "volume": other("bind"); other("tmpfs"); return volumeMount(v, base, stackVolumes, namespace, at);
    case "bind": other("volume"); other("tmpfs"); return bindMount(v, base, at);
    case "tmpfs": other("volume"); other("bind"); return tmpfsMount(v, base, at);
    default: throw new ShapeError(at("type"), `volume type ${type} is not supported by jetswarm (volume, bind or tmpfs)`);
  }
}

function volumeMount(v: Dict, base: Mount, stack: Record<string, Dict>, namespace: string, at: (...r: string[]) => (string | number)[]): Mount {
  if (base.Source === undefined) return base;
  const declared = stack[base.Source];
  if (!declared) throw new ShapeError(at("source"), `undefined volume ${JSON.stringify(base.Source)}`);
  const opts = isDict(v.volume) ? v.volume : {};
  const options: NonNullable<Mount["VolumeOptions"]> = sparse({
    NoCopy: opts.nocopy === true ? true : undefined,
    Subpath: (opts.subpath || undefined) as string | undefined,
  });
  const source = declared.name ? String(declared.name) : `${namespace}_${base.Source}`;
  if (isExternal(declared.external)) return sparse({ ...base, Source: source, VolumeOptions: options });
  options.Labels = { ...(declared.labels as Record<string, string> | undefined), [NAMESPACE_LABEL]: namespace };
  if (declared.driver || declared.driver_opts) {
    options.DriverConfig = sparse({ Name: (declared.driver || undefined) as string | undefined, Options: declared.driver_opts as Record<string, string> | undefined });
  }
  return { ...base, Source: source, VolumeOptions: options };
}

function bindMount(v: Dict, base: Mount, at: (...r: string[]) => (string | number)[]): Mount {
  if (!base.Source) throw new ShapeError(at("source"), "invalid bind source, source cannot be empty");
  const bind = isDict(v.bind) ? v.bind : {};
  if (bind.selinux !== undefined) throw new ShapeError(at("bind", "selinux"), "SELinux relabelling (z/Z) is not supported by swarm services");
  if (bind.create_host_path !== undefined) throw new ShapeError(at("bind", "create_host_path"), "not supported by swarm services");
  return bind.propagation ? { ...base, BindOptions: { Propagation: bind.propagation as "rprivate" } } : base;
}

function tmpfsMount(v: Dict, base: Mount, at: (...r: string[]) => (string | number)[]): Mount {
  if (base.Source) throw new ShapeError(at("source"), "invalid tmpfs source, source must be empty");
  const tmpfs = isDict(v.tmpfs) ? v.tmpfs : {};
  if (tmpfs.size === undefined) return base;
  const size = parseBytes(tmpfs.size as string | number);
  if (size === undefined) throw new ShapeError(at("tmpfs", "size"), `invalid size ${JSON.stringify(tmpfs.size)}`);
  return { ...base, TmpfsOptions: { SizeBytes: size } };
}

/** `external: true` or the deprecated `external: {name: …}`. */
export function isExternal(v: unknown): boolean {
  return v === true || isDict(v);
}
