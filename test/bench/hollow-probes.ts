/*
 * Measurements for the hollow-node scale benchmark: per-process CPU and peak memory from /proc,
 * request latency percentiles, and event rates replayed from the EVENTS stream (by the stream's
 * own timestamps, so the replay can run after the run and cost it nothing).
 */
import { appendFileSync, readFileSync } from "node:fs";
import { DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Envelope } from "../../schemas/index.js";
import { membersOf } from "../../services/shared/model/index.js";
import { STREAMS } from "../../schemas/index.js";

const CLK_TCK = 100; // USER_HZ on Linux

/** utime + stime of a process, in seconds; undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / CLK_TCK; // fields 14 and 15 of stat
  } catch {
    return undefined;
  }
}

/** VmHWM (peak RSS) and VmRSS of a process, in MiB. */
export function memoryMiB(pid: number): { peak: number; rss: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(s)?.[1] ?? 0);
    return { peak: kb("VmHWM") / 1024, rss: kb("VmRSS") / 1024 };
  } catch {
    return undefined;
  }
}

export interface CpuReport { name: string; pid: number; avgPct: number; maxPct: number; cpuS: number }

/** Samples CPU of named processes every `ms`; `report()` gives average and busiest interval. */
export class CpuSampler {
  private readonly first = new Map<string, number>();
  private readonly last = new Map<string, number>();
  private readonly max = new Map<string, number>();
  private readonly lastPct = new Map<string, number>();
  private readonly t0 = performance.now();
  private tLast = this.t0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pids: () => Map<string, number>, ms = 1000) {
    for (const [name, pid] of pids()) this.first.set(name, cpuSeconds(pid) ?? 0);
    for (const [k, v] of this.first) this.last.set(k, v);
    this.timer = setInterval(() => this.sample(), ms);
  }

  private sample(): void {
    const now = performance.now();
    const dt = (now - this.tLast) / 1000;
    this.tLast = now;
    for (const [name, pid] of this.pids()) {
      const c = cpuSeconds(pid);
      if (c === undefined) continue;
      const prev = this.last.get(name) ?? c;
      const pct = ((c - prev) / dt) * 100;
      this.lastPct.set(name, pct);
      this.max.set(name, Math.max(this.max.get(name) ?? 0, pct));
      this.last.set(name, c);
    }
  }

  /** CPU % of each process over the last interval, e.g. `api 12% scheduler 80%`. */
  current(): string {
    return [...this.lastPct].map(([n, p]) => `${n.split(" ")[0]} ${p.toFixed(0)}%`).join(" ");
  }

  report(): CpuReport[] {
    clearInterval(this.timer);
    this.sample();
    const secs = (this.tLast - this.t0) / 1000;
    return [...this.pids()].map(([name, pid]) => {
      const cpuS = (this.last.get(name) ?? 0) - (this.first.get(name) ?? 0);
      return { name, pid, cpuS, avgPct: (cpuS / secs) * 100, maxPct: this.max.get(name) ?? 0 };
    });
  }
}

/** A positive number from the environment variable `k` (default `d`); anything else stops the benchmark naming it. */
export function env(k: string, d: number): number {
  const v = Number(process.env[k] ?? d);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${k}: must be a positive number (got ${process.env[k]})`);
  return v;
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

/** Times one GET; returns the parsed body and the latency in ms. */
export async function timedGet<T>(url: string): Promise<{ body: T; ms: number }> {
  const t = performance.now();
  const res = await fetch(url);
  const text = await res.text();
  const ms = performance.now() - t;
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${text.slice(0, 200)}`);
  return { body: JSON.parse(text) as T, ms };
}

export interface EventRate {
  type: string;
  count: number;
  /** Stream timestamps of the first and last such event, ms since the epoch. */
  firstMs: number;
  lastMs: number;
  /** count over first→last. */
  perSecond: number;
  /** Most such events in any one wall-clock second. */
  peakPerSecond: number;
}

const KINDS = [
  "TaskCreated", "TaskAssigned", "TaskUnschedulable", "TaskStatusChanged", "running", "NodeDown",
  "TasksCreated", "TasksAssigned", "TaskStatusesChanged",
] as const;

