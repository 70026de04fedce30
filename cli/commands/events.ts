import type { Command } from "commander";
import { z } from "zod";
import { readAnswer } from "../client.js";
import { fetchApi, type ApiTarget } from "../transport.js";
import { clientOf, collect, print } from "./common.js";

/* `swarm events`: the log, one line per event (GET /jetswarm/events). */

export const EventRow = z.object({
  seq: z.number(),
  time: z.string(),
  type: z.string(),
  object: z.object({ kind: z.string(), id: z.string() }),
  actor: z.object({ kind: z.string(), id: z.string(), via: z.string().optional() }),
  summary: z.string(),
});
export type EventRow = z.infer<typeof EventRow>;
export const EventsPage = z.object({ events: z.array(EventRow), head: z.number(), next: z.string().optional() });

const EVENT_FILTER_KEYS = ["type", "service", "node", "actor"];

/** `--filter type=X --filter service=web` → `{type: ["X"], service: ["web"]}`; an unknown key is refused by name. */
export function parseEventFilters(flags: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const f of flags) {
    const i = f.indexOf("=");
    const key = i < 0 ? f : f.slice(0, i);
    if (i < 0 || !f.slice(i + 1)) throw new Error(`--filter: "${f}" is not key=value`);
    if (!EVENT_FILTER_KEYS.includes(key)) throw new Error(`--filter: unknown key "${key}" (expected ${EVENT_FILTER_KEYS.join(", ")})`);
    (out[key] ??= []).push(f.slice(i + 1));
  }
  return out;
}

/** A line: time, type, the summary (which names the object), and who did it. Actor ids of 25 characters are cut to 12. */
export function eventLine(e: EventRow): string {
  const id = /^[a-z0-9]{25}$/.test(e.actor.id) ? e.actor.id.slice(0, 12) : e.actor.id;
  return `${e.time} ${e.type} ${e.summary} by ${e.actor.kind} ${id}`;
}

/** GET a path of the api and parse the answer with `schema`; the api's error message is shown as is. */
export async function apiGet<S extends z.ZodType>(base: string | ApiTarget, path: string, schema: S, method = "GET"): Promise<z.infer<S>> {
  return readAnswer(await fetchApi(base, path, { method }), schema);
}

/** jetswarm's own routes (the log, audit, the control plane) sit under this prefix of the api. */
export const JETSWARM = "jetswarm/";

/** The path of one page of `GET /jetswarm/events`, relative to JETSWARM. */
export function eventsQuery(o: { since?: string; until?: string; filters: Record<string, string[]>; wait?: string }): string {
  const q = new URLSearchParams();
  if (o.since) q.set("since", o.since);
  if (o.until) q.set("until", o.until);
  if (Object.keys(o.filters).length) q.set("filters", JSON.stringify(o.filters));
  if (o.wait) q.set("wait", o.wait);
  const s = q.toString();
  return s ? `events?${s}` : "events";
}

interface EventsFlags { since?: string; until?: string; filter: string[]; follow?: boolean; format?: string }

/** How long one follow request waits for a new event before asking again. */
const FOLLOW_WAIT = "25s";

/**
 * Prints the events page by page; with `follow` (and no `until`), then long-polls the api for new
 * ones (`wait=`), printing each as it is appended, until the process is interrupted.
 * `follow` without `since` starts at the head, as `docker events` does.
 */
export async function streamEvents(base: string | ApiTarget, o: EventsFlags, show: (e: EventRow) => void): Promise<void> {
  const filters = parseEventFilters(o.filter);
  const follow = o.follow === true && !o.until;
  let since = o.since ?? (follow ? "0s" : undefined);
  let caughtUp = false;
  for (;;) {
    const page = await apiGet(base, JETSWARM + eventsQuery({ since, until: o.until, filters, wait: caughtUp ? FOLLOW_WAIT : undefined }), EventsPage);
    page.events.forEach(show);
    if (page.next) { since = page.next; continue; }
    if (!follow) return;
    since = `seq:${page.head + 1}`;
    caughtUp = true;
  }
}

export function registerEvents(program: Command): void {
  program
    .command("events")
    .description("show the cluster's events from the log: time, type, object, actor, summary")
    .option("--since <time>", "events since this time (RFC 3339), duration ago (10m), or seq:N")
    .option("--until <time>", "events until this time (RFC 3339), duration ago (10m), or seq:N")
    .option("-f, --filter <key=value>", "filter by type, service, node or actor (repeatable)", collect, [])
    .option("--follow", "keep printing new events as they are appended, until interrupted (from now unless --since)")
    .option("--format <format>", "json: one JSON object per line")
    .action(async (o: EventsFlags, cmd: Command) => {
      if (o.format && o.format !== "json") throw new Error(`--format: only "json" is supported`);
      await streamEvents(clientOf(cmd).target, o, (e) => print(o.format === "json" ? JSON.stringify(e) : eventLine(e)));
    });
}
