import type { Command } from "commander";
import { z } from "zod";
import { readAnswer } from "../client.js";
import { fetchApi, type ApiTarget } from "../transport.js";
import { renderTable } from "../output/table.js";
import { humanDuration } from "../../schemas/human-duration.js";
import { clientOf, print } from "./common.js";
import { decimal } from "./decimal.js";
import { SCALABLE_SERVICES } from "../../schemas/roster.js";

/** One row of `GET /jetswarm/control-plane` (services/api/app/control-plane.ts). */
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

async function fetchMembers(base: string | ApiTarget): Promise<ControlPlaneMember[]> {
  return readAnswer(await fetchApi(base, "jetswarm/control-plane", { method: "GET" }), z.array(ControlPlaneMember));
}

/** `scheduler=2` → ["scheduler", 2]; anything else is refused naming the argument. */
export function parseScaleArg(arg: string): [string, number] {
  const m = /^([a-z-]+)=(\d+)$/.exec(arg);
  if (!m || decimal(m[2]!) === undefined) throw new Error(`invalid scale specifier '${arg}': expected SERVICE=INSTANCES, e.g. scheduler=2`);
  return [m[1]!, Number(m[2])];
}

/** Live instances per service, as `GET /jetswarm/control-plane` shows them. */
export function countByService(members: ControlPlaneMember[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of members) counts.set(m.Service, (counts.get(m.Service) ?? 0) + 1);
  return counts;
}

async function waitForInstances(base: string | ApiTarget, want: Record<string, number>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = countByService(await fetchMembers(base));
    const pending = Object.entries(want).filter(([s, n]) => (counts.get(s) ?? 0) !== n);
    if (pending.length === 0) {
      for (const [s, n] of Object.entries(want)) print(`verify: ${s} ${n}/${n} instances running`);
      return;
    }
    if (Date.now() > deadline) {
      const now = pending.map(([s, n]) => `${s} ${counts.get(s) ?? 0}/${n}`).join(", ");
      throw new Error(`the control plane has not converged within ${timeoutMs / 1000} s: ${now} (see the supervisor's output and logs)`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `swarm control-plane ls`: every control-plane process (DESIGN §5). */
export function registerControlPlane(program: Command): void {
  const cp = program.command("control-plane").description("inspect the control plane's own processes");
  cp
    .command("ls")
    .alias("list")
    .description("list every control-plane instance: service, node, role, events behind the log head, uptime")
    .action(async (_o: unknown, cmd: Command) => {
      const members = await fetchMembers(clientOf(cmd).target);
      process.stdout.write(renderTable(CONTROL_PLANE_HEADERS, controlPlaneRows(members)));
    });
  cp
    .command("scale <service=instances...>")
    .description(`set how many instances of ${SCALABLE_SERVICES.join(", ")} run (recorded as an event; the managers' supervisors start or stop processes)`)
    .option("-d, --detach", "exit immediately instead of waiting for the instances to run")
    .action(async (args: string[], o: { detach?: boolean }, cmd: Command) => {
      const scale = Object.fromEntries(args.map(parseScaleArg));
      const client = clientOf(cmd);
      await client.scaleControlPlane({ Scale: scale });
      for (const [s, n] of Object.entries(scale)) print(`${s} scaled to ${n}`);
      if (!o.detach) await waitForInstances(client.target, scale, 60_000);
    });
}
