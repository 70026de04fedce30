import { z } from "zod";
import { NodeAvailability, NodeRole, NodeState, TaskState } from "./primitives.js";
import { EndpointSpec, PortConfig, ServiceSpec, TaskSpec } from "./specs.js";
import { UpdateState } from "./events/service.js";
import { SCALABLE_SERVICES } from "./roster.js";

/* Requests and responses of the api's HTTP/JSON surface, in the Docker Engine API's shape. */

/** Swarm's floor for `--cert-expiry` (swarmkit's MinNodeCertExpiration). */
export const MIN_NODE_CERT_EXPIRY_MS = 3_600_000;
/** Swarm's default `--cert-expiry`: 90 days. */
export const DEFAULT_NODE_CERT_EXPIRY_MS = 90 * 24 * 3_600_000;
const NodeCertExpiryMs = z.number().int().min(MIN_NODE_CERT_EXPIRY_MS, "minimum certificate expiry time is: 1h0m0s").optional();

export const InitRequest = z.strictObject({
  /** Name of the node that runs the first agent (defaults to the host name). */
  NodeName: z.string().min(1).optional(),
  AdvertiseAddr: z.string().optional(),
  TaskHistoryRetentionLimit: z.number().int().optional(),
  HeartbeatPeriodMs: z.number().int().positive().optional(),
  /** Validity of node certificates (`--cert-expiry`). Default 90 days. */
  NodeCertExpiryMs,
  /** Pools the allocator cuts overlay subnets from (`--default-addr-pool`, repeatable). Default Swarm's 10.0.0.0/8. */
  DefaultAddrPool: z.array(z.string()).min(1).max(16).optional(),
  /** Prefix length of each subnet cut from the pools (`--default-addr-pool-mask-length`). Default 24. */
  SubnetSize: z.number().int().optional(),
  /** The first manager's CSR (PEM): the response carries its certificate. */
  Csr: z.string().min(1).max(16_384, "a CSR is at most 16 KiB").optional(),
  /** `--autolock`: the managers' keys at rest wrapped by an unlock key (`GET /swarm/unlockkey`). */
  AutoLockManagers: z.boolean().optional(),
});
export type InitRequest = z.infer<typeof InitRequest>;
/** `Certificate` (the node's, PEM) and `CACert` (the root CA's) when the request had a CSR. */
const NodeCertificate = { Certificate: z.string().optional(), CACert: z.string().optional() };
export const InitResponse = z.object({ ClusterID: z.string(), NodeID: z.string(), ...NodeCertificate });
export type InitResponse = z.infer<typeof InitResponse>;

export const JoinRequest = z.strictObject({
  JoinToken: z.string().min(1, "required"),
  NodeName: z.string().min(1, "required"),
  Availability: NodeAvailability.optional(),
  /** The joining node's CSR (PEM): the response carries its certificate. */
  Csr: z.string().min(1).max(16_384, "a CSR is at most 16 KiB").optional(),
  /** The joiner's ephemeral X25519 public key (base64url): a manager's response carries the cluster's keys sealed to it. */
  KeysPublicKey: z.string().min(1).max(64, "an X25519 public key is 43 characters").optional(),
});
export type JoinRequest = z.infer<typeof JoinRequest>;
/** `Keys`: for a manager that sent `KeysPublicKey`, the cluster's keys sealed to it (base64; `KeyHandover` in schemas/rpc.ts). */
export const JoinResponse = z.object({ NodeID: z.string(), Role: NodeRole, HeartbeatPeriodMs: z.number(), ...NodeCertificate, Keys: z.string().optional() });
export type JoinResponse = z.infer<typeof JoinResponse>;

/** `swarm update` (jetswarm's subset of Swarm's cluster spec). */
export const SwarmUpdateRequest = z.strictObject({
  TaskHistoryRetentionLimit: z.number().int().optional(),
  HeartbeatPeriodMs: z.number().int().positive().optional(),
  NodeCertExpiryMs,
  /** `--autolock=true|false` (Docker's `Spec.EncryptionConfig.AutoLockManagers`). */
  AutoLockManagers: z.boolean().optional(),
});
export type SwarmUpdateRequest = z.infer<typeof SwarmUpdateRequest>;
/**
 * `SwarmUpdateRequest` with a lower `--cert-expiry` floor, so that a test can watch certificates
 * renew within seconds: only an api started with `SWARM_TEST_CERT_EXPIRY_FLOOR_MS` uses it (the
 * CLI offers no way to it).
 */
