import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { constants as zc, gunzip, gzip } from "node:zlib";
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { z } from "zod";
import { BUCKETS, STREAMS } from "../../../schemas/index.js";
import type { SingularKind } from "../../../schemas/index.js";
import { SLICE_KINDS, type ClusterState } from "../model/index.js";
import { errorMessage } from "../errors/index.js";
import { ensureBucket } from "../nats/index.js";
import type { Logger } from "../telemetry/index.js";
import { SNAPSHOT_FORMAT, SnapshotMeta, parseSnapshotState, toSnapshotState } from "../model/index.js";

/*
 * Snapshots in the KV bucket `swarm-snapshots` (DESIGN §3), chunked. Why KV chunks and not one
 * value or an object store: a KV value is bounded by the server's max payload (1 MB by default)
 * while the state of a large cluster is tens of MB; the nats.js object store (@nats-io/obj) is not
 * a dependency, and chunked KV is what it does underneath anyway. Layout, for projection `cluster`:
 *
 *   cluster                  the manifest: SnapshotMeta + generation, chunk count, size, sha256
 *   cluster.<gen>.<i>        chunk i of the gzipped JSON of that generation
 *
 * A writer puts every chunk first and the manifest last, with a compare-and-set on the manifest's
 * revision: a reader sees a complete generation or the previous one, never a torn one (the sha256
 * over the chunks is checked anyway). The previous generation is kept for a reader in the middle
 * of loading it; older ones (and orphans of a writer killed mid-write) are purged.
 *
 * One shared snapshot per projection, not one per service: every service folds the same log with
 * the same `evolve`, so the bytes would be identical. Any instance may write it when the stored one
 * lags its own projection by enough events; the compare-and-set settles concurrent writers without
 * a lease (a writer that loses simply discards its chunks), and no single writer has to be alive
 * for snapshots to stay fresh. The manifest records the writer instance.
 */

