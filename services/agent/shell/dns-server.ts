import dgram from "node:dgram";
import { readFile } from "node:fs/promises";
import dnsPacket from "dns-packet";
import type { NetMapDoc } from "../../../schemas/index.js";
import type { Logger } from "../../shared/telemetry/index.js";
import { answerQuery, DNS_TTL_S } from "../core/dns-answer.js";

/*
 * The node's DNS server (DESIGN §6b): one UDP socket on this node's gateway address of each
 * network it serves, port 53 (Docker's embedded 127.0.0.11 forwards every name it does not know
 * to the container's `HostConfig.Dns` from the container's own address, so the source tells the
 * network). Answers come from the networks' maps; other names are relayed to the node's resolver.
 */

export interface Upstream {
  host: string;
  port: number;
}

export interface DnsServerOptions {
  log: Logger;
  /** The maps the answers come from (current at each question). */
  maps: () => readonly NetMapDoc[];
  /** Resolves once the container at this address has its rules for this VIP. */
  rulesReady?: (clientIp: string, vip: string) => Promise<void>;
  /** Where other names go. Default: the nameservers of the host's /etc/resolv.conf. */
  upstreams?: Upstream[];
  /** Port to serve on. Default 53 (Docker's `Dns` setting has no port). */
  port?: number;
  /** Longest a VIP answer waits for the asker's rules, ms. Default 2000; then it goes anyway. */
  holdMs?: number;
  /** Longest a forwarded question waits for the upstream, ms. Default 2000; then SERVFAIL. */
  forwardTimeoutMs?: number;
  /** Pause between attempts to bind an address not (yet) on this host, ms. Default 500. */
  retryBindMs?: number;
}

const FLAGS = dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE;
const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 } as const;

/** The nameservers in the host's resolv.conf (port 53). */
export async function hostResolvers(path = "/etc/resolv.conf"): Promise<Upstream[]> {
  const text = await readFile(path, "utf8").catch(() => "");
  return text.split("\n").map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1]).filter((h): h is string => !!h && !h.includes(":")).map((host) => ({ host, port: 53 }));
}

export class DnsServer {
  private readonly sockets = new Map<string, dgram.Socket>();
  private wanted = new Set<string>();
  private retry: NodeJS.Timeout | undefined;
  private closed = false;
  private upstreams: Upstream[] | undefined;

  constructor(private readonly o: DnsServerOptions) {
    this.upstreams = o.upstreams;
  }

  /** The addresses actually served now. */
  bound(): string[] {
    return [...this.sockets.keys()].sort();
  }

  /** Serve exactly these addresses: bind the new ones (retried until they exist), close the others. */
  serve(addresses: readonly string[]): void {
    this.wanted = new Set(addresses);
    for (const [addr, sock] of this.sockets) if (!this.wanted.has(addr)) { sock.close(); this.sockets.delete(addr); }
    void this.bindMissing();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
  }

  private async bindMissing(): Promise<void> {
    const missing = [...this.wanted].filter((a) => !this.sockets.has(a));
    const results = await Promise.all(missing.map((a) => this.bindOne(a)));
    if (results.includes(false) && !this.closed) {
      clearTimeout(this.retry);
      this.retry = setTimeout(() => void this.bindMissing(), this.o.retryBindMs ?? 500);
    }
  }

  private bindOne(address: string): Promise<boolean> {
    return new Promise((resolve) => {
      const sock = dgram.createSocket({ type: "udp4" });
      sock.once("error", (err) => {
        sock.close();
        this.o.log.debug("dns bind failed; retrying", { address, error: err.message });
        resolve(false);
      });
      sock.bind({ address, port: this.o.port ?? 53, exclusive: true }, () => {
        if (this.closed || !this.wanted.has(address) || this.sockets.has(address)) { sock.close(); resolve(true); return; }
        sock.removeAllListeners("error");
        sock.on("error", (err) => this.o.log.warn("dns socket error", { address, error: err.message }));
        sock.on("message", (msg, rinfo) => void this.handle(sock, msg, rinfo));
        this.sockets.set(address, sock);
        this.o.log.info("dns serving", { address });
        resolve(true);
      });
    });
  }

  private async handle(sock: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): Promise<void> {
    try {
      const reply = await this.respond(msg, rinfo.address);
      if (reply) sock.send(reply, rinfo.port, rinfo.address);
    } catch (err) {
      this.o.log.warn("dns question failed", { from: rinfo.address, error: err instanceof Error ? err.message : String(err) });
    }
  }

  /** The reply to one question packet (undefined: malformed, dropped as resolvers do). */
  async respond(msg: Buffer, from: string): Promise<Buffer | undefined> {
    let query: dnsPacket.Packet;
    try { query = dnsPacket.decode(msg); } catch { return undefined; }
    const question = query.questions?.[0];
    if (query.type !== "query" || !question) return undefined;
    const decision = answerQuery(this.o.maps(), from, question.name, question.type);
    if (decision.kind === "forward") return this.forward(msg, query);
    if (decision.kind === "nxdomain") return reply(query, RCODE.NXDOMAIN, []);
    if (decision.vip && this.o.rulesReady) await bounded(this.o.rulesReady(from, decision.vip), this.o.holdMs ?? 2000);
    const ips = decision.vip ? decision.ips : shuffle(decision.ips);
    return reply(query, RCODE.NOERROR, ips.map((data) => ({ type: "A" as const, name: question.name, ttl: DNS_TTL_S, data })));
  }

  private async forward(msg: Buffer, query: dnsPacket.Packet): Promise<Buffer> {
    this.upstreams ??= await hostResolvers();
    for (const up of this.upstreams) {
      const answer = await exchange(msg, up, this.o.forwardTimeoutMs ?? 2000).catch(() => undefined);
      if (answer) return answer;
    }
    return reply(query, RCODE.SERVFAIL, []);
  }
}

function reply(query: dnsPacket.Packet, rcode: number, answers: dnsPacket.Answer[]): Buffer {
  return dnsPacket.encode({
    type: "response", id: query.id ?? 0, flags: FLAGS | dnsPacket.AUTHORITATIVE_ANSWER | rcode,
    questions: query.questions ?? [], answers,
  });
}

/** One UDP question to an upstream; resolves with its raw answer (same id: relayed as is). */
function exchange(msg: Buffer, up: Upstream, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket("udp4");
    const done = (err?: Error, data?: Buffer) => { clearTimeout(timer); sock.close(); if (data) resolve(data); else reject(err ?? new Error("no answer")); };
    const timer = setTimeout(() => done(new Error(`no answer from ${up.host}:${up.port} in ${timeoutMs} ms`)), timeoutMs);
    sock.on("error", (err) => done(err));
    sock.on("message", (data) => done(undefined, data));
    sock.send(msg, up.port, up.host);
  });
}

function bounded(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<void>((r) => { timer = setTimeout(r, ms); })]).finally(() => clearTimeout(timer));
}

/** dnsrr answers in random order (the resolver's round robin, as Docker's DNS does). */
function shuffle(ips: string[]): string[] {
  const a = [...ips];
  for (let i = a.length - 1; i > 0; i--) { const j = Math.floor(Math.random() * (i + 1)); [a[i], a[j]] = [a[j]!, a[i]!]; }
  return a;
}
