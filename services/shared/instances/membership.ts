import { hostname } from "node:os";
import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { z } from "zod";
import { BUCKETS, type ControlPlaneService } from "../../../schemas/index.js";
import { errorMessage } from "../errors/index.js";
import { ensureBucket } from "../nats/index.js";
import type { Logger } from "../telemetry/index.js";

/** One control-plane process, as it heartbeats itself in KV `swarm-members` (DESIGN §5). */
export const MemberRecord = z.object({
  service: z.string().min(1),
  instanceId: z.string().min(1),
  node: z.string(),
  pid: z.number().int(),
  /** ISO time the process started its membership. */
  startedAt: z.string(),
  /**
   * `active`/`standby` for lease holders, `partitions` for partitioned services (with `owns`),
   * `all` for services where every instance works.
   */
  role: z.string(),
  /** Partitioned services: how many keys this instance owns, and what they are (`services`, `nodes`). */
  owns: z.object({ count: z.number().int().nonnegative(), kind: z.string() }).optional(),
  /** The last sequence its projection applied, when it has one. */
  seq: z.number().int().nonnegative().optional(),
});
export type MemberRecord = z.infer<typeof MemberRecord>;

/** What a service tells membership about itself at each heartbeat. */
export interface MemberStatus { role?: string; seq?: number; owns?: { count: number; kind: string } }

export const MEMBERSHIP_DEFAULTS = { ttlMs: 6000, renewMs: 2000 } as const;

export interface MembershipOptions {
  /** One of the roster's services (schemas/roster.ts). */
  service: ControlPlaneService;
  instanceId: string;
  /** Read at each heartbeat; may return undefined while the service is still starting. */
  status?: () => MemberStatus | undefined;
  /** Bucket TTL when this call creates the bucket. Default 6000 ms. */
  ttlMs?: number;
  /** Heartbeat period, well inside the TTL. Default 2000 ms. */
  renewMs?: number;
  replicas?: number;
  log?: Logger;
}

export interface Membership {
  /** Puts the record now (the timer does it every `renewMs`). */
  beat(): Promise<void>;
  /** Stops heartbeating and deletes the record (a crashed process's record expires with the TTL). */
  stop(): Promise<void>;
}

/** `<service>.<instanceId>`; characters a KV key part cannot hold become `_` (the record keeps the real names). */
export const memberKey = (service: string, instanceId: string) =>
  [service, instanceId].map(keyPart).join(".");

/** The first part of every key of `service`: watch `<prefix>.>` for its members. */
export const memberKeyPrefix = (service: string) => keyPart(service);

function keyPart(p: string): string {
  return p.replace(/[^A-Za-z0-9_=-]/g, "_");
}

export function openMembersKv(nc: NatsConnection, opts: { ttlMs?: number; replicas?: number } = {}): Promise<KV> {
  return ensureBucket(nc, BUCKETS.members, { ttlMs: opts.ttlMs ?? MEMBERSHIP_DEFAULTS.ttlMs, replicas: opts.replicas });
}

/** Heartbeats `<service>.<instanceId>` until stopped. The first beat is written before this resolves. */
export async function startMembership(nc: NatsConnection, opts: MembershipOptions): Promise<Membership> {
  const kv = await openMembersKv(nc, opts);
  const key = memberKey(opts.service, opts.instanceId);
  const startedAt = new Date().toISOString();
  const node = hostname();
  let stopped = false;
  const beat = async () => {
    if (stopped) return;
    const s = opts.status?.() ?? {};
    const rec: MemberRecord = {
      service: opts.service, instanceId: opts.instanceId, node, pid: process.pid, startedAt,
      role: s.role ?? "all", ...(s.seq === undefined ? {} : { seq: s.seq }), ...(s.owns ? { owns: s.owns } : {}),
    };
    await kv.put(key, JSON.stringify(rec));
  };
  await beat();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    beat().catch((err) => opts.log?.warn("membership heartbeat failed", { err: errorMessage(err) })).finally(() => { busy = false; });
  }, opts.renewMs ?? MEMBERSHIP_DEFAULTS.renewMs);
  timer.unref?.();
  return {
    beat,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await kv.delete(key).catch((err) => opts.log?.debug("membership delete failed", { err: errorMessage(err) }));
    },
  };
}

/** Every live member (records that parse; deleted and expired ones are gone). */
export async function listMembers(nc: NatsConnection): Promise<MemberRecord[]> {
  const kv = await openMembersKv(nc);
  const out: MemberRecord[] = [];
  for await (const key of await kv.keys()) {
    const e = await kv.get(key);
    if (!e || e.operation !== "PUT") continue;
    let json: unknown;
    try { json = JSON.parse(e.string()); } catch { continue; }
    const r = MemberRecord.safeParse(json);
    if (r.success) out.push(r.data);
  }
  return out.sort((a, b) => a.service.localeCompare(b.service) || a.instanceId.localeCompare(b.instanceId));
}
