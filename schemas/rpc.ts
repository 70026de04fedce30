import { z } from "zod";
import { NodeDescription } from "./events/index.js";
import { NodeRole } from "./primitives.js";

/*
 * Request/reply between processes (`swarm.rpc.…`, DESIGN §1): each endpoint is described once here
 * — who answers, what it is asked, what it answers — and `services/shared/rpc` parses both ways.
 */

/** One rpc endpoint: the service that answers (named in "no responders" errors) and its two schemas. */
export interface RpcSchemas<Req extends z.ZodTypeAny = z.ZodTypeAny, Rep extends z.ZodTypeAny = z.ZodTypeAny> {
  service: string;
  request: Req;
  reply: Rep;
}

/**
 * A failure on the wire: a code of the one error table (`services/shared/errors`) and the message
 * for the user. The code is a plain string here so that a peer that knows a newer code is still
 * understood (the caller maps an unknown one to `internal`).
 */
export const RpcError = z.object({ code: z.string(), message: z.string() });
export type RpcError = z.infer<typeof RpcError>;

/** Every reply: `{reply}` on success, `{error}` on failure; the reply is parsed by the endpoint's own schema. */
export const RpcEnvelope = z.union([
  z.object({ error: RpcError }).strict(),
  z.object({ reply: z.unknown() }).strict(),
]);
export type RpcEnvelope = z.infer<typeof RpcEnvelope>;

/** Agent → dispatcher on `swarm.rpc.dispatcher.register`: the node's new session. */
export const RegisterRequest = z.object({
  nodeId: z.string(),
  sessionId: z.string(),
  description: NodeDescription,
  addr: z.string(),
});
export type RegisterRequest = z.infer<typeof RegisterRequest>;
/**
 * What the cluster wants of the node's certificate (from the log): its role, the validity the CA
 * signs for (`--cert-expiry`), the root's digest. A certificate that differs is renewed at once.
 */
export const CertificateWish = z.object({
  role: NodeRole,
  expiryMs: z.number().int().positive(),
  caDigest: z.string().optional(),
});
export type CertificateWish = z.infer<typeof CertificateWish>;
/**
 * The heartbeat period the node must beat at, and the certificate it should hold (absent from a
 * dispatcher of an older version). A refusal travels as an rpc error (e.g. `not_found`).
 */
export const RegisterReply = z.object({ heartbeatPeriodMs: z.number().int().positive(), certificate: CertificateWish.optional() });
export type RegisterReply = z.infer<typeof RegisterReply>;
export const RegisterRpc = { service: "dispatcher", request: RegisterRequest, reply: RegisterReply } satisfies RpcSchemas;

/** Lease holder liveness (`swarm.rpc.lease.<service>.<holder>`): only whether anybody answers matters. */
export const LeaseProbeRpc = { service: "lease holder", request: z.object({}), reply: z.object({}) } satisfies RpcSchemas;

/*
 * The secret-store (DESIGN §6). Payloads travel as raw bytes beside the metadata
 * (`services/shared/rpc` `callBytes`/`serveBytes`): a 1000 KiB config does not fit a NATS message
 * as JSON.
 */
export const SecretKind = z.enum(["secret", "config"]);
export type SecretKind = z.infer<typeof SecretKind>;

/**
 * api → secret-store on `swarm.rpc.secret-store.put` (bytes: the payload): encrypt and store one
 * version. Idempotent for the same (kind, id, version, payload). Reply: the payload's size and its
 * HMAC (keyed by the secret-store's key: the log may record it, a plain hash it may not).
 */
export const SecretPutRequest = z.object({ kind: SecretKind, id: z.string().min(1), version: z.number().int().positive(), name: z.string().min(1) });
export const SecretPutReply = z.object({ size: z.number().int().nonnegative(), hmac: z.string() });
export const SecretPutRpc = { service: "secret-store", request: SecretPutRequest, reply: SecretPutReply } satisfies RpcSchemas;

