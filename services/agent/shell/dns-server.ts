import { readFile } from "node:fs/promises";
import type dgram from "node:dgram";
import type net from "node:net";
import dnsPacket from "dns-packet";
import type { NetMapDoc } from "../../../schemas/index.js";
import type { Logger } from "../../shared/telemetry/index.js";
import { answerQuery, DNS_TTL_S } from "../core/dns-answer.js";
import { exchangeTcp, exchangeUdp, serveTcpConnection, UDP_MAX, type Upstream } from "./dns-transport.js";
import { localSockets, type SocketOpener } from "./ns-sockets.js";

/*
 * The node's DNS server (DESIGN §6b): on this node's gateway address of each network it serves,
 * port 53, UDP and TCP (Docker's embedded 127.0.0.11 forwards every name it does not know to the
 * container's `HostConfig.Dns` from the container's own address, so the source tells the
 * network; a truncated UDP answer makes the asker retry over TCP). Answers come from the
 * networks' maps; other names are relayed to the node's resolver. The sockets are opened in the
 * node's network namespace (`sockets`), where the gateway addresses are.
 */

export type { Upstream } from "./dns-transport.js";

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
  /** Where the listening sockets are opened. Default: this process's network namespace. */
  sockets?: SocketOpener;
  /** The resolv.conf whose nameservers get other names (when `upstreams` is not given). Default /etc/resolv.conf. */
  resolvConf?: string;
}

interface Listener {
  udp: dgram.Socket;
  tcp: net.Server;
}

const FLAGS = dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE;
const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 } as const;

/** The nameservers in the host's resolv.conf (port 53). */
export async function hostResolvers(path = "/etc/resolv.conf"): Promise<Upstream[]> {
  const text = await readFile(path, "utf8").catch(() => "");
  return text.split("\n").map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1]).filter((h): h is string => !!h && !h.includes(":")).map((host) => ({ host, port: 53 }));
}

export class DnsServer {
  private readonly sockets = new Map<string, Listener>();
  private readonly failing = new Set<string>();
  /** Addresses being bound now: a pass that comes meanwhile must not bind them a second time. */
  private readonly binding = new Set<string>();
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
    for (const [addr, l] of this.sockets) if (!this.wanted.has(addr)) { closeListener(l); this.sockets.delete(addr); }
    void this.bindMissing();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
    for (const l of this.sockets.values()) closeListener(l);
    this.sockets.clear();
  }

  private async bindMissing(): Promise<void> {
    const missing = [...this.wanted].filter((a) => !this.sockets.has(a) && !this.binding.has(a));
    const results = await Promise.all(missing.map((a) => this.bindOne(a)));
    if (results.includes(false) && !this.closed) {
      clearTimeout(this.retry);
      this.retry = setTimeout(() => void this.bindMissing(), this.o.retryBindMs ?? 500);
    }
  }

  /** Opens UDP and TCP on `address:53`; false (retried later) while the address is not there. */
  private async bindOne(address: string): Promise<boolean> {
    this.binding.add(address);
    try {
      return await this.open(address);
    } finally {
      this.binding.delete(address);
    }
  }

  private async open(address: string): Promise<boolean> {
    const opener = this.o.sockets ?? localSockets;
    const port = this.o.port ?? 53;
    const [udp, tcp] = await Promise.allSettled([opener.udp(address, port), opener.tcp(address, port)]);
    if (udp.status === "rejected" || tcp.status === "rejected") {
      if (udp.status === "fulfilled") udp.value.close();
      if (tcp.status === "fulfilled") tcp.value.close();
      this.bindFailed(address, ((udp.status === "rejected" ? udp.reason : (tcp as PromiseRejectedResult).reason) as Error).message);
      return false;
    }
    const l = { udp: udp.value, tcp: tcp.value };
    if (this.closed || !this.wanted.has(address) || this.sockets.has(address)) { closeListener(l); return true; }
    const onError = (err: Error) => this.o.log.warn("dns socket error", { address, error: err.message });
    l.udp.on("error", onError);
    l.udp.on("message", (msg, rinfo) => void this.handleUdp(l.udp, msg, rinfo));
    l.tcp.on("error", onError);
    l.tcp.on("connection", (sock: net.Socket) => serveTcpConnection(sock, (msg) => this.respond(msg, sock.remoteAddress?.replace(/^::ffff:/, "") ?? "", "tcp"), (err) => this.o.log.debug("dns tcp connection failed", { address, error: err.message })));
    this.sockets.set(address, l);
    this.failing.delete(address);
    this.o.log.info("dns serving", { address, port });
    return true;
  }

  /**
   * A missing address is normal for a moment (the bridge is being made); anything else (the port
   * taken, no such namespace) would leave the network without names: said once, loudly.
   */
  private bindFailed(address: string, error: string): void {
    if (/EADDRNOTAVAIL/.test(error) || this.failing.has(address)) { this.o.log.debug("dns bind failed; retrying", { address, error }); return; }
    this.failing.add(address);
    this.o.log.warn("dns cannot serve this address yet; retrying", { address, error });
  }

  private async handleUdp(sock: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): Promise<void> {
    try {
      const reply = await this.respond(msg, rinfo.address, "udp");
      if (reply) sock.send(reply.length > UDP_MAX ? truncated(reply) : reply, rinfo.port, rinfo.address);
    } catch (err) {
      this.o.log.warn("dns question failed", { from: rinfo.address, error: err instanceof Error ? err.message : String(err) });
    }
  }

  /** The reply to one question packet (undefined: malformed, dropped as resolvers do). */
  async respond(msg: Buffer, from: string, transport: "udp" | "tcp" = "udp"): Promise<Buffer | undefined> {
    let query: dnsPacket.Packet;
    try { query = dnsPacket.decode(msg); } catch { return undefined; }
    const question = query.questions?.[0];
    if (query.type !== "query" || !question) return undefined;
    const decision = answerQuery(this.o.maps(), from, question.name, question.type);
    if (decision.kind === "forward") return this.forward(msg, query, transport);
    if (decision.kind === "nxdomain") return reply(query, RCODE.NXDOMAIN, []);
    if (decision.vip && this.o.rulesReady) await bounded(this.o.rulesReady(from, decision.vip), this.o.holdMs ?? 2000);
    const ips = decision.vip ? decision.ips : shuffle(decision.ips);
    return reply(query, RCODE.NOERROR, ips.map((data) => ({ type: "A" as const, name: question.name, ttl: DNS_TTL_S, data })));
  }

  private async forward(msg: Buffer, query: dnsPacket.Packet, transport: "udp" | "tcp"): Promise<Buffer> {
    this.upstreams ??= await hostResolvers(this.o.resolvConf);
    const exchange = transport === "tcp" ? exchangeTcp : exchangeUdp;
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

/**
 * The answer cut to its header and question with TC set (RFC 2181 §9: no partial RRsets), so the
 * asker asks again over TCP. A relayed upstream answer is cut the same way if it is too long.
 */
function truncated(answer: Buffer): Buffer {
  const p = dnsPacket.decode(answer);
  return dnsPacket.encode({ type: "response", id: p.id ?? 0, flags: (p.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE, questions: p.questions ?? [], answers: [] });
}

function closeListener(l: Listener): void {
  l.udp.close();
  l.tcp.close();
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
