import { contains, formatIp, formatCidr, sizeOf, type Cidr } from "./ip.js";

/** Swarm's words when a network has no address left (shown in `service ps`). */
export const NO_ADDRESS = "no available IP addresses";

/** A pool that cannot give what was asked (addresses, subnets, VNIs, ports): nothing is given instead. */
export class ExhaustedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExhaustedError";
  }
}

/**
 * Addresses kept out of the allocator's hands at the start of a subnet: the network address, the
 * nominal gateway, and room for containers Docker addresses itself on a node (an attachable
 * network's unmanaged containers: the agent gives its Docker network this block as `--ip-range`).
 * 16 on a /24 or larger subnet; on a smaller one an eighth of it, at least 2.
 */
export function reserveOf(subnet: Cidr): number {
  return subnet.bits <= 24 ? 16 : Math.max(2, sizeOf(subnet) / 8);
}

/** The reserve as a CIDR block (`10.0.1.0/28` on `10.0.1.0/24`): the Docker network's `--ip-range`. */
export function reservedRange(subnet: Cidr): string {
  return formatCidr({ base: subnet.base, bits: 32 - Math.log2(reserveOf(subnet)) });
}

/**
 * One network's addresses (pure, rebuilt from the projection each pass): what is in use, what was
 * freed too recently to be given again (quarantine, in event time), and first-fit allocation from
 * the allocatable span — after the reserve, before the broadcast address, within the user's
 * `IPRange` when there is one. Within one pass allocation continues where the last one stopped.
 */
export class AddressSpace {
  private readonly used = new Set<number>();
  /** Address → until when (ms) it may not be given. */
  private readonly held = new Map<number, number>();
  private readonly first: number;
  private readonly last: number;
  private cursor: number;

  constructor(readonly name: string, readonly subnet: Cidr, range?: Cidr) {
    const lo = subnet.base + reserveOf(subnet);
    const hi = subnet.base + sizeOf(subnet) - 2;
    this.first = range ? Math.max(lo, range.base) : lo;
    this.last = range ? Math.min(hi, range.base + sizeOf(range) - 1) : hi;
    this.cursor = this.first;
  }

  /** How many addresses this space can give at most. */
  get capacity(): number {
    return Math.max(0, this.last - this.first + 1);
  }

  /** Records an address as in use (anywhere in the subnet: the nominal gateway sits in the reserve). */
  mark(ip: number): void {
    if (contains(this.subnet, ip)) this.used.add(ip);
  }

  inUse(ip: number): boolean {
    return this.used.has(ip);
  }

  /** Keeps `ip` from being given before `untilMs`. */
  quarantine(ip: number, untilMs: number): void {
    if (this.used.has(ip)) return;
    this.held.set(ip, Math.max(untilMs, this.held.get(ip) ?? 0));
  }

  /** Frees `ip`; it may be given again from `untilMs` on. */
  release(ip: number, untilMs: number): void {
    this.used.delete(ip);
    this.quarantine(ip, untilMs);
  }

  /** The next free address at `nowMs`, marked in use; ExhaustedError when none is left. */
  allocate(nowMs: number): number {
    const n = this.capacity;
    for (let i = 0; i < n; i++) {
      const ip = this.cursor;
      this.cursor = ip >= this.last ? this.first : ip + 1;
      if (this.used.has(ip)) continue;
      const until = this.held.get(ip);
      if (until !== undefined) {
        if (until > nowMs) continue;
        this.held.delete(ip);
      }
      this.used.add(ip);
      return ip;
    }
    throw new ExhaustedError(`${NO_ADDRESS} on network ${this.name} (${formatCidr(this.subnet)}, ${this.used.size} in use, ${this.held.size} waiting after release)`);
  }

  /** `10.0.1.5/24`: an address as events carry it. */
  withPrefix(ip: number): string {
    return `${formatIp(ip)}/${this.subnet.bits}`;
  }
}
