import { z } from "zod";
import { Nanos } from "./primitives.js";

/*
 * ContainerSpec fields beyond the basics, in the Docker Engine API's shape (swarm.ContainerSpec):
 * mounts and the container create options the agent passes to the engine. Kept apart from specs.ts
 * so each file stays one concept.
 */

const Labels = z.record(z.string(), z.string());

/** Docker's mount.Mount: a named volume, a bind of a node path, or a tmpfs. */
export const Mount = z.strictObject({
  Type: z.enum(["volume", "bind", "tmpfs"], { error: "Type: must be volume, bind or tmpfs" }),
  Source: z.string().optional(),
  Target: z.string().min(1, "target is required"),
  ReadOnly: z.boolean().optional(),
  Consistency: z.enum(["default", "consistent", "cached", "delegated"]).optional(),
  BindOptions: z.strictObject({
    Propagation: z.enum(["private", "rprivate", "shared", "rshared", "slave", "rslave"]).optional(),
  }).optional(),
  VolumeOptions: z.strictObject({
    NoCopy: z.boolean().optional(),
    Labels: Labels.optional(),
    Subpath: z.string().optional(),
    DriverConfig: z.strictObject({ Name: z.string().optional(), Options: Labels.optional() }).optional(),
  }).optional(),
  TmpfsOptions: z.strictObject({
    SizeBytes: z.number().int().nonnegative().optional(),
    Mode: z.number().int().min(0).max(0o7777).optional(),
  }).optional(),
}).superRefine((m, ctx) => {
  // docker's cli/opts/mount.go rules: options only for their own type; a bind needs a source.
  if (m.Type !== "bind" && m.BindOptions) ctx.addIssue({ code: "custom", message: `cannot mix 'bind-*' options with mount type '${m.Type}'` });
  if (m.Type !== "volume" && m.VolumeOptions) ctx.addIssue({ code: "custom", message: `cannot mix 'volume-*' options with mount type '${m.Type}'` });
  if (m.Type !== "tmpfs" && m.TmpfsOptions) ctx.addIssue({ code: "custom", message: `cannot mix 'tmpfs-*' options with mount type '${m.Type}'` });
  if (m.Type === "bind" && !m.Source) ctx.addIssue({ code: "custom", message: "source is required when specifying bind mounts" });
  if (m.Type === "tmpfs" && m.Source) ctx.addIssue({ code: "custom", message: "source must not be specified for tmpfs mounts" });
});
export type Mount = z.infer<typeof Mount>;

/** Docker's resolver settings for the container (`--dns`, `--dns-search`, `--dns-option`). */
export const DNSConfig = z.strictObject({
  Nameservers: z.array(z.string()).optional(),
  Search: z.array(z.string()).optional(),
  Options: z.array(z.string()).optional(),
});
export type DNSConfig = z.infer<typeof DNSConfig>;

export const Ulimit = z.strictObject({
  Name: z.string().min(1),
  Soft: z.number().int(),
  Hard: z.number().int(),
});
export type Ulimit = z.infer<typeof Ulimit>;

/** The ContainerSpec fields this file defines, spread into specs.ts' ContainerSpec. */
export const CONTAINER_OPTIONS = {
  Mounts: z.array(Mount).superRefine((mounts, ctx) => {
    // swarmkit's controlapi rule: one mount per target.
    const seen = new Set<string>();
    for (const m of mounts) {
      if (seen.has(m.Target)) ctx.addIssue({ code: "custom", message: `invalid duplicate mount point: ${m.Target}` });
      seen.add(m.Target);
    }
  }).optional(),
  ReadOnly: z.boolean().optional(),
  Init: z.boolean().optional(),
  TTY: z.boolean().optional(),
  Groups: z.array(z.string().min(1)).optional(),
  /** `IP host [alias…]` lines for /etc/hosts (Docker's swarm form). */
  Hosts: z.array(z.string().regex(/^\S+\s+\S+/, "must be \"IP hostname\"")).optional(),
  DNSConfig: DNSConfig.optional(),
  CapabilityAdd: z.array(z.string().min(1)).optional(),
  CapabilityDrop: z.array(z.string().min(1)).optional(),
  Sysctls: Labels.optional(),
  Ulimits: z.array(Ulimit).optional(),
  OomScoreAdj: z.number().int().min(-1000, "oom-score-adj: -1000 to 1000").max(1000, "oom-score-adj: -1000 to 1000").optional(),
} as const;

/** Docker's Driver for a task's logs (`--log-driver`, `--log-opt`). */
export const LogDriver = z.strictObject({ Name: z.string().min(1, "log driver name: required"), Options: Labels.optional() });
export type LogDriver = z.infer<typeof LogDriver>;

/** `--health-start-interval`, added to Healthcheck. */
export const HEALTH_START_INTERVAL = { StartInterval: Nanos.optional() } as const;
