import type { IncomingMessage } from "node:http";
import type { Command } from "commander";
import { z } from "zod";
import type { Task } from "../../schemas/api.js";
import { FrameDecoder, STREAM } from "../../services/shared/docker-stream/index.js";
import { ApiClient, ApiError, readAnswer } from "../client.js";
import { formatLine, sinceParam, splitLine, taskPrefix, type DetailsCache, type LogContext } from "../output/log-format.js";
import { streamApi } from "../transport.js";
import { clientOf } from "./common.js";
import { hostnameOf } from "./node.js";

/*
 * `swarm service logs` (docker/cli `cli/command/service/logs.go`): the api's multiplexed stream,
 * stdout lines to stdout and stderr lines to stderr, each prefixed with its task unless `--raw`.
 * The daemon's error frame (a node that did not answer) is printed as docker prints it and makes
 * the exit status 1; Ctrl-C ends a `--follow` quietly with status 0.
 */

interface LogsFlags {
  follow?: boolean; tail: string; since?: string; timestamps?: boolean; details?: boolean; raw?: boolean;
  taskIds: boolean; trunc: boolean; resolve: boolean;
}

export function registerServiceLogs(service: Command): void {
  service
    .command("logs <target>")
    .description("fetch the logs of a service or task")
    .option("-f, --follow", "follow log output")
    .option("-n, --tail <n>", "number of lines to show from the end of the logs", "all")
    .option("--since <time>", 'show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)')
    .option("-t, --timestamps", "show timestamps")
    .option("--details", "show extra details provided to logs")
    .option("--raw", "do not neatly format logs")
    .option("--no-task-ids", "do not include task IDs in output")
    .option("--no-trunc", "do not truncate output")
    .option("--no-resolve", "do not map IDs to Names in output")
    .action(async (target: string, o: LogsFlags, cmd: Command) => runLogs(clientOf(cmd), target, o));
}

/** Service first, then task, as docker resolves the argument. */
async function resolveTarget(client: ApiClient, ref: string): Promise<{ path: string; padding: number }> {
  try {
    const s = await client.service(ref);
    const replicas = s.Spec.Mode && "Replicated" in s.Spec.Mode ? s.Spec.Mode.Replicated?.Replicas : undefined;
    return { path: `services/${encodeURIComponent(s.ID)}/logs`, padding: replicas === undefined ? 1 : String(replicas).length };
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 404) throw err;
  }
  try {
    const t = await client.task(ref);
    return { path: `tasks/${encodeURIComponent(t.ID)}/logs`, padding: String(t.Slot).length };
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) throw new Error(`no such task or service: ${ref}`);
    throw err;
  }
}

async function runLogs(client: ApiClient, ref: string, o: LogsFlags): Promise<void> {
  const { path, padding } = await resolveTarget(client, ref);
  const q = new URLSearchParams({ stdout: "1", stderr: "1", tail: o.tail, follow: o.follow ? "1" : "0", timestamps: o.timestamps ? "1" : "0" });
  // The details carry the context the prefix is built from: asked for unless --raw.
  q.set("details", o.details || !o.raw ? "1" : "0");
  if (o.since) q.set("since", sinceParam(o.since, new Date()));
  const res = await streamApi(client.target, `${path}?${q.toString()}`);
  if (res.statusCode !== 200) {
    await readAnswer(await toResponse(res), z.unknown());
    throw new Error(`unexpected answer from the api (HTTP ${res.statusCode ?? "?"})`);
  }
  process.once("SIGINT", () => { res.destroy(); process.exit(0); });
  const printer = new LinePrinter(client, o, padding);
  const failure = await copyFrames(res, printer);
  if (failure) {
    process.stderr.write(`error from daemon in stream: ${failure}`);
    process.exitCode = 1;
  }
}

async function toResponse(res: IncomingMessage): Promise<Response> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return new Response(Buffer.concat(chunks), { status: res.statusCode ?? 500 });
}

/** Writes each frame to its stream in order; returns the daemon's error text, if it sent one. */
async function copyFrames(res: IncomingMessage, printer: LinePrinter): Promise<string | undefined> {
  const decoder = new FrameDecoder();
  let failure: string | undefined;
  for await (const chunk of res) {
    // One write per stream per chunk received: a line at a time would cost a write each.
    let out = "";
    let err = "";
    for (const f of decoder.push(chunk as Buffer)) {
      const text = f.payload.toString("utf8");
      if (f.stream === STREAM.systemErr) {
        failure = (failure ?? "") + text;
        // Following, the end may never come: say it now (docker's CLI would stop here).
        if (printer.following) err += `error from daemon in stream: ${text}`;
        continue;
      }
      const formatted = printer.format(text);
      const line = typeof formatted === "string" ? formatted : await formatted;
      if (f.stream === STREAM.stderr) err += line;
      else out += line;
    }
    await Promise.all([writeAll(process.stdout, out), writeAll(process.stderr, err)]);
  }
  return printer.following ? undefined : failure;
}

function writeAll(stream: NodeJS.WriteStream, text: string): Promise<void> {
  if (!text || stream.write(text)) return Promise.resolve();
  return new Promise((resolve) => stream.once("drain", resolve));
}

/** docker's taskFormatter: names resolved once per (node, service, task) and cached. */
class LinePrinter {
  private readonly cache = new Map<string, string>();
  private readonly details: DetailsCache = new Map();
  private nodeNames: Map<string, string> | undefined;
  private readonly serviceNames = new Map<string, string>();
  readonly following: boolean;

  constructor(private readonly client: ApiClient, private readonly o: LogsFlags, private readonly padding: number) {
    this.following = o.follow === true;
  }

  /** The printed line; synchronous once the task's prefix is known (the common case). */
  format(payload: string): string | Promise<string> {
    if (this.o.raw) return payload;
    const line = splitLine(payload, this.o.timestamps === true, this.details);
    const c = line.context;
    const known = this.cache.get(`${c.nodeId}\0${c.serviceId}\0${c.taskId}`);
    if (known !== undefined) return formatLine(line, known, this.o.details === true);
    return this.prefix(c).then((p) => formatLine(line, p, this.o.details === true));
  }

  private async prefix(c: LogContext): Promise<string> {
    const key = `${c.nodeId}\0${c.serviceId}\0${c.taskId}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const task: Task = await this.client.task(c.taskId);
    const p = taskPrefix({ serviceName: await this.serviceName(c.serviceId), slot: task.Slot, taskId: task.ID, nodeName: await this.nodeName(c.nodeId) },
      { noTaskIds: !this.o.taskIds, noTrunc: !this.o.trunc, padding: this.padding });
    this.cache.set(key, p);
    return p;
  }

  private async nodeName(id: string): Promise<string> {
    if (!this.o.resolve) return id;
    // Re-read when a node joined since (a task placed on it).
    if (!this.nodeNames?.has(id)) this.nodeNames = new Map((await this.client.nodes()).map((n) => [n.ID, hostnameOf(n)]));
    return this.nodeNames.get(id) ?? id;
  }

  private async serviceName(id: string): Promise<string> {
    if (!this.o.resolve) return id;
    let name = this.serviceNames.get(id);
    if (name === undefined) {
      name = (await this.client.service(id).catch(() => undefined))?.Spec.Name ?? id;
      this.serviceNames.set(id, name);
    }
    return name;
  }
}
