import type { Command } from "commander";
import { z } from "zod";
import { ErrorBody } from "../../schemas/api.js";
import { formatZodError } from "../../schemas/index.js";
import { ApiError } from "../client.js";
import { renderTable } from "../output/table.js";
import { humanDuration } from "../output/time.js";
import { clientOf } from "./common.js";

/** One row of `GET /control-plane` (services/api/shell/control-plane-routes.ts). */
export const ControlPlaneMember = z.object({
  Service: z.string(),
  Instance: z.string(),
  Node: z.string(),
  Pid: z.number(),
  Role: z.string(),
  Behind: z.number().nullable(),
  StartedAt: z.string(),
  UptimeSeconds: z.number(),
});
export type ControlPlaneMember = z.infer<typeof ControlPlaneMember>;

export const CONTROL_PLANE_HEADERS = ["SERVICE", "INSTANCE", "NODE", "ROLE", "BEHIND", "UPTIME"];

/** Table rows: BEHIND is `-` for a process without a projection. */
export function controlPlaneRows(members: ControlPlaneMember[]): string[][] {
  return members.map((m) => [
    m.Service, m.Instance, m.Node, m.Role, m.Behind === null ? "-" : String(m.Behind), humanDuration(m.UptimeSeconds * 1000),
  ]);
}

async function fetchMembers(base: string): Promise<ControlPlaneMember[]> {
  const url = new URL("control-plane", base.endsWith("/") ? base : base + "/");
  let res: Response;
  try {
    res = await fetch(url);
  } catch {
    throw new Error(`Cannot connect to the jetswarm api at ${base}. Is it running (swarm up)?`);
  }
  let json: unknown;
  try { json = JSON.parse(await res.text()); } catch { throw new ApiError(res.status, `unexpected response from the api (HTTP ${res.status})`); }
  if (!res.ok) {
    const e = ErrorBody.safeParse(json);
    throw new ApiError(res.status, e.success ? e.data.message : `the api answered HTTP ${res.status}`);
  }
  const parsed = z.array(ControlPlaneMember).safeParse(json);
  if (!parsed.success) throw new Error(`unexpected response from the api: ${formatZodError(parsed.error)}`);
  return parsed.data;
}

/** `swarm control-plane ls`: every control-plane process (DESIGN §5). */
export function registerControlPlane(program: Command): void {
  const cp = program.command("control-plane").description("inspect the control plane's own processes");
  cp
    .command("ls")
    .alias("list")
    .description("list every control-plane instance: service, node, role, events behind the log head, uptime")
    .action(async (_o: unknown, cmd: Command) => {
      const members = await fetchMembers(clientOf(cmd).base);
      process.stdout.write(renderTable(CONTROL_PLANE_HEADERS, controlPlaneRows(members)));
    });
}
