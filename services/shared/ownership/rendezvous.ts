/*
 * Rendezvous (highest-random-weight) hashing, DESIGN §5: the owner of a key is the member with
 * the highest weight(key, member). Every instance computes the same owner from the same member
 * set, without talking to the others; when a member joins it takes only the keys it now wins,
 * when one leaves only its keys move. Pure: no node:crypto, no clock.
 *
 * The hash is part of the protocol between instances: two versions of jetswarm running side by
 * side (a rolling upgrade of the control plane) must agree on it. The unit tests pin values.
 */

/**
 * cyrb53 (bryc, public domain): a fast 53-bit string hash with good avalanche; stable across
 * platforms because it only uses 32-bit integer multiplies and shifts.
 */
export function hash53(s: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** The weight of `member` for `key` (NUL-separated, so "a"+"bc" and "ab"+"c" differ). */
export function rendezvousWeight(key: string, member: string): number {
  return hash53(`${member}\u0000${key}`);
}

/**
 * The member that owns `key`: highest weight, ties to the smaller member id (so the answer never
 * depends on the order of `members`). Undefined when there is no member.
 */
export function rendezvousOwner(key: string, members: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestW = -1;
  for (const m of members) {
    const w = rendezvousWeight(key, m);
    if (w > bestW || (w === bestW && best !== undefined && m < best)) {
      best = m;
      bestW = w;
    }
  }
  return best;
}

/** Keys of `keys` whose owner changes from or to `self` between two member sets. */
export function ownershipChanges(
  keys: Iterable<string>, self: string, before: readonly string[], after: readonly string[],
): { gained: string[]; lost: string[] } {
  const gained: string[] = [];
  const lost: string[] = [];
  for (const k of keys) {
    const was = rendezvousOwner(k, before) === self;
    const is = rendezvousOwner(k, after) === self;
    if (is && !was) gained.push(k);
    if (was && !is) lost.push(k);
  }
  return { gained, lost };
}
