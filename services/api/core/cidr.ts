/*
 * IPv4 addresses and prefixes for the api's checks of network requests (pure: no node:net here).
 * An address is its 32-bit value as a non-negative number.
 */

export interface Cidr { base: number; prefix: number }

const OCTET = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/;

/** `10.0.1.5` → its value; undefined when it is not a dotted-quad IPv4 address. */
export function parseIPv4(s: string): number | undefined {
  const parts = s.split(".");
  if (parts.length !== 4 || !parts.every((p) => OCTET.test(p))) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function formatIPv4(v: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(v / 2 ** s) % 256).join(".");
}

const size = (prefix: number) => 2 ** (32 - prefix);

/** `10.0.1.0/24` → base and prefix; an error text in Go's words when it is not a CIDR. */
export function parseCidr(s: string): Cidr | string {
  const i = s.indexOf("/");
  const base = i < 0 ? undefined : parseIPv4(s.slice(0, i));
  const p = s.slice(i + 1);
  if (base === undefined || !/^(3[0-2]|[12]?[0-9])$/.test(p)) return `invalid CIDR address: ${s}`;
  return { base, prefix: Number(p) };
}

/** The network address of a prefix (host bits cleared). */
export function networkOf(c: Cidr): number {
  return c.base - (c.base % size(c.prefix));
}

export function formatCidr(c: Cidr): string {
  return `${formatIPv4(c.base)}/${c.prefix}`;
}

export function containsAddress(c: Cidr, ip: number): boolean {
  const start = networkOf(c);
  return ip >= start && ip < start + size(c.prefix);
}

/** `inner` lies wholly inside `outer`. */
export function containsCidr(outer: Cidr, inner: Cidr): boolean {
  return inner.prefix >= outer.prefix && containsAddress(outer, networkOf(inner));
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return containsCidr(a, b) || containsCidr(b, a);
}
