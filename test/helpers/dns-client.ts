import { execFile } from "node:child_process";
import { promisify } from "node:util";

/*
 * A small DNS client run as a child process (`node -e`), optionally inside a network namespace
 * (nsenter), for questions busybox's nslookup cannot ask: over TCP, several on one connection, and
 * with the TC bit visible. A, one question per name; answers in the order asked.
 */

const run = promisify(execFile);

export interface DnsResult {
  rcode: string;
  /** The TC bit: the UDP answer was truncated. */
  tc: boolean;
  /** The A records, sorted. */
  ips: string[];
}

const CODE = `
const dgram = require("node:dgram"); const net = require("node:net"); const dns = require("dns-packet");
const [proto, server, port, ...names] = process.argv.slice(1);
const q = (i) => dns.encode({ type: "query", id: i + 1, flags: dns.RECURSION_DESIRED, questions: [{ type: "A", name: names[i] }] });
const res = [];
const take = (p) => { res[p.id - 1] = { rcode: p.rcode, tc: (p.flags & dns.TRUNCATED_RESPONSE) !== 0, ips: p.answers.filter((a) => a.type === "A").map((a) => a.data).sort() };
  if (res.filter(Boolean).length === names.length) { console.log(JSON.stringify(res)); process.exit(0); } };
setTimeout(() => { console.error("no answer in 8 s"); process.exit(1); }, 8000);
if (proto === "udp") {
  const s = dgram.createSocket("udp4"); s.on("message", (m) => take(dns.decode(m)));
  names.forEach((_, i) => s.send(q(i), Number(port), server));
} else {
  const s = net.connect(Number(port), server, () => names.forEach((_, i) => { const m = q(i); const l = Buffer.alloc(2); l.writeUInt16BE(m.length); s.write(Buffer.concat([l, m])); }));
  let buf = Buffer.alloc(0);
  s.on("data", (d) => { buf = Buffer.concat([buf, d]);
    while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) { const n = buf.readUInt16BE(0); take(dns.decode(buf.subarray(2, 2 + n))); buf = buf.subarray(2 + n); } });
  s.on("error", (e) => { console.error(e.message); process.exit(1); });
}
`;

/** Asks `names` (A) of `server:port` over `proto`, from the namespace at `netns` (default: this one). */
export async function dnsQuery(o: { proto: "udp" | "tcp"; server: string; port?: number; names: string[]; netns?: string }): Promise<DnsResult[]> {
  const args = [process.execPath, "-e", CODE, o.proto, o.server, String(o.port ?? 53), ...o.names];
  const [cmd, ...rest] = o.netns ? ["nsenter", `--net=${o.netns}`, ...args] : args;
  // dns-packet is resolved from the repository's node_modules (the working directory of the run).
  const r = await run(cmd!, rest, { cwd: process.cwd() });
  return JSON.parse(r.stdout) as DnsResult[];
}
