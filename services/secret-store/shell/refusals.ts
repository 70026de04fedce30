import { subjects } from "../../../schemas/index.js";
import { errorMessage } from "../../shared/errors/index.js";
import { randomId } from "../../shared/eventlog/index.js";
import { plan, versionOf } from "../../shared/model/index.js";
import { decideAndCommit } from "../../shared/reconcile/index.js";
import type { SecretStoreContext } from "./context.js";

/*
 * A refused delivery is an audit event on the node's aggregate (`NodeSecretsRefused`, actor the
 * node via this instance). A hostile node must not flood the log: each instance records at most
 * `perNode` refusals per node and `total` in all per window; the rest are only logged.
 */

export interface RefusalLimits {
  /** Refusals recorded per node per window. Default 3. */
  perNode: number;
  /** Refusals recorded in all per window (node ids are the caller's word until #15's per-node permissions). Default 30. */
  total: number;
  /** Window, ms. Default 60 000. */
  windowMs: number;
}

export const REFUSAL_LIMITS: RefusalLimits = { perNode: 3, total: 30, windowMs: 60_000 };

/** Pure counting of one window: `take(node)` says whether this refusal may be recorded. */
export class RefusalBudget {
  private windowStart = -Infinity;
  private perNode = new Map<string, number>();
  private total = 0;

  constructor(private readonly limits: RefusalLimits) {}

  take(nodeId: string, nowMs: number): boolean {
    if (nowMs - this.windowStart >= this.limits.windowMs) {
      this.windowStart = nowMs;
      this.perNode = new Map();
      this.total = 0;
    }
    const n = this.perNode.get(nodeId) ?? 0;
    if (n >= this.limits.perNode || this.total >= this.limits.total) return false;
    this.perNode.set(nodeId, n + 1);
    this.total++;
    return true;
  }
}

export type RecordRefusal = (nodeId: string, taskId: string, reason: string) => Promise<void>;

export function refusalRecorder(ctx: SecretStoreContext, limits: RefusalLimits = REFUSAL_LIMITS): RecordRefusal {
  const budget = new RefusalBudget(limits);
  const now = ctx.deps.now ?? (() => new Date());
  return async (nodeId, taskId, reason) => {
    ctx.log.warn("delivery refused", { nodeId, taskId, reason });
    if (!budget.take(nodeId, now().getTime())) return;
    const step = `secrets-refused:${taskId}:${randomId()}`;
    try {
      await decideAndCommit(ctx.deps.store, ctx.informer, (s) => [
        plan("NodeSecretsRefused", "node", nodeId, { nodeId, taskId, reason }, versionOf(s, subjects.event("node", nodeId)), step),
      ], () => ({ actor: { kind: "node", id: nodeId, via: ctx.deps.instanceId }, now: now() }));
    } catch (err) {
      ctx.log.warn("refusal not recorded", { nodeId, taskId, err: errorMessage(err) });
    }
  };
}