/** api → secret-store on `swarm.rpc.secret-store.delete`: drop every stored version of one secret or config. */
export const SecretDeleteRequest = z.object({ kind: SecretKind, id: z.string().min(1) });
export const SecretDeleteRpc = { service: "secret-store", request: SecretDeleteRequest, reply: z.object({}) } satisfies RpcSchemas;

/** api → secret-store on `swarm.rpc.secret-store.read` (reply bytes): a config's payload, for `config inspect`. Refused for secrets. */
export const ConfigReadRequest = z.object({ id: z.string().min(1), version: z.number().int().positive() });
export const ConfigReadRpc = { service: "secret-store", request: ConfigReadRequest, reply: z.object({ size: z.number().int().nonnegative() }) } satisfies RpcSchemas;

/**
 * agent → secret-store on `swarm.rpc.secrets.<nodeId>` (reply bytes, sealed to `publicKey` with the
 * task id as context — `services/shared/seal`): every secret and config the task references, for a
 * task assigned to that node. The sealed plaintext is JSON `DeliveredFiles`. A refusal is
 * `permission_denied` (and an audit event).
 */
export const SecretDeliverRequest = z.object({ taskId: z.string().min(1), publicKey: z.string().min(1) });
export const SecretDeliverRpc = { service: "secret-store", request: SecretDeliverRequest, reply: z.object({ count: z.number().int().nonnegative() }) } satisfies RpcSchemas;

/** What a sealed delivery holds: one entry per reference of the task's spec, in the spec's order. */
export const DeliveredFile = z.object({
  kind: SecretKind,
  /** The secret's or config's id and version. */
  id: z.string(),
  version: z.number().int().positive(),
  /** The payload, base64 (inside the sealed bytes). */
  data: z.string(),
});
export const DeliveredFiles = z.object({ files: z.array(DeliveredFile) });
export type DeliveredFiles = z.infer<typeof DeliveredFiles>;

/**
 * api → secret-store on `swarm.rpc.secret-store.join-tokens`: the join tokens of the given
 * generations (derived from the CA key, so any instance answers the same and nothing is stored),
 * with the root CA certificate and its digest (the tokens' second field).
 */
export const JoinTokensRequest = z.object({ worker: z.number().int().positive(), manager: z.number().int().positive() });
export const JoinTokensReply = z.object({ caCert: z.string(), caDigest: z.string(), worker: z.string(), manager: z.string() });
export type JoinTokensReply = z.infer<typeof JoinTokensReply>;
export const JoinTokensRpc = { service: "secret-store", request: JoinTokensRequest, reply: JoinTokensReply } satisfies RpcSchemas;

/**
 * api → secret-store on `swarm.rpc.secret-store.sign-node`: sign a joined node's CSR. The
 * secret-store sets the subject from its own projection (node id, the node's role, the cluster id)
 * once it has applied `seq` (the node's `NodeJoined`); the CSR contributes its public key only.
 */
export const SignNodeRequest = z.object({ nodeId: z.string().min(1), csr: z.string().min(1), seq: z.number().int().nonnegative() });
export const SignNodeReply = z.object({ cert: z.string(), caCert: z.string(), role: NodeRole });
export type SignNodeReply = z.infer<typeof SignNodeReply>;
export const SignNodeRpc = { service: "secret-store", request: SignNodeRequest, reply: SignNodeReply } satisfies RpcSchemas;

/**
 * agent → secret-store on `swarm.rpc.certs.renew.<nodeId>`: a fresh CSR (a new key) for the node's
 * next certificate. The connection asking is the node's own, admitted by its current certificate;
 * the subject names it (a node may publish only on its own) and the body must name the same node.
 * The subject of the certificate comes from the log, as at the join.
 */
export const RenewCertRequest = z.object({ nodeId: z.string().min(1), csr: z.string().min(1).max(16_384, "a CSR is at most 16 KiB") });
export const RenewCertRpc = { service: "secret-store", request: RenewCertRequest, reply: SignNodeReply } satisfies RpcSchemas;