export function swarmUpdateRequestWithFloor(floorMs: number) {
  return SwarmUpdateRequest.extend({ NodeCertExpiryMs: z.number().int().min(floorMs, `minimum certificate expiry time is: ${floorMs} ms`).optional() });
}

/** The control-plane services `swarm control-plane scale` may scale (the api runs one per manager): the roster's scalable ones. */
export const SCALABLE_CONTROL_PLANE: readonly string[] = SCALABLE_SERVICES;
/** The most instances of one control-plane service a cluster may ask for. */
export const MAX_CONTROL_PLANE_INSTANCES = 16;
/** `swarm control-plane scale scheduler=2 dispatcher=3`: `{Scale: {scheduler: 2, dispatcher: 3}}`. */
export const ControlPlaneScaleRequest = z.strictObject({
  Scale: z.record(
    z.string(),
    z.number({ error: "must be a number of instances" }).int("must be a whole number of instances")
      .min(1, "a control-plane service needs at least 1 instance")
      .max(MAX_CONTROL_PLANE_INSTANCES, `at most ${MAX_CONTROL_PLANE_INSTANCES} instances`),
  ).superRefine((r, ctx) => {
    const names = Object.keys(r);
    if (names.length === 0) ctx.addIssue({ code: "custom", message: "name at least one service, e.g. scheduler=2" });
    for (const name of names) {
      if (SCALABLE_CONTROL_PLANE.includes(name)) continue;
      ctx.addIssue({
        code: "custom", path: [name],
        message: `cannot be scaled: the scalable control-plane services are ${SCALABLE_CONTROL_PLANE.join(", ")}` +
          (name === "api" ? " (the api runs one instance on every manager node: add managers to scale it)" : ""),
      });
    }
  }),
});
export type ControlPlaneScaleRequest = z.infer<typeof ControlPlaneScaleRequest>;
/** `GET /control-plane/scale`: the desired instances of each scalable service (1 per manager when never set). */
export const ControlPlaneScale = z.object({
  Scale: z.record(z.string(), z.number()),
  /** True for the services whose count was never set: one instance on every manager. */
  PerManager: z.array(z.string()),
});
export type ControlPlaneScale = z.infer<typeof ControlPlaneScale>;

export const ScaleRequest = z.strictObject({ Replicas: z.number().int().nonnegative() });

const Version = z.object({ Index: z.number() });

export const ClusterInfo = z.object({
  ID: z.string(),
  Version,
  CreatedAt: z.string(),
  UpdatedAt: z.string(),
  JoinTokens: z.object({ Worker: z.string(), Manager: z.string() }),
  Spec: z.object({
    Orchestration: z.object({ TaskHistoryRetentionLimit: z.number() }),
    Dispatcher: z.object({ HeartbeatPeriod: z.number() }),
    EncryptionConfig: z.object({ AutoLockManagers: z.boolean() }).optional(),
  }),
});
export type ClusterInfo = z.infer<typeof ClusterInfo>;

/** `POST /swarm/unlock` (Docker's): the unlock key `SWMKEY-1-…`. */
export const UnlockRequest = z.strictObject({ UnlockKey: z.string().min(1, "required").max(256) });
/** `GET /swarm/unlockkey` (Docker's): the current unlock key, "" when autolock is off. */
export const UnlockKeyResponse = z.object({ UnlockKey: z.string() });
export type UnlockKeyResponse = z.infer<typeof UnlockKeyResponse>;
/** `GET /jetswarm/autolock` (served while locked): autolock on in the log, and this manager's keys locked. */
export const AutolockStatus = z.object({ AutoLock: z.boolean(), Locked: z.boolean() });
export type AutolockStatus = z.infer<typeof AutolockStatus>;

