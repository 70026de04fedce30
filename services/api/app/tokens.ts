import { createHash, timingSafeEqual } from "node:crypto";
import { joinTokenHash, type NodeRole } from "../../../schemas/index.js";
import type { JoinTokensReply, RotateCaReply, SignNodeReply } from "../../../schemas/index.js";
import { invalidArgument } from "../../shared/errors/index.js";
import type { ClusterView } from "../../shared/model/index.js";
import { MESSAGES } from "../core/decide.js";

/*
 * Join tokens (DESIGN §6): the log and the projection hold only each role's token hash and
 * generation; the tokens themselves come from the secret-store, which derives them from the CA key
 * (`ClusterKeys`, the api's one door to it). A presented token is checked against the hashes.
 */

/** The secret-store as the api uses it (rpc in production: shell/cluster-keys.ts). */
export interface ClusterKeys {
  /** The join tokens of these generations, with the root CA certificate and its digest. */
  joinTokens(generations: { worker: number; manager: number }): Promise<JoinTokensReply>;
  /** A new root CA and its cross-signed intermediate (`swarm ca --rotate`); the key stays with the secret-store. */
  rotateCa(req: { caCert?: string; caKey?: string }): Promise<RotateCaReply>;
  /** A certificate for a joined node's CSR, once the secret-store's projection has `seq` (the node's NodeJoined). */
  signNode(req: { nodeId: string; csr: string; seq: number }): Promise<SignNodeReply>;
  /** The cluster's keys sealed to a joined manager's ephemeral key (base64), once the secret-store's projection has `seq`. */
  handover(req: { nodeId: string; publicKey: string; seq: number }): Promise<{ sealed: string }>;
}

/**
 * The join tokens of a state's generations, asked once per pair of generations and root CA (a
 * root rotation changes every token: their digest names the root).
 */
export class TokenCache {
  private readonly byGeneration = new Map<string, Promise<JoinTokensReply>>();

  constructor(private readonly keys: ClusterKeys) {}

  get(generations: { worker: number; manager: number }, caDigest = ""): Promise<JoinTokensReply> {
    const key = `${generations.worker}|${generations.manager}|${caDigest}`;
    let p = this.byGeneration.get(key);
    if (!p) {
      p = this.keys.joinTokens(generations);
      this.byGeneration.set(key, p);
      // A failed ask is not remembered: the next call asks again.
      p.catch(() => this.byGeneration.delete(key));
    }
    return p;
  }
}

/**
 * The role a join token grants in this cluster. Compared as SHA-256 digests in constant time
 * (equal lengths, no early exit), both roles each time: the time taken tells nothing about either.
 * A rotated-out token matches neither hash and is refused like any other.
 */
export function roleOfToken(cluster: ClusterView, token: string): NodeRole {
  // Digests of the hex hashes: always 32 bytes, whatever a stored hash looks like.
  const digest = (hash: string): Buffer => createHash("sha256").update(hash).digest();
  const d = digest(joinTokenHash(token));
  const manager = timingSafeEqual(d, digest(cluster.joinTokens.manager.hash));
  const worker = timingSafeEqual(d, digest(cluster.joinTokens.worker.hash));
  if (manager) return "manager";
  if (worker) return "worker";
  throw invalidArgument(MESSAGES.badToken);
}

/**
 * The tokens `GET /swarm` may show. A cluster initialised before it had a CA (an upcast v1
 * `ClusterInitialized`) recorded hashes of tokens nobody can derive: such a role shows "" until
 * its token is rotated once (`swarm join-token --rotate`), while its old token still joins.
 */
export function shownTokens(cluster: ClusterView, derived: { worker: string; manager: string }): { worker: string; manager: string } {
  const legacy = (role: NodeRole) => cluster.caDigest === undefined && cluster.joinTokens[role].generation === 1;
  return { worker: legacy("worker") ? "" : derived.worker, manager: legacy("manager") ? "" : derived.manager };
}
