import { z } from "zod";
import {
  AutolockStatus, ClusterInfo, ControlPlaneScale, ErrorBody, InitRequest, InitResponse, Node, Service, SwarmUpdateRequest, Task, UnlockKeyResponse,
  type ControlPlaneScaleRequest,
} from "../schemas/api.js";
// The schema files themselves, not schemas/index.js: every command loads this file, and the index
// would build every event and rpc schema at start.
import { formatZodError } from "../schemas/zod-error.js";
import type { ServiceSpec } from "../schemas/specs.js";
import { Network, NetworkPruneResponse, type NetworkCreateRequest } from "../schemas/network-api.js";
import { fetchApi, parseHosts, type ApiTarget } from "./transport.js";

/** Docker-style filters: `{ service: ["web"], "desired-state": ["running"] }`. */
export type Filters = Record<string, string[]>;

/** An error answered by the api; `message` is the api's own words, shown as is. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = "ApiError";
  }
}

const Created = z.object({ ID: z.string() });
const Ignored = z.unknown();
/** `GET /jetswarm/ca/rotation`: the root in use and a rotation's progress (services/api/core/ca-decide.ts). */
export const CaView = z.object({
  CACert: z.string(), CADigest: z.string(), RootRotationInProgress: z.boolean(),
  Rotation: z.object({ CACert: z.string(), CADigest: z.string(), NodesMoved: z.number(), NodesTotal: z.number(), Pending: z.array(z.string()) }).optional(),
});
export type CaView = z.infer<typeof CaView>;
const ApiToken = z.object({ ID: z.string(), Name: z.string(), CreatedAt: z.string() });

/**
 * An answer of the api, parsed with `schema`; an error answer becomes an `ApiError` with the api's
 * own message. The one place the CLI reads a response.
 */
export async function readAnswer<S extends z.ZodType>(res: Response, schema: S): Promise<z.infer<S>> {
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiError(res.status, `unexpected response from the api (HTTP ${res.status}): ${text.slice(0, 200)}`);
  }
  if (!res.ok) {
    const e = ErrorBody.safeParse(json);
    throw new ApiError(res.status, e.success ? e.data.message : `the api answered HTTP ${res.status}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new Error(`unexpected response from the api: ${formatZodError(parsed.error)}`);
  return parsed.data;
}

/** The typed HTTP client of the api. Every response is zod-parsed: the CLI trusts nothing it did not check. */
export class ApiClient {
  /** Where and how: one api URL, or several comma-separated (active-active apis; see transport.ts for the failover), and credentials. */
  readonly target: ApiTarget;
  constructor(target: string | ApiTarget) {
    this.target = typeof target === "string" ? { hosts: target } : target;
  }

  /** The api URLs, comma-separated. */
  get base(): string { return this.target.hosts; }

  /** The api URLs, in the order they are tried. */
  get hosts(): string[] { return parseHosts(this.base); }

  /** The host that answered the last request (the first host before any). */
  answeredBy: string | undefined;

  private async request<S extends z.ZodType>(method: string, path: string, schema: S, body?: unknown): Promise<z.infer<S>> {
    const res = await fetchApi(this.target, path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    }, (host) => { this.answeredBy = host; });
    return readAnswer(res, schema);
  }

  private q(filters?: Filters): string {
    return filters && Object.keys(filters).length ? `?filters=${encodeURIComponent(JSON.stringify(filters))}` : "";
  }

  swarm() { return this.request("GET", "swarm", ClusterInfo); }
  init(req: InitRequest) { return this.request("POST", "swarm/init", InitResponse, req); }
  nodes(filters?: Filters) { return this.request("GET", `nodes${this.q(filters)}`, z.array(Node)); }
  node(ref: string) { return this.request("GET", `nodes/${encodeURIComponent(ref)}`, Node); }
  createService(spec: ServiceSpec) { return this.request("POST", "services/create", Created, spec); }
  services(filters?: Filters) { return this.request("GET", `services${this.q(filters)}`, z.array(Service)); }
  /** `insertDefaults` fills unset fields with Swarm's defaults (for display; never send it back). */
  service(ref: string, opts: { insertDefaults?: boolean } = {}) {
    return this.request("GET", `services/${encodeURIComponent(ref)}${opts.insertDefaults ? "?insertDefaults=true" : ""}`, Service);
  }
  updateService(id: string, version: number, spec: ServiceSpec) {
    return this.request("POST", `services/${encodeURIComponent(id)}/update?version=${version}`, Ignored, spec);
  }
  /** Swarm's manual rollback: the api swaps spec and previous spec. */
  rollbackService(id: string, version: number, spec: ServiceSpec) {
    return this.request("POST", `services/${encodeURIComponent(id)}/update?version=${version}&rollback=previous`, Ignored, spec);
  }
  updateSwarm(req: SwarmUpdateRequest) { return this.request("POST", "swarm/update", Ignored, req); }
  /** Docker's `POST /swarm/update?rotateWorkerToken=true` (or Manager): the role's join token is replaced. */
  rotateJoinToken(role: "worker" | "manager") {
    const flag = role === "worker" ? "rotateWorkerToken" : "rotateManagerToken";
    return this.request("POST", `swarm/update?${flag}=true`, Ignored, {});
  }
  removeService(id: string) { return this.request("DELETE", `services/${encodeURIComponent(id)}`, Ignored); }
  tasks(filters?: Filters) { return this.request("GET", `tasks${this.q(filters)}`, z.array(Task)); }
  task(ref: string) { return this.request("GET", `tasks/${encodeURIComponent(ref)}`, Task); }
  apiTokens() { return this.request("GET", "jetswarm/tokens", z.array(ApiToken)); }
  createApiToken(name: string) { return this.request("POST", "jetswarm/tokens", ApiToken.extend({ Token: z.string() }), { Name: name }); }
  removeApiToken(ref: string) { return this.request("DELETE", `jetswarm/tokens/${encodeURIComponent(ref)}`, Ignored); }
  networks(filters?: Filters) { return this.request("GET", `networks${this.q(filters)}`, z.array(Network)); }
  network(ref: string) { return this.request("GET", `networks/${encodeURIComponent(ref)}`, Network); }
  createNetwork(req: NetworkCreateRequest) { return this.request("POST", "networks/create", z.object({ Id: z.string(), Warning: z.string().optional() }), req); }
  removeNetwork(ref: string) { return this.request("DELETE", `networks/${encodeURIComponent(ref)}`, Ignored); }
  pruneNetworks(filters?: Filters) { return this.request("POST", `networks/prune${this.q(filters)}`, NetworkPruneResponse, {}); }
  caRotation() { return this.request("GET", "jetswarm/ca/rotation", CaView); }
  rotateCa(req: { CACert?: string; CAKey?: string }) { return this.request("POST", "jetswarm/ca/rotate", CaView, req); }
  scaleControlPlane(req: ControlPlaneScaleRequest) { return this.request("POST", "jetswarm/control-plane/scale", ControlPlaneScale, req); }
  /** Autolock (Docker's `/swarm/unlock`, `/swarm/unlockkey`, `?rotateManagerUnlockKey=true`; jetswarm's lock status). */
  autolockStatus() { return this.request("GET", "jetswarm/autolock", AutolockStatus); }
  unlock(key: string) { return this.request("POST", "swarm/unlock", Ignored, { UnlockKey: key }); }
  unlockKey() { return this.request("GET", "swarm/unlockkey", UnlockKeyResponse); }
  rotateUnlockKey() { return this.request("POST", "swarm/update?rotateManagerUnlockKey=true", Ignored, {}); }
}