/** `GET /jetswarm/ca` (unauthenticated): the root CA a joiner checks against its token's digest. */
export const CaInfo = z.object({ CACert: z.string(), CADigest: z.string() });
export type CaInfo = z.infer<typeof CaInfo>;

export const Service = z.object({
  ID: z.string(),
  Version,
  CreatedAt: z.string(),
  UpdatedAt: z.string(),
  Spec: ServiceSpec,
  /** The spec before the last update; a rollback returns to it. */
  PreviousSpec: ServiceSpec.optional(),
  /** Progress of the last rolling update or rollback (absent until one runs). */
  UpdateStatus: z.object({
    State: UpdateState,
    Message: z.string(),
    StartedAt: z.string().optional(),
    CompletedAt: z.string().optional(),
  }).optional(),
  /** CompletedTasks: a job's tasks of the current iteration that completed (jobs only). */
  ServiceStatus: z.object({ RunningTasks: z.number(), DesiredTasks: z.number(), CompletedTasks: z.number().optional() }).optional(),
  /** Jobs only: the iteration (the spec version's log position; every update starts a new one) and when it began. */
  JobStatus: z.object({ JobIteration: z.object({ Index: z.number() }), LastExecution: z.string() }).optional(),
  /** Docker's Endpoint: the endpoint spec, and what the allocator gave (ports with published ports filled in, a VIP per network). */
  Endpoint: z.object({
    Spec: EndpointSpec,
    Ports: z.array(PortConfig).optional(),
    VirtualIPs: z.array(z.object({ NetworkID: z.string(), Addr: z.string() })).optional(),
  }).optional(),
});
export type Service = z.infer<typeof Service>;

export const Task = z.object({
  ID: z.string(),
  Version,
  CreatedAt: z.string(),
  UpdatedAt: z.string(),
  ServiceID: z.string(),
  /** jetswarm extension: saves the CLI a lookup per row. */
  ServiceName: z.string(),
  Slot: z.number(),
  NodeID: z.string().optional(),
  Spec: TaskSpec,
  Status: z.object({
    Timestamp: z.string(),
    State: TaskState,
    Message: z.string(),
    Err: z.string().optional(),
    ContainerStatus: z.object({ ContainerID: z.string().optional(), ExitCode: z.number().optional() }).optional(),
    /** Host-mode ports the engine bound for this task (Docker's `Status.PortStatus`). */
    PortStatus: z.object({ Ports: z.array(PortConfig) }).optional(),
  }),
  DesiredState: TaskState,
  /** jetswarm extension: a restart replacement is not started before this time (its back-off). */
  RestartAt: z.string().optional(),
});
export type Task = z.infer<typeof Task>;

export const Node = z.object({
  ID: z.string(),
  Version,
  CreatedAt: z.string(),
  UpdatedAt: z.string(),
  Spec: z.object({
    Name: z.string(),
    Role: NodeRole,
    Availability: NodeAvailability,
    Labels: z.record(z.string(), z.string()),
  }),
  Description: z.object({
    Hostname: z.string(),
    Platform: z.object({ Architecture: z.string(), OS: z.string() }),
    Resources: z.object({ NanoCPUs: z.number(), MemoryBytes: z.number() }),
    Engine: z.object({ EngineVersion: z.string(), Labels: z.record(z.string(), z.string()) }),
    /** Docker's: the root the node trusts, and its certificate's issuer (base64 DER subject and public key). */
    TLSInfo: z.object({ TrustRoot: z.string(), CertIssuerSubject: z.string(), CertIssuerPublicKey: z.string() }).optional(),
  }).optional(),
  Status: z.object({ State: NodeState, Message: z.string().optional(), Addr: z.string().optional() }),
  ManagerStatus: z.object({ Leader: z.boolean(), Reachability: z.string(), Addr: z.string() }).optional(),
  /** jetswarm: the node's current certificate as the CA last issued it (renewed before `NotAfter`). */
  Certificate: z.object({ Serial: z.string(), Fingerprint: z.string(), NotBefore: z.string(), NotAfter: z.string() }).optional(),
});
export type Node = z.infer<typeof Node>;

/** Error body, as Docker's: `{ "message": "..." }`. */
export const ErrorBody = z.object({ message: z.string() });