const Manifest = SnapshotMeta.extend({
  gen: z.string().regex(/^[0-9]+-[0-9a-f]+$/),
  chunks: z.number().int().positive(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().length(64),
  encoding: z.literal("gzip"),
});
type Manifest = z.infer<typeof Manifest>;

export interface SnapshotStoreOptions {
  /** The instance writing (recorded in the manifest). */
  writer: string;
  /** Projection name, the manifest's key. Default `cluster`. */
  projection?: string;
  /** Largest chunk, bytes. Default 512 KiB, capped below the server's max payload. */
  chunkBytes?: number;
  replicas?: number;
  log?: Logger;
}

/** A loaded snapshot; `stale`: the slices it could not restore (written by another fold, or not written), to rebuild by replay. */
export interface LoadedSnapshot { state: ClusterState; meta: SnapshotMeta; bytes: number; stale: SingularKind[] }

const run = { gzip: promisify(gzip), gunzip: promisify(gunzip) };
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** What every slice's fold also depends on: the root, the codec root, the catalogue's shapes. */
const COMMON_SOURCES = [
  "../model/cluster-state.js", "../model/slice.js", "../model/snapshot.js",
  "../../../schemas/events/entry.js", "../../../schemas/specs.js", "../../../schemas/primitives.js",
];
/** A slice's own sources beyond `model/<kind>.js` and `schemas/events/<kind>.js`. */
const EXTRA_SOURCES: Partial<Record<SingularKind, string[]>> = {
  task: ["../model/batch-members.js", "../../../schemas/events/batches.js"],
};

/** Slices whose module and schemas are another kind's files (configs live beside secrets). */
const SLICE_FILES: Partial<Record<SingularKind, string>> = { config: "secret" };

let prints: Record<SingularKind, string> | undefined;
/**
 * Fingerprint of each slice's fold: the compiled text of its slice module and its aggregate's
 * event schemas, plus what every slice depends on (COMMON_SOURCES). Any change to them (even a
 * comment) makes that slice of older snapshots unusable — it is rebuilt by replay after an
 * upgrade, never restored as folded by other code — while the other slices are still used.
 */
export function sliceFingerprints(): Record<SingularKind, string> {
  if (prints) return prints;
  const common = createHash("sha256");
  for (const rel of COMMON_SOURCES) common.update(readFileSync(new URL(rel, import.meta.url)));
  const base = common.digest("hex");
  const out = {} as Record<SingularKind, string>;
  for (const k of SLICE_KINDS) {
    const h = createHash("sha256").update(base);
    const file = SLICE_FILES[k] ?? k;
    for (const rel of [`../model/${file}.js`, `../../../schemas/events/${file}.js`, ...(EXTRA_SOURCES[k] ?? [])]) h.update(readFileSync(new URL(rel, import.meta.url)));
    out[k] = h.digest("hex").slice(0, 16);
  }
  return (prints = out);
}

/** The slices of `kinds` a manifest's fingerprints let this build use. */
function usableSlices(m: { slices: Record<string, string> }, kinds: readonly SingularKind[]): SingularKind[] {
  const fp = sliceFingerprints();
  return kinds.filter((k) => m.slices[k] === fp[k]);
}

export class SnapshotStore {
  private readonly projection: string;
  private readonly chunkBytes: number;

  private constructor(
    private readonly nc: NatsConnection, private readonly kv: KV, private readonly jsm: JetStreamManager,
    private readonly opts: SnapshotStoreOptions,
  ) {
    this.projection = opts.projection ?? "cluster";
    const maxPayload = nc.info?.max_payload ?? 1024 * 1024;
    this.chunkBytes = Math.max(1024, Math.min(opts.chunkBytes ?? 512 * 1024, maxPayload - 4096));
  }

  static async open(nc: NatsConnection, opts: SnapshotStoreOptions): Promise<SnapshotStore> {
    const kv = await ensureBucket(nc, BUCKETS.snapshots, { ttlMs: 0, replicas: opts.replicas });
    return new SnapshotStore(nc, kv, await jetstreamManager(nc), opts);
  }

  /** The stored snapshot's metadata when this process could use all of it (format, and the fold of every slice in `kinds`). */
  async latest(kinds: readonly SingularKind[] = SLICE_KINDS): Promise<(Manifest & { revision: number }) | undefined> {
    const e = await this.kv.get(this.projection);
    if (!e || e.operation !== "PUT") return undefined;
    const m = this.parseManifest(e.string());
    return m.ok && usableSlices(m.manifest, kinds).length === kinds.length ? { ...m.manifest, revision: e.revision } : undefined;
  }

  /**
   * The latest usable snapshot, or undefined — never a throw: a snapshot that is missing, of
   * another format or fold, of another log, incomplete or corrupt is a cache miss (logged why).
   */
  async load(kinds: readonly SingularKind[] = SLICE_KINDS): Promise<LoadedSnapshot | undefined> {
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const r = await this.tryLoad(kinds);
        if (r.ok) return r.snapshot;
        if (r.retry && attempt === 0) continue; // the manifest moved on while we read: once more
        this.opts.log?.[r.quiet ? "debug" : "warn"]("snapshot ignored: replaying the log", { projection: this.projection, why: r.why });
        return undefined;
      }
    } catch (err) {
      this.opts.log?.warn("snapshot ignored: replaying the log", { projection: this.projection, why: errorMessage(err) });
    }
    return undefined;
  }

  /**
   * Writes `state` as the new snapshot unless the stored one is already at least as far. The cut
   * (arrays of the state's entries) is taken synchronously after the manifest is read: one
   * consistent cut at `state.seq`; it is then turned into text in slices (see `stringifySliced`).
   * `source` is read at that moment: the state, the id of the event at its `seq`, and the slices
   * it folds (default all; only those are written). Resolves with the manifest written, or
   * undefined when another writer's snapshot won or the stored one is as far and as usable.
   */
  async save(source: () => { state: ClusterState; lastEventId: string; slices?: readonly SingularKind[] }, at: Date = new Date()): Promise<SnapshotMeta | undefined> {
    const current = await this.kv.get(this.projection);
    const cur = current?.operation === "PUT" ? this.parseManifest(current.string()) : undefined;
    const { state, lastEventId, slices = SLICE_KINDS } = source();
    if (cur?.ok && cur.manifest.seq >= state.seq && usableSlices(cur.manifest, slices).length === slices.length) return undefined;
    const cut = toSnapshotState(state, slices);
    const seq = state.seq;
    const json = await stringifySliced(cut);
    const body = await run.gzip(json, { level: zc.Z_BEST_SPEED });
    const gen = `${seq}-${randomBytes(4).toString("hex")}`;
    const chunks = Math.max(1, Math.ceil(body.length / this.chunkBytes));
    for (let i = 0; i < chunks; i++) {
      await this.kv.put(`${this.projection}.${gen}.${i}`, body.subarray(i * this.chunkBytes, (i + 1) * this.chunkBytes));
    }
    const manifest: Manifest = {
      format: SNAPSHOT_FORMAT, projection: this.projection, slices: Object.fromEntries(slices.map((k) => [k, sliceFingerprints()[k]])), seq, lastEventId,
      writer: this.opts.writer, at: at.toISOString(), gen, chunks, bytes: body.length, sha256: sha256(body), encoding: "gzip",
    };
    try {
      if (current) await this.kv.update(this.projection, JSON.stringify(manifest), current.revision);
      else await this.kv.create(this.projection, JSON.stringify(manifest));
    } catch (err) {
      this.opts.log?.debug("snapshot not written: another writer's won", { seq, err: errorMessage(err) });
      await this.purgeGen(gen);
      return undefined;
    }
    await this.purgeOld([gen, ...(cur?.ok ? [cur.manifest.gen] : [])]);
    return manifest;
  }

  private parseManifest(text: string): { ok: true; manifest: Manifest } | { ok: false; why: string } {
    let json: unknown;
    try { json = JSON.parse(text); } catch { return { ok: false, why: "manifest is not JSON" }; }
    const r = Manifest.safeParse(json);
    if (!r.success) return { ok: false, why: `manifest does not parse (format ${String((json as { format?: unknown })?.format)}; this build reads ${SNAPSHOT_FORMAT})` };
    if (r.data.projection !== this.projection) return { ok: false, why: `manifest is of projection ${r.data.projection}` };
    return { ok: true, manifest: r.data };
  }

  private async tryLoad(kinds: readonly SingularKind[]): Promise<{ ok: true; snapshot: LoadedSnapshot } | { ok: false; why: string; retry?: boolean; quiet?: boolean }> {
    const e = await this.kv.get(this.projection);
    if (!e || e.operation !== "PUT") return { ok: false, why: "no snapshot", quiet: true };
    const pm = this.parseManifest(e.string());
    if (!pm.ok) return pm;
    const m = pm.manifest;
    const usable = usableSlices(m, kinds);
    if (usable.length === 0) return { ok: false, why: `no slice of it is of this build's fold (stored ${JSON.stringify(m.slices)}; this build ${JSON.stringify(sliceFingerprints())})` };
    const atSeq = await this.jsm.streams.getMessage(STREAMS.events, { seq: m.seq }).catch(() => null);
    let id: unknown;
    try { id = (atSeq?.json() as { id?: unknown } | undefined)?.id; } catch { id = undefined; }
    if (id !== m.lastEventId) return { ok: false, why: `the log's event at ${m.seq} is not the snapshot's (another log?)` };
    const parts: Uint8Array[] = [];
    for (let i = 0; i < m.chunks; i++) {
      const c = await this.kv.get(`${this.projection}.${m.gen}.${i}`);
      if (!c || c.operation !== "PUT") return { ok: false, why: `chunk ${i} of ${m.gen} is missing`, retry: true };
      parts.push(c.value);
    }
    const body = Buffer.concat(parts);
    if (body.length !== m.bytes || sha256(body) !== m.sha256) return { ok: false, why: `generation ${m.gen} fails its checksum`, retry: true };
    let json: unknown;
    try { json = JSON.parse((await run.gunzip(body)).toString("utf8")); } catch (err) { return { ok: false, why: `generation ${m.gen} does not decode: ${errorMessage(err)}` }; }
    const state = parseSnapshotState(json, usable);
    if (!state) return { ok: false, why: `generation ${m.gen}: state does not parse` };
    if (state.seq !== m.seq) return { ok: false, why: `generation ${m.gen} holds seq ${state.seq}, manifest says ${m.seq}` };
    return { ok: true, snapshot: { state, meta: m, bytes: m.bytes, stale: kinds.filter((k) => !usable.includes(k)) } };
  }

  private async purgeGen(gen: string): Promise<void> {
    await this.jsm.streams.purge(`KV_${BUCKETS.snapshots}`, { filter: `$KV.${BUCKETS.snapshots}.${this.projection}.${gen}.>` })
      .catch((err) => this.opts.log?.debug("snapshot purge failed", { gen, err: errorMessage(err) }));
  }

  /** Purges every generation but `keep` (the new one and the one it replaced). */
  private async purgeOld(keep: string[]): Promise<void> {
    const gens = new Set<string>();
    for await (const k of await this.kv.keys(`${this.projection}.>`)) gens.add(k.split(".")[1]!);
    for (const g of gens) if (!keep.includes(g)) await this.purgeGen(g);
  }
}

