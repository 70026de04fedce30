/** IPv4 helpers for the service-networking core (pure). */

/** The address part of `10.0.1.5/24` (or the address itself). */
export function ipOf(address: string): string {
  return address.split("/")[0] ?? address;
}

/** The address as a 32-bit number; NaN when it is not dotted-quad IPv4. */
export function ipToNumber(ip: string): number {
  const parts = ip.split(".");
  if (parts.length !== 4) return NaN;
  let n = 0;
  for (const p of parts) {
    const b = Number(p);
    if (!/^\d{1,3}$/.test(p) || b > 255) return NaN;
    n = n * 256 + b;
  }
  return n;
}

/** Whether `ip` lies in `cidr` (`10.0.1.0/24`). */
export function inSubnet(ip: string, cidr: string): boolean {
  const [base, lenText] = cidr.split("/");
  const len = Number(lenText ?? "32");
  const a = ipToNumber(ip);
  const b = ipToNumber(base ?? "");
  if (Number.isNaN(a) || Number.isNaN(b) || !(len >= 0 && len <= 32)) return false;
  const size = 2 ** (32 - len);
  return Math.floor(a / size) === Math.floor(b / size);
}
