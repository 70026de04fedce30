import { invalidArgument } from "../../shared/errors/index.js";

/*
 * The text of one line in Docker's `/services/{id}/logs` and `/tasks/{id}/logs` (moby's
 * `httputils.WriteLogStream`): `[<timestamp> ][<details> ]<line>`. The details are the task's
 * context (`com.docker.swarm.node.id=…,com.docker.swarm.service.id=…,com.docker.swarm.task.id=…`,
 * sorted by key): docker's CLI asks for them and reads its prefix `<service>.<slot>.<task>@<node>`
 * from them.
 */

export interface LogContext { nodeId: string; serviceId: string; taskId: string }
export interface LogFormat { timestamps: boolean; details: boolean }

/** moby's RFC3339NanoFixed: nine fractional digits always (the engine's own RFC3339Nano trims zeros). */
export function fixedNano(ts: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(ts);
  if (!m) return ts;
  return `${m[1]}.${(m[2] ?? "").padEnd(9, "0")}${m[3]}`;
}

/** `k=v,…` sorted by key, each side query-escaped (Go's url.QueryEscape). */
export function detailsOf(ctx: LogContext): string {
  const attrs: [string, string][] = [
    ["com.docker.swarm.node.id", ctx.nodeId], ["com.docker.swarm.service.id", ctx.serviceId], ["com.docker.swarm.task.id", ctx.taskId],
  ];
  return attrs.map(([k, v]) => `${queryEscape(k)}=${queryEscape(v)}`).join(",");
}

function queryEscape(s: string): string {
  return encodeURIComponent(s).replace(/%20/g, "+").replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** One line as the Engine API sends it (the payload of one frame). */
export function logPayload(line: { t: string; d: string }, ctx: LogContext, f: LogFormat): string {
  let text = line.d;
  if (f.details) text = `${detailsOf(ctx)} ${text}`;
  if (f.timestamps) text = `${fixedNano(line.t)} ${text}`;
  return text;
}

/** The daemon's own error frame when some lines could not be read (swarmkit's words). */
export function incompleteWarning(reasons: string[]): string {
  return `Error grabbing logs: warning: incomplete log stream. some logs could not be retrieved for the following reasons: ${reasons.join(", ")}\n`;
}

/** Docker's `since` query: unix seconds with an optional fraction (`1700000000.123456789`); empty = none. */
export function parseSince(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === "" || raw === "0") return undefined;
  if (!/^\d+(\.\d{1,9})?$/.test(raw)) throw invalidArgument(`since: "${raw.slice(0, 64)}" is not a unix timestamp (seconds[.nanoseconds])`);
  return raw;
}

/** Docker's `tail` query: a count of lines from the end, or `all` (the default). */
export function parseTail(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === "" || raw === "all") return undefined;
  if (!/^\d{1,9}$/.test(raw)) throw invalidArgument(`tail: "${raw.slice(0, 64)}" is not a number of lines or "all"`);
  return Number(raw);
}
