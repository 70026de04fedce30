/*
 * IPv4 arithmetic for the allocator (pure). Addresses are unsigned 32-bit numbers inside the core;
 * strings only at the edges (events, maps).
 */

export interface Cidr {
  /** The network address (host bits zero). */
  base: number;
  /** Prefix length, 0–32. */
  bits: number;
}

/** `10.0.1.5` → number; throws a RangeError naming the text when it is not a dotted IPv4 address. */
export function parseIp(s: string): number {
  const parts = s.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) throw new RangeError(`invalid IPv4 address: ${s}`);
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export function formatIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** `10.0.1.0/24` → Cidr; host bits set (`10.0.1.7/24`) are refused: a subnet is named by its base. */
export function parseCidr(s: string): Cidr {
  const [ip, len, extra] = s.split("/");
  if (ip === undefined || len === undefined || extra !== undefined || !/^\d{1,2}$/.test(len) || Number(len) > 32) {
    throw new RangeError(`invalid subnet: ${s} (expected a.b.c.d/len)`);
  }
  const bits = Number(len);
  const base = parseIp(ip);
  if ((base & ~maskOf(bits)) >>> 0 !== 0) throw new RangeError(`invalid subnet: ${s} (host bits set)`);
  return { base, bits };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.base)}/${c.bits}`;
}

export function maskOf(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

export function sizeOf(c: Cidr): number {
  return 2 ** (32 - c.bits);
}

export function contains(c: Cidr, ip: number): boolean {
  return ip >= c.base && ip < c.base + sizeOf(c);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + sizeOf(b) && b.base < a.base + sizeOf(a);
}

/** `10.0.1.5/24` → its address part as a number (the prefix says which subnet it was given on). */
export function addressOf(withPrefix: string): number {
  return parseIp(withPrefix.split("/")[0] ?? "");
}