/**
 * The kinds one raw event counts as: `running` = a TaskStatusChanged to state running,
 * `NodeDown` = a NodeStatusChanged to state down (a missed heartbeat deadline). A batch counts as
 * itself (one stored message) and as each of its members.
 */
function classify(text: string): string[] {
  const type = /"type":"(\w+)"/.exec(text)?.[1];
  if (!type) return [];
  if (type === "TasksCreated" || type === "TasksAssigned" || type === "TaskStatusesChanged") {
    const kinds: string[] = [type];
    for (const m of membersOf(JSON.parse(text) as Envelope)) kinds.push(...classify(JSON.stringify(m)));
    return kinds;
  }
  if (type === "TaskStatusChanged" && text.includes('"state":"running"')) return [type, "running"];
  if (type === "NodeStatusChanged" && text.includes('"state":"down"')) return ["NodeDown"];
  return [type];
}

/**
 * Replays `swarm.evt.>` from `fromSeq` to the stream's current end with an ordered consumer
 * and returns, for each task event kind (and node-down), its count and rates by the stream's timestamps.
 */
export async function replayTaskEvents(nc: NatsConnection, fromSeq: number, limitMs: number): Promise<{ rates: EventRate[]; total: number; complete: boolean }> {
  const jsm = await jetstreamManager(nc);
  const end = (await jsm.streams.info(STREAMS.events)).state.last_seq;
  const buckets = new Map<string, Map<number, number>>(KINDS.map((k) => [k, new Map()]));
  const span = new Map<string, [number, number]>();
  let total = 0;
  let complete = end < fromSeq;
  const stopAt = performance.now() + limitMs;
  if (end >= fromSeq) {
    const consumer = await jetstream(nc).consumers.get(STREAMS.events, {
      deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: fromSeq,
    });
    const messages = await consumer.consume({ max_messages: 10_000 });
    const dump = process.env.BENCH_DUMP; // optional: every replayed event as one JSON line {seq, ms, event}
    let lines: string[] = [];
    for await (const m of messages) {
      total++;
      const text = m.string();
      if (dump) {
        lines.push(`{"seq":${m.seq},"ms":${Math.floor(m.info.timestampNanos / 1e6)},"event":${text}}`);
        if (lines.length >= 5000 || m.seq >= end || m.info.pending === 0) { appendFileSync(dump, lines.join("\n") + "\n"); lines = []; }
      }
      const ms = Math.floor(m.info.timestampNanos / 1e6);
      for (const kind of classify(text)) {
        const b = buckets.get(kind);
        if (!b) continue;
        const sec = Math.floor(ms / 1000);
        b.set(sec, (b.get(sec) ?? 0) + 1);
        const s = span.get(kind);
        span.set(kind, s ? [Math.min(s[0], ms), Math.max(s[1], ms)] : [ms, ms]);
      }
      if (m.seq >= end || m.info.pending === 0) { complete = true; break; }
      if (performance.now() > stopAt) break;
    }
    if (dump && lines.length > 0) appendFileSync(dump, lines.join("\n") + "\n");
    await messages.close();
  }
  const rates = KINDS.map((kind) => {
    const b = buckets.get(kind)!;
    const count = [...b.values()].reduce((a, x) => a + x, 0);
    const [firstMs, lastMs] = span.get(kind) ?? [0, 0];
    const dur = Math.max(1, lastMs - firstMs) / 1000;
    return { type: kind, count, firstMs, lastMs, perSecond: count / dur, peakPerSecond: Math.max(0, ...b.values()) };
  });
  return { rates, total, complete };
}

/** Messages waiting in a durable consumer (not yet delivered + delivered but unacked). */
export async function consumerBacklog(nc: NatsConnection, stream: string, durable: string): Promise<number | undefined> {
  try {
    const i = await (await jetstreamManager(nc)).consumers.info(stream, durable);
    return i.num_pending + i.num_ack_pending;
  } catch {
    return undefined;
  }
}