/**
 * JSON.stringify of a cut, a slice of each array at a time with the event loop let go in between,
 * so a large state does not stall the service (100k tasks: ~1 s of text). Sound because the fold
 * replaces entity objects and never mutates them (cluster-state.ts): the objects the cut refers to
 * do not change while it is written, and its arrays and tuples are its own copies.
 */
export async function stringifySliced(cut: object, slice = 2000): Promise<string> {
  const parts: string[] = [];
  let sep = "{";
  for (const [k, v] of Object.entries(cut)) {
    if (v === undefined) continue;
    parts.push(`${sep}${JSON.stringify(k)}:`);
    sep = ",";
    if (!Array.isArray(v) || v.length <= slice) { parts.push(JSON.stringify(v)); continue; }
    for (let i = 0; i < v.length; i += slice) {
      parts.push((i === 0 ? "[" : ",") + JSON.stringify(v.slice(i, i + slice)).slice(1, -1));
      await new Promise((r) => setImmediate(r));
    }
    parts.push("]");
  }
  parts.push(sep === "{" ? "{}" : "}");
  return parts.join("");
}

/** Removes every snapshot of every projection: the next start replays the whole log. */
export async function deleteAllSnapshots(nc: NatsConnection): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.purge(`KV_${BUCKETS.snapshots}`).catch((err) => {
    if (!/stream not found/i.test(errorMessage(err))) throw err;
  });
}
