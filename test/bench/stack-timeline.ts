/*
 * The jetswarm half of bench:stack, phase by phase (issue #18): when the deploy call returned, when
 * the first, 10th, 25th and last task ran (polled every 50 ms), and per task when the log recorded
 * each step — created, allocated, assigned, then each state the agent reported — read back from
 * `GET /jetswarm/events` (the time the batch was stored: the agent's report flush and the
 * dispatcher's batching are in it). Medians over the tasks, in ms since the deploy started.
 */
import { requestApi } from "../../cli/http-request.js";
import { median, sleep } from "./engine-bench.js";

export type Tasks = { ID: string; Status?: { State?: string; Message?: string; Err?: string } }[];

/** Steps of a task in the order they happen; a state the agent skipped in one flush is absent. */
export const MILESTONES = ["created", "allocated", "assigned", "accepted", "preparing", "ready", "starting", "running"] as const;
type Milestone = (typeof MILESTONES)[number];

export interface Timeline {
  /** The deploy call (the CLI process, or the api calls) returned. */
  returned: number;
  /** The 1st, 10th, 25th … running task (TASK_MARKS). */
  marks: number[];
  /** Median over the tasks of when each step was stored; NaN when no task had it. */
  steps: Record<Milestone, number>;
}

export const taskMarks = (total: number) => [...new Set([1, 10, 25, total].filter((n) => n <= total))];

/** Polls `tasks` until `total` run, noting when each mark was reached; a failed or rejected task ends it. */
export async function watchRunning(tasks: () => Promise<Tasks>, total: number, t0: number, timeoutMs = 300_000): Promise<number[]> {
  const marks = taskMarks(total);
  const at: number[] = [];
  for (;;) {
    const list = await tasks();
    const failed = list.find((t) => t.Status?.State === "failed" || t.Status?.State === "rejected");
    if (failed) throw new Error(`a task failed: ${failed.Status?.Err}`);
    const running = list.filter((t) => t.Status?.State === "running").length;
    const now = performance.now() - t0;
    while (at.length < marks.length && running >= marks[at.length]!) at.push(now);
    if (at.length === marks.length) return at;
    if (now > timeoutMs) throw new Error(`benchmark step timed out: ${running}/${total} running; ${stateCounts(list)}`);
    await sleep(50);
  }
}

/** `12 preparing (waiting for network x on this node), 3 running`: what a stuck run is waiting for. */
function stateCounts(list: Tasks): string {
  const by = new Map<string, number>();
  for (const t of list) {
    const why = t.Status?.Err || t.Status?.Message;
    const k = `${t.Status?.State ?? "?"}${why ? ` (${why})` : ""}`;
    by.set(k, (by.get(k) ?? 0) + 1);
  }
  return [...by].map(([k, n]) => `${n} ${k}`).join(", ") || "no tasks";
}

interface EventRow { time: string; type: string; object: { kind: string; id: string }; summary: string }

function milestoneOf(row: EventRow): Milestone | undefined {
  if (row.type === "TaskCreated") return "created";
  if (row.type === "TaskAllocated") return "allocated";
  if (row.type === "TaskAssigned") return "assigned";
  if (row.type !== "TaskStatusChanged") return undefined;
  const state = /^task \S+ (\w+)/.exec(row.summary)?.[1];
  return (MILESTONES as readonly string[]).includes(state ?? "") ? (state as Milestone) : undefined;
}

/** Every event row stored since `sinceEpochMs` (paged). */
async function eventsSince(socketUrl: string, sinceEpochMs: number): Promise<EventRow[]> {
  const rows: EventRow[] = [];
  let since: string | undefined = new Date(sinceEpochMs).toISOString();
  while (since) {
    const res = await requestApi(socketUrl, `/jetswarm/events?since=${encodeURIComponent(since)}`, { method: "GET" });
    if (!res.ok) throw new Error(`GET /jetswarm/events: ${res.status} ${await res.text()}`);
    const page = (await res.json()) as { events: EventRow[]; next?: string };
    rows.push(...page.events);
    since = page.next;
  }
  return rows;
}

/** Per step, the median over `taskIds` of when the log first recorded it, ms after `t0Epoch`. */
export async function taskSteps(socketUrl: string, taskIds: ReadonlySet<string>, t0Epoch: number): Promise<Timeline["steps"]> {
  const first = new Map<string, Map<Milestone, number>>();
  for (const row of await eventsSince(socketUrl, t0Epoch - 1000)) {
    const m = milestoneOf(row);
    if (!m || row.object.kind !== "task" || !taskIds.has(row.object.id)) continue;
    const mine = first.get(row.object.id) ?? new Map<Milestone, number>();
    if (!mine.has(m)) mine.set(m, Date.parse(row.time) - t0Epoch);
    first.set(row.object.id, mine);
  }
  const steps = {} as Timeline["steps"];
  for (const m of MILESTONES) {
    const xs = [...first.values()].flatMap((t) => (t.has(m) ? [t.get(m)!] : []));
    steps[m] = xs.length ? median(xs) : NaN;
  }
  return steps;
}

const s = (ms: number) => (Number.isNaN(ms) ? "–" : (ms / 1000).toFixed(1));

/** One line: `returned 1.2 | running 1:5.0 10:7.1 … | tasks created 0.9 allocated … running 20.1` (s). */
export function formatTimeline(t: Timeline, total: number): string {
  const marks = taskMarks(total).map((n, i) => `${n}:${s(t.marks[i]!)}`).join(" ");
  const steps = MILESTONES.map((m) => `${m} ${s(t.steps[m])}`).join(" ");
  return `returned ${s(t.returned)} | running ${marks} | task medians: ${steps}`;
}

/** The median timeline of several runs (each figure on its own). */
export function medianTimeline(ts: Timeline[]): Timeline {
  const steps = {} as Timeline["steps"];
  for (const m of MILESTONES) {
    const xs = ts.map((t) => t.steps[m]).filter((x) => !Number.isNaN(x));
    steps[m] = xs.length ? median(xs) : NaN;
  }
  return { returned: median(ts.map((t) => t.returned)), marks: ts[0]!.marks.map((_, i) => median(ts.map((t) => t.marks[i]!))), steps };
}
