import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { NodeRole } from "../../../schemas/index.js";
import { randomId } from "../../shared/eventlog/index.js";
import { invalidArgument } from "../../shared/errors/index.js";
import { MESSAGES } from "../core/decide.js";

function base36(bytes: Buffer, len: number): string {
  let n = BigInt("0x" + bytes.toString("hex"));
  let out = "";
  while (out.length < len) {
    out += (n % 36n).toString(36);
    n /= 36n;
  }
  return out;
}

/**
 * Join tokens in Swarm's format `SWMTKN-1-<50 base-36>-<25 base-36>`: the first part (in Swarm, the
 * root CA digest) is shared by both tokens, the second is each token's own secret.
 */
export function joinTokens(): { workerToken: string; managerToken: string } {
  const shared = base36(randomBytes(32), 50);
  return {
    workerToken: `SWMTKN-1-${shared}-${randomId()}`,
    managerToken: `SWMTKN-1-${shared}-${randomId()}`,
  };
}

/** The cluster's join tokens, as `ClusterInitialized` recorded them. */
export interface JoinTokens { worker: string; manager: string }

const digest = (token: string): Buffer => createHash("sha256").update(token).digest();

/**
 * The api's copy of the join tokens, kept out of the shared projection and its snapshots (every
 * service reads those; only the api needs the tokens). Learnt from `ClusterInitialized` as the
 * projection folds it, or — when that event was before the snapshot the projection started from —
 * read once from the log by `read` (the shell's) when first needed. The tokens never change.
 */
export class TokenBook {
  private known?: { tokens: JoinTokens; worker: Buffer; manager: Buffer };
  private reading?: Promise<JoinTokens>;

  constructor(private readonly read: () => Promise<JoinTokens>) {}

  /** The tokens as the projection met them (`ClusterInitialized` replayed or followed): no read needed. */
  learn(tokens: JoinTokens): void {
    this.known ??= { tokens, worker: digest(tokens.worker), manager: digest(tokens.manager) };
  }

  /** The tokens (the caller has checked the cluster exists). A failed read is retried by the next call. */
  async get(): Promise<JoinTokens> {
    if (this.known) return this.known.tokens;
    this.reading ??= this.read().finally(() => { this.reading = undefined; });
    this.learn(await this.reading);
    return this.known!.tokens;
  }

  /**
   * The role a join token grants. Compared as SHA-256 digests in constant time (equal lengths, no
   * early exit), both tokens each time: the time taken tells nothing about either.
   */
  async roleOf(token: string): Promise<NodeRole> {
    await this.get();
    const k = this.known!;
    const d = digest(token);
    const manager = timingSafeEqual(d, k.manager);
    const worker = timingSafeEqual(d, k.worker);
    if (manager) return "manager";
    if (worker) return "worker";
    throw invalidArgument(MESSAGES.badToken);
  }
}
