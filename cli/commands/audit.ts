import type { Command } from "commander";
import { z } from "zod";
import { Node, Service, Task } from "../../schemas/api.js";
import { renderTable } from "../output/table.js";
import { clientOf, print } from "./common.js";
import { apiGet } from "./events.js";
import { nodeName, nodeRows } from "./node-view.js";
import { psRows, serviceRows } from "./service-rows.js";

/* `swarm audit state|diff|verify|seal`: the cluster as the log says it was (GET/POST /jetswarm/audit/…). */

export const AuditState = z.object({ seq: z.number(), time: z.string().optional(), services: z.array(Service), tasks: z.array(Task), nodes: z.array(Node) });
export type AuditState = z.infer<typeof AuditState>;
export const AuditDiff = z.object({
  from: z.number(), to: z.number(), changes: z.array(z.object({ kind: z.string(), name: z.string(), change: z.string() })),
});
export const VerifyReport = z.object({
  ok: z.boolean(), stream: z.string(), head: z.number(), checked: z.number(), checkpoints: z.number(), hash: z.string(),
  bad: z.object({ seq: z.number(), subject: z.string(), reason: z.string() }).optional(),
});
export type VerifyReport = z.infer<typeof VerifyReport>;

/** What `service ls`, `service ps` (every service) and `node ls` would have printed at that point. */
export function renderAuditState(s: AuditState, asOf: Date): string {
  const names = new Map(s.nodes.map((n) => [n.ID, nodeName(n)]));
  return [
    `# state at seq ${s.seq}${s.time ? ` (${s.time})` : ""}`,
    "",
    "$ swarm service ls",
    renderTable(["ID", "NAME", "MODE", "REPLICAS", "IMAGE", "PORTS"], serviceRows(s.services)).trimEnd(),
    "",
    "$ swarm service ps",
    renderTable(["ID", "NAME", "IMAGE", "NODE", "DESIRED STATE", "CURRENT STATE", "ERROR", "PORTS"], psRows(s.tasks, names, asOf)).trimEnd(),
    "",
    "$ swarm node ls",
    renderTable(["ID", "HOSTNAME", "STATUS", "AVAILABILITY", "MANAGER STATUS", "ENGINE VERSION"], nodeRows(s.nodes)).trimEnd(),
  ].join("\n") + "\n";
}

/** `ok: 123 events, chain <hash12>, 2 checkpoints` or the first bad event, named. */
export function verifyLine(r: VerifyReport): string {
  if (r.ok) return `ok: ${r.stream} has ${r.checked} events, all legal; chain ${r.hash.slice(0, 12)} matches ${r.checkpoints} checkpoint(s); sealed at seq ${r.head}`;
  const b = r.bad!;
  return `first bad event: seq ${b.seq}${b.subject ? ` (${b.subject})` : ""}: ${b.reason}`;
}

const streamQ = (stream?: string) => (stream ? `stream=${encodeURIComponent(stream)}` : "");
const join = (path: string, ...qs: string[]) => {
  const q = qs.filter(Boolean).join("&");
  return q ? `${path}?${q}` : path;
};

/** "ago" columns are relative to the state's own time (when its last event was stored), not to now. */
export function asOfTime(s: AuditState): Date {
  return s.time ? new Date(s.time) : new Date();
}

export function registerAudit(program: Command): void {
  const audit = program.command("audit").description("audit the cluster by replaying its event log");
  audit
    .command("state")
    .description("show the cluster as it was: service ls, service ps and node ls at that point")
    .requiredOption("--at <time|seq:N>", "a time (RFC 3339), a duration ago (10m), or seq:N")
    .option("--format <format>", "json: the services, tasks and nodes as the api showed them")
    .option("--stream <name>", "read another stream than EVENTS (a scratch copy)")
    .action(async (o: { at: string; format?: string; stream?: string }, cmd: Command) => {
      const s = await apiGet(clientOf(cmd).target, join("jetswarm/audit/state", `at=${encodeURIComponent(o.at)}`, streamQ(o.stream)), AuditState);
      if (o.format === "json") print(JSON.stringify(s, null, 2));
      else process.stdout.write(renderAuditState(s, asOfTime(s)));
    });
  audit
    .command("diff")
    .description("what changed between two points of the log: services, replicas, images, task states, nodes")
    .requiredOption("--from <time|seq:N>", "the earlier point")
    .requiredOption("--to <time|seq:N>", "the later point")
    .option("--stream <name>", "read another stream than EVENTS")
    .action(async (o: { from: string; to: string; stream?: string }, cmd: Command) => {
      const path = join("jetswarm/audit/diff", `from=${encodeURIComponent(o.from)}`, `to=${encodeURIComponent(o.to)}`, streamQ(o.stream));
      const d = await apiGet(clientOf(cmd).target, path, AuditDiff);
      print(`# changes from seq ${d.from} to seq ${d.to}`);
      if (!d.changes.length) print("no changes");
      d.changes.forEach((c) => print(`${c.kind} ${c.name}: ${c.change}`));
    });
  audit
    .command("verify")
    .description("check every event's schema, producer and history, and the hash chain against the sealed checkpoints")
    .option("--stream <name>", "verify another stream than EVENTS (a scratch copy)")
    .action(async (o: { stream?: string }, cmd: Command) => {
      const r = await apiGet(clientOf(cmd).target, join("jetswarm/audit/verify", streamQ(o.stream)), VerifyReport, "POST");
      if (!r.ok) throw new Error(verifyLine(r));
      print(verifyLine(r));
    });
  audit
    .command("seal")
    .description("verify the log and record a checkpoint {seq, hash} of the chain at its head")
    .option("--stream <name>", "seal another stream than EVENTS")
    .action(async (o: { stream?: string }, cmd: Command) => {
      const c = await apiGet(clientOf(cmd).target, join("jetswarm/audit/seal", streamQ(o.stream)), z.object({ seq: z.number(), hash: z.string() }), "POST");
      print(`sealed seq ${c.seq}: ${c.hash}`);
    });
}
