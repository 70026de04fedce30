import { rendezvousOwner } from "../../shared/ownership/index.js";

/*
 * A node's reports moving between two live dispatcher instances (a scale-up, DESIGN §5). The old
 * owner may still be appending a batch it took before it saw the change — under load a report
 * commit takes up to ~2 s — and the new owner, deciding the node's next report meanwhile, would
 * record a later step before it: the fold ignores the stale one, but the log would hold a step
 * that moves backwards (`swarm audit verify` names it). So the new owner leaves such a node's
 * reports queued for a grace period first. A node taken from an instance that has left (crashed:
 * its record expired; stopped: it drained first) has nobody writing for it and waits for nothing.
 */

/** How long the new owner of a node taken from a live instance leaves its reports queued, ms. */
export const HANDOVER_GRACE_MS = 3000;

/**
 * The nodes `self` gains in a membership change from an instance that is still live. An instance
 * that is not yet a member itself (`before` empty: it has just started) gains a node from whoever
 * owns it among the others.
 */
export function gainedFromLive(nodeIds: Iterable<string>, before: readonly string[], after: readonly string[], self: string): string[] {
  const prior = before.length > 0 ? before : after.filter((m) => m !== self);
  const out: string[] = [];
  for (const id of nodeIds) {
    if (rendezvousOwner(id, after) !== self) continue;
    const was = rendezvousOwner(id, prior);
    if (was !== undefined && was !== self && after.includes(was)) out.push(id);
  }
  return out;
}
