import { ServiceSpec, type ContainerSpec, type TaskSpec } from "../../schemas/index.js";
import { IMAGE_LABEL, NAMESPACE_LABEL } from "./objects.js";
import { ShapeError, type Dict } from "./normalize.js";
import {
  capabilities, convertEndpoint, convertEnvironment, convertHealthcheck, convertMode, convertResources,
  convertRestartPolicy, convertUpdateConfig, duration, sparse,
} from "./convert-parts.js";
import { convertMounts } from "./convert-mounts.js";
import { configReferences, secretReferences, serviceNetworks } from "./convert-objects.js";

/*
 * One compose service → the body of `POST /services/create`, field for field as docker's
 * convert.Service; what jetswarm's ServiceSpec cannot carry is refused naming the key (never
 * dropped silently), and the result is parsed with the api's own ServiceSpec schema.
 */

const isDict = (v: unknown): v is Dict => v !== null && typeof v === "object" && !Array.isArray(v);

/** Keys docker converts that jetswarm has no field for: an error, not a silent drop. */
const NOT_EXPRESSIBLE: Record<string, string> = {
  stdin_open: "an open stdin is not supported by jetswarm services",
  isolation: "isolation is a Windows option; jetswarm runs Linux containers",
  credential_spec: "credential specs are a Windows option; jetswarm runs Linux containers",
};

export interface StackDecl {
  namespace: string;
  networks: Record<string, Dict>;
  volumes: Record<string, Dict>;
  secrets: Record<string, Dict>;
  configs: Record<string, Dict>;
}

export function convertService(name: string, s: Dict, stack: StackDecl): ServiceSpec {
  for (const [key, why] of Object.entries(NOT_EXPRESSIBLE)) if (s[key] !== undefined && s[key] !== false) throw new ShapeError([key], why);
  const deploy = isDict(s.deploy) ? s.deploy : {};
  const image = String(s.image ?? "");
  if (image === "") throw new ShapeError(["image"], `invalid image reference for service ${name}: no image specified`);
  const spec = {
    Name: `${stack.namespace}_${name}`,
    Labels: { ...(deploy.labels as Record<string, string> | undefined), [NAMESPACE_LABEL]: stack.namespace, [IMAGE_LABEL]: image },
    TaskTemplate: taskSpec(name, s, deploy, stack),
    Mode: convertMode(deploy.mode, deploy.replicas),
    UpdateConfig: convertUpdateConfig(deploy.update_config as Dict | undefined, "update_config"),
    RollbackConfig: convertUpdateConfig(deploy.rollback_config as Dict | undefined, "rollback_config"),
    EndpointSpec: convertEndpoint(deploy.endpoint_mode, s.ports as Dict[] | undefined),
  };
  const parsed = ServiceSpec.safeParse(sparse(spec));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ShapeError([], `${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

function taskSpec(name: string, s: Dict, deploy: Dict, stack: StackDecl): TaskSpec {
  const logging = isDict(s.logging) ? s.logging : undefined;
  const placement = isDict(deploy.placement) ? deploy.placement : {};
  return sparse({
    ContainerSpec: containerSpec(s, stack),
    Networks: serviceNetworks(stack.namespace, name, s.networks as Record<string, Dict | null> | undefined, stack.networks),
    Resources: convertResources(deploy.resources as Dict | undefined),
    RestartPolicy: convertRestartPolicy(s.restart, deploy.restart_policy as Dict | undefined),
    Placement: sparse({
      Constraints: placement.constraints as string[] | undefined,
      Preferences: ((placement.preferences as Dict[] | undefined) ?? []).map((p) => ({ Spread: { SpreadDescriptor: String(p.spread) } })),
      MaxReplicas: Number(placement.max_replicas_per_node ?? 0) || undefined,
    }),
    LogDriver: logging?.driver ? sparse({ Name: String(logging.driver), Options: logging.options as Record<string, string> | undefined }) : undefined,
  });
}

function containerSpec(s: Dict, stack: StackDecl): ContainerSpec {
  const caps = capabilities(s.cap_add as string[] | undefined, s.cap_drop as string[] | undefined);
  const dns = (s.dns as string[] | undefined) ?? [];
  const search = (s.dns_search as string[] | undefined) ?? [];
  const ulimits = Object.entries((s.ulimits as Record<string, { soft: number; hard: number }> | undefined) ?? {})
    .map(([n, u]) => ({ Name: n, Soft: u.soft, Hard: u.hard })).sort((a, b) => (a.Name < b.Name ? -1 : 1));
  return sparse({
    Image: String(s.image),
    Labels: { ...(s.labels as Record<string, string> | undefined), [NAMESPACE_LABEL]: stack.namespace },
    Command: s.entrypoint as string[] | undefined,
    Args: s.command as string[] | undefined,
    Hostname: (s.hostname || undefined) as string | undefined,
    Env: convertEnvironment(s.environment as Record<string, string | null> | undefined),
    Dir: (s.working_dir || undefined) as string | undefined,
    User: (s.user || undefined) as string | undefined,
    StopSignal: (s.stop_signal || undefined) as string | undefined,
    StopGracePeriod: duration(s.stop_grace_period, ["stop_grace_period"]),
    Healthcheck: convertHealthcheck(s.healthcheck as Dict | undefined),
    Secrets: secretReferences(stack.namespace, s.secrets as Dict[] | undefined, stack.secrets),
    Configs: configReferences(stack.namespace, s.configs as Dict[] | undefined, stack.configs),
    Mounts: convertMounts(s.volumes as Dict[] | undefined, stack.volumes, stack.namespace),
    ReadOnly: s.read_only === true ? true : undefined,
    Init: s.init === true ? true : undefined,
    TTY: s.tty === true ? true : undefined,
    Hosts: ((s.extra_hosts as string[] | undefined) ?? []).map((h) => `${h.slice(h.indexOf(":") + 1)} ${h.slice(0, h.indexOf(":"))}`),
    DNSConfig: dns.length || search.length ? sparse({ Nameservers: dns, Search: search }) : undefined,
    CapabilityAdd: caps.add,
    CapabilityDrop: caps.drop,
    Sysctls: s.sysctls as Record<string, string> | undefined,
    Ulimits: ulimits,
    OomScoreAdj: s.oom_score_adj === undefined ? undefined : Number(s.oom_score_adj) || undefined,
  });
}
