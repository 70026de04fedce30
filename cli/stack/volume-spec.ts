/*
 * docker's short volume syntax (`[source:]target[:mode]`, internal/volumespec): a source that is
 * a path (`/`, `.`, `~`) is a bind, any other a named volume, none an anonymous volume; modes
 * `ro`/`rw`, `nocopy`, a bind propagation (`rshared`…) and SELinux `z`/`Z`, comma-separated.
 */

const PROPAGATION = new Set(["private", "rprivate", "shared", "rshared", "slave", "rslave"]);

/** The long-syntax mapping docker builds from a short volume entry; throws with docker's wording. */
export function parseVolumeSpec(spec: string): Record<string, unknown> {
  if (spec === "") throw new Error("invalid empty volume spec");
  const parts = spec.split(":");
  if (parts.length > 3) throw new Error(`invalid spec: ${spec}: too many colons`);
  if (parts.length === 1) return { type: "volume", target: parts[0] };
  const [source = "", target = "", mode] = parts;
  if (target === "") throw new Error(`invalid spec: ${spec}: empty section between colons`);
  const bind = source.startsWith("/") || source.startsWith(".") || source.startsWith("~");
  const out: Record<string, unknown> = { type: bind ? "bind" : "volume", source, target };
  for (const opt of mode === undefined ? [] : mode.split(",")) {
    if (opt === "ro") out.read_only = true;
    else if (opt === "rw") out.read_only = false;
    else if (opt === "nocopy") out.volume = { nocopy: true };
    else if (PROPAGATION.has(opt)) out.bind = { propagation: opt };
    else if (opt === "z" || opt === "Z") out.bind = { ...(out.bind as object | undefined), selinux: opt };
    else throw new Error(`invalid spec: ${spec}: unknown option ${JSON.stringify(opt)}`);
  }
  return out;
}
