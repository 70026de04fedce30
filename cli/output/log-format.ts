import { parseGoDuration } from "../commands/service-duration.js";

/*
 * How `service logs` prints a line (docker/cli `cli/command/service/logs.go`): the api sends
 * `[<timestamp> ]<details> <line>`; the details carry the task's context, from which the prefix
 * `<service>.<slot>[.<task id>]@<node><padding>    | ` is built; `--details` prints what is left of them.
 */

export interface LogContext { nodeId: string; serviceId: string; taskId: string }
export interface SplitLine { timestamp?: string; context: LogContext; details: Record<string, string>; message: string }

/** Docker's ParseLogDetails: `k=v,…`, query-unescaped. */
export function parseLogDetails(details: string): Record<string, string> {
  if (details === "") throw new Error("details string cannot be empty");
  const out: Record<string, string> = {};
  for (const pair of details.split(",")) {
    const i = pair.indexOf("=");
    if (i <= 0) throw new Error("invalid details format");
    out[unescape(pair.slice(0, i))] = unescape(pair.slice(i + 1));
  }
  return out;
}

function unescape(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, " "));
}

const CONTEXT_KEYS = { nodeId: "com.docker.swarm.node.id", serviceId: "com.docker.swarm.service.id", taskId: "com.docker.swarm.task.id" } as const;

/** Parsed details by their text: every line of a task carries the same (parsing each costs more than the rest of a line). */
export type DetailsCache = Map<string, { context: LogContext; details: Record<string, string> }>;

/** One payload split as docker's logWriter does; a line without the context is an error naming it. */
export function splitLine(payload: string, timestamps: boolean, cache?: DetailsCache): SplitLine {
  const n = timestamps ? 3 : 2;
  const parts: string[] = [];
  let rest = payload;
  while (parts.length < n - 1) {
    const sp = rest.indexOf(" ");
    if (sp < 0) throw new Error(`invalid context in log message: ${payload}`);
    parts.push(rest.slice(0, sp));
    rest = rest.slice(sp + 1);
  }
  const raw = parts[n - 2]!;
  const known = cache?.get(raw);
  const ts = timestamps ? { timestamp: parts[0]! } : {};
  if (known) return { ...ts, context: known.context, details: known.details, message: rest };
  const details = parseLogDetails(raw);
  const context = {} as LogContext;
  for (const [field, key] of Object.entries(CONTEXT_KEYS) as [keyof LogContext, string][]) {
    const v = details[key];
    if (v === undefined) throw new Error(`missing ${field === "nodeId" ? "node" : field === "serviceId" ? "service" : "task"} id in details: ${JSON.stringify(details)}`);
    context[field] = v;
    delete details[key];
  }
  if (cache && cache.size < 10_000) cache.set(raw, { context, details });
  return { ...ts, context, details, message: rest };
}

export interface PrefixOptions { noTaskIds: boolean; noTrunc: boolean; padding: number }

/** `<service>.<slot>[.<task id>]@<node>` padded to the widest slot, as docker's taskFormatter. */
export function taskPrefix(t: { serviceName: string; slot: number; taskId: string; nodeName: string }, o: PrefixOptions): string {
  let name = `${t.serviceName}.${t.slot}`;
  if (!o.noTaskIds) name += `.${o.noTrunc ? t.taskId : t.taskId.slice(0, 12)}`;
  const pad = Math.max(0, o.padding - String(t.slot).length);
  return `${name}@${t.nodeName}${" ".repeat(pad)}`;
}

/** The printed line: `[<timestamp> ]<prefix>    | [<details> ]<message>`. */
export function formatLine(line: SplitLine, prefix: string, showDetails: boolean): string {
  let out = line.timestamp !== undefined ? `${line.timestamp} ` : "";
  out += `${prefix}    | `;
  if (showDetails) {
    const d = Object.entries(line.details).map(([k, v]) => `${k}=${v}`).sort();
    out += `${d.join(",")} `;
  }
  return out + line.message;
}

/**
 * `--since`: a unix timestamp as is, a Go duration before `now` (`42m`), or a date/time
 * (RFC 3339, with or without time and zone); as docker's GetTimestamp, in unix seconds.
 */
export function sinceParam(value: string, now: Date): string {
  if (/^\d+(\.\d{1,9})?$/.test(value)) return value;
  let ns: number | undefined;
  try { ns = parseGoDuration(value); } catch { ns = undefined; }
  const ms = ns !== undefined ? now.getTime() - ns / 1e6 : Date.parse(value);
  if (!Number.isFinite(ms)) throw new Error(`failed to parse value as time or duration: "${value}"`);
  return (ms / 1000).toFixed(9);
}
