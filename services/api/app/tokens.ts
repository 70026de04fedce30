import { randomBytes } from "node:crypto";
import { randomId } from "../../shared/eventlog/index.js";

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
