import { existsSync, readFileSync } from "node:fs";
import { median, type Round } from "./network-create-probes.js";

/*
 * Where jetswarm's create → port answering goes on the agent's side, from the agent's own log when
 * it runs with SWARM_LOG_LEVEL=debug: when it saw the task's doc, how long each engine call on the
 * start path took (`engine call`, shell/timed-executor.ts), when it reported running, and when the
 * routing mesh sent the published port to the task. Without those lines nothing is printed.
 */

interface LogLine { t: string; msg: string; [k: string]: unknown }

/** The segments of one round, ms; the engine's calls and the rest, which is the agent's own. */
const SEGMENTS = [
  ["doc→image", "ours"], ["image check", "engine"], ["→create", "ours"], ["create", "engine"], ["connect", "engine"],
  ["→start", "ours"], ["start", "engine"], ["inspect", "engine"], ["→running report", "ours"], ["→mesh updated", "ours"],
] as const;
type Path = Record<(typeof SEGMENTS)[number][0], number>;

function readLog(file: string): LogLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").flatMap((l) => {
    try { return l.startsWith("{") ? [JSON.parse(l) as LogLine] : []; } catch { return []; }
  });
}

/** One round's path, from the first line for the service's container on; undefined if the log lacks any step. */
function roundPath(lines: LogLine[], service: string, port: number): Path | undefined {
  const at = (l: LogLine | undefined) => (l ? Date.parse(l.t) : NaN);
  const began = (l: LogLine | undefined) => at(l) - Number(l?.ms);
  const ci = lines.findIndex((l) => l.msg === "engine call" && l.op === "create" && String(l.name).startsWith(`${service}.`));
  if (ci < 0) return undefined;
  const create = lines[ci]!;
  const taskId = String(create.name).split(".").pop();
  const call = (op: string) => lines.find((l, i) => i > ci && l.msg === "engine call" && l.op === op && l.containerId === create.containerId);
  const image = lines.slice(0, ci).reverse().find((l) => l.msg === "engine call" && l.op === "ensureImage");
  const doc = lines.find((l) => l.msg === "task doc" && l.taskId === taskId);
  const [connect, start, inspect] = [call("connect"), call("start"), call("inspect")];
  const ri = lines.findIndex((l, i) => i > ci && l.msg === "task status" && l.taskId === taskId && l.state === "running");
  const mesh = lines.find((l, i) => ri >= 0 && i > ri && l.msg === "routing mesh updated"
    && (l.ports as string[] | undefined ?? []).some((p) => p.startsWith(`${port}/`) && !p.endsWith("→0")));
  const p: Path = {
    "doc→image": began(image) - at(doc), "image check": Number(image?.ms), "→create": began(create) - at(image), create: Number(create.ms),
    connect: Number(connect?.ms ?? 0), "→start": began(start) - at(connect ?? create), start: Number(start?.ms), inspect: Number(inspect?.ms),
    "→running report": at(lines[ri]) - at(inspect), "→mesh updated": at(mesh) - at(lines[ri]),
  };
  return Object.values(p).some((x) => Number.isNaN(x)) ? undefined : p;
}

/** The report's lines (none when the log has no debug lines): medians per segment, engine vs agent, and the rest. */
export function agentPathReport(logFile: string, rounds: Round[], service: (i: number) => string, port: (i: number) => number): string[] {
  const lines = readLog(logFile);
  const paths = rounds.map((r, i) => ({ r, p: roundPath(lines, service(i), port(i)) })).filter((x): x is { r: Round; p: Path } => x.p !== undefined);
  if (paths.length === 0) return [];
  const ms = (xs: number[]) => `${median(xs).toFixed(0)} ms`;
  const sum = (p: Path, kind: "engine" | "ours") => SEGMENTS.filter(([, k]) => k === kind).reduce((a, [s]) => a + p[s], 0);
  const total = (p: Path) => sum(p, "engine") + sum(p, "ours");
  return [
    `jetswarm agent path, from its debug log (median of ${paths.length} rounds; ms resolution):`,
    "  " + SEGMENTS.map(([s, k]) => `${s} ${ms(paths.map((x) => x.p[s]))}${k === "engine" ? " [engine]" : ""}`).join(", "),
    `  doc → mesh updated ${ms(paths.map((x) => total(x.p)))} = engine calls ${ms(paths.map((x) => sum(x.p, "engine")))} + the agent's own ${ms(paths.map((x) => sum(x.p, "ours")))}`,
    `  create request → doc at the agent (api, orchestrator, allocator, scheduler, dispatcher), and mesh → the port probe's next try (≤ 20 ms): ${ms(paths.map((x) => x.r.port - total(x.p)))}`,
  ];
}
