import { z } from "zod";
import { DEFAULT_NODE_CERT_EXPIRY_MS, type SwarmUpdateRequest } from "../../../schemas/api.js";
import { NS_PER_MS, type api } from "../../../schemas/index.js";
import { invalidArgument } from "../../shared/errors/index.js";
import type { ClusterView } from "../../shared/model/index.js";

/*
 * Docker's swarm object around jetswarm's cluster: `GET /swarm` and `/info`'s `Swarm.Cluster`
 * carry the Spec fields docker prints (CA config, raft, task defaults), the address pools and
 * TLS info; `POST /swarm/update` with Docker's whole `Spec` (what `docker swarm update` sends
 * back, changed) becomes jetswarm's update request naming only what changed. Pure.
 */

/** Swarm's VXLAN port; jetswarm's overlay uses the same. */
export const DATA_PATH_PORT = 4789;

/** jetswarm's cluster view with Docker's Spec fields filled (Docker's defaults where jetswarm has no setting). */
export function dockerSwarm<T extends Omit<api.ClusterInfo, "JoinTokens">>(info: T, c: ClusterView) {
  return {
    ...info,
    Spec: {
      Name: "default",
      Labels: {},
      ...info.Spec,
      Raft: { SnapshotInterval: 10000, KeepOldSnapshots: 0, LogEntriesForSlowFollowers: 500, ElectionTick: 10, HeartbeatTick: 1 },
      CAConfig: { NodeCertExpiry: (c.nodeCertExpiryMs ?? DEFAULT_NODE_CERT_EXPIRY_MS) * NS_PER_MS },
      TaskDefaults: {},
      EncryptionConfig: { AutoLockManagers: c.autolockKeyCheck !== undefined },
    },
    TLSInfo: { TrustRoot: c.caCert ?? "", CertIssuerSubject: "", CertIssuerPublicKey: "" },
    RootRotationInProgress: c.caRotation !== undefined,
    DefaultAddrPool: c.defaultAddrPool ?? ["10.0.0.0/8"],
    SubnetSize: c.subnetSize ?? 24,
    DataPathPort: DATA_PATH_PORT,
  };
}

const Duration = z.number().int().nonnegative();
/** Docker's swarm Spec as the CLI sends it back (unknown keys are refused by name). */
export const DockerSwarmSpec = z.strictObject({
  Name: z.string().optional(),
  Labels: z.record(z.string(), z.string()).nullish(),
  Orchestration: z.looseObject({ TaskHistoryRetentionLimit: z.number().int().nullish() }).nullish(),
  Raft: z.looseObject({}).nullish(),
  Dispatcher: z.looseObject({ HeartbeatPeriod: Duration.nullish() }).nullish(),
  CAConfig: z.looseObject({
    NodeCertExpiry: Duration.nullish(),
    ExternalCAs: z.array(z.unknown()).nullish(),
    SigningCACert: z.string().nullish(),
    SigningCAKey: z.string().nullish(),
    ForceRotate: z.number().int().nullish(),
  }).nullish(),
  TaskDefaults: z.looseObject({ LogDriver: z.unknown().nullish() }).nullish(),
  EncryptionConfig: z.looseObject({ AutoLockManagers: z.boolean().nullish() }).nullish(),
});
export type DockerSwarmSpec = z.infer<typeof DockerSwarmSpec>;

/** Keys of Docker's Spec: a body with one of them is Docker's, else jetswarm's own request. */
export const DOCKER_SPEC_KEYS = ["Name", "Labels", "Orchestration", "Raft", "Dispatcher", "CAConfig", "TaskDefaults", "EncryptionConfig"];
export function isDockerSwarmSpec(body: unknown): boolean {
  return typeof body === "object" && body !== null && Object.keys(body).some((k) => DOCKER_SPEC_KEYS.includes(k));
}

/**
 * What a Docker Spec changes, as jetswarm's request. Settings jetswarm cannot honour (labels,
 * external CAs, a log driver default, raft tuning it has no raft for) are refused naming them
 * when they differ from what `GET /swarm` shows, never dropped silently.
 */
export function swarmUpdateFromDocker(spec: DockerSwarmSpec, c: ClusterView): SwarmUpdateRequest {
  const unsupported: string[] = [];
  if (spec.Name && spec.Name !== "default") unsupported.push("Name");
  if (spec.Labels && Object.keys(spec.Labels).length > 0) unsupported.push("Labels");
  if ((spec.CAConfig?.ExternalCAs?.length ?? 0) > 0) unsupported.push("CAConfig.ExternalCAs (use swarm ca --rotate)");
  if (spec.CAConfig?.SigningCACert || spec.CAConfig?.SigningCAKey) unsupported.push("CAConfig.SigningCACert (use swarm ca --rotate)");
  if (spec.TaskDefaults?.LogDriver) unsupported.push("TaskDefaults.LogDriver");
  if (unsupported.length > 0) throw invalidArgument(`swarm spec: not supported by jetswarm: ${unsupported.join(", ")}`);
  const out: SwarmUpdateRequest = {};
  const history = spec.Orchestration?.TaskHistoryRetentionLimit;
  if (history != null && history !== c.taskHistoryLimit) out.TaskHistoryRetentionLimit = history;
  const heartbeat = spec.Dispatcher?.HeartbeatPeriod;
  if (heartbeat != null && heartbeat > 0 && heartbeat / NS_PER_MS !== c.heartbeatPeriodMs) out.HeartbeatPeriodMs = Math.round(heartbeat / NS_PER_MS);
  const expiry = spec.CAConfig?.NodeCertExpiry;
  if (expiry != null && expiry > 0 && expiry / NS_PER_MS !== (c.nodeCertExpiryMs ?? DEFAULT_NODE_CERT_EXPIRY_MS)) {
    out.NodeCertExpiryMs = Math.round(expiry / NS_PER_MS);
  }
  const autolock = spec.EncryptionConfig?.AutoLockManagers;
  if (autolock != null && autolock !== (c.autolockKeyCheck !== undefined)) out.AutoLockManagers = autolock;
  return out;
}