/**
 * api → secret-store on `swarm.rpc.secret-store.handover`: the cluster's keys for a manager that
 * has just joined (DESIGN §6), sealed to its ephemeral X25519 `publicKey` with the node id as
 * context (`services/shared/seal`), once the secret-store's projection has applied `seq` (the
 * node's `NodeJoined`) and shows that node as a manager. `sealed` (base64) opens to JSON `KeyHandover`.
 */
export const KeyHandoverRequest = z.object({ nodeId: z.string().min(1), publicKey: z.string().min(1).max(64), seq: z.number().int().nonnegative() });
export const KeyHandoverReply = z.object({ sealed: z.string() });
export const KeyHandoverRpc = { service: "secret-store", request: KeyHandoverRequest, reply: KeyHandoverReply } satisfies RpcSchemas;

/**
 * What a handover holds: the KEK (base64), the cluster CA (PEM), the auth callout's key (PEM; only
 * on a secured bus) and, when autolock is on, the unlock key (base64) the joiner wraps them with.
 */
export const KeyHandover = z.object({
  kek: z.string(), caKey: z.string(), caCert: z.string(), calloutKey: z.string().optional(), unlockKey: z.string().optional(),
});
export type KeyHandover = z.infer<typeof KeyHandover>;

/*
 * Autolock (DESIGN §6): api → secret-store. The keyring rpcs go to the secret-stores of one
 * manager's keys dir (`swarm.rpc.secret-store.keyring.<keyringId>.…`); a rekey to every one.
 * Keys travel as base64 of their 32 bytes, only on the mutual-TLS bus, never into a log.
 */
const UnlockKeyBytes = z.string().regex(/^[A-Za-z0-9+/]{43}=$/, "a 32-byte key in base64");
/** `status`: is this keys dir locked (autolock on, no unlock key given yet)? */
export const KeyringStatusRpc = {
  service: "secret-store", request: z.object({}), reply: z.object({ locked: z.boolean(), autolock: z.boolean() }),
} satisfies RpcSchemas;
/** `unlock` (every instance of the keys dir answers): open the wrapped keys with `key` and start serving. */
export const KeyringUnlockRpc = {
  service: "secret-store", request: z.object({ key: UnlockKeyBytes }), reply: z.object({ unlocked: z.boolean() }),
} satisfies RpcSchemas;
/** `unlock-key`: the current unlock key sealed to `publicKey` (context "unlock-key"); `sealed` absent when autolock is off. */
export const KeyringUnlockKeyRpc = {
  service: "secret-store", request: z.object({ publicKey: z.string().min(1).max(64) }), reply: z.object({ sealed: z.string().optional() }),
} satisfies RpcSchemas;
/** `rekey` (every instance of every manager answers): wrap the keys with `key`, or unwrap them (no key: autolock off). */
export const KeyringRekeyRpc = {
  service: "secret-store", request: z.object({ key: UnlockKeyBytes.optional() }), reply: z.object({ files: z.array(z.string()) }),
} satisfies RpcSchemas;
/**
 * api → secret-store on `swarm.rpc.secret-store.rotate-ca` (`swarm ca --rotate`): a new root —
 * generated, or the one the user brings (`caCert` + `caKey`, checked: one self-signed CA with its
 * key) — and its cross-signed intermediate under the current root. The new key is kept encrypted
 * by the secret-store (every manager's instance installs it from there); the reply carries no key.
 */
export const RotateCaRequest = z.object({ caCert: z.string().min(1).optional(), caKey: z.string().min(1).optional() });
export const RotateCaReply = z.object({ caCert: z.string(), caDigest: z.string(), crossSigned: z.string() });
export type RotateCaReply = z.infer<typeof RotateCaReply>;
export const RotateCaRpc = { service: "secret-store", request: RotateCaRequest, reply: RotateCaReply } satisfies RpcSchemas;

