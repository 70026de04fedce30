import type { Command } from "commander";
import { RUNNABLE } from "../../schemas/roster.js";

/** The roster's services and the agent: each has `services/<name>/main.js`. */
const SERVICES = RUNNABLE;

/** `swarm run <service>`: runs one control-plane service (or the agent) in this process. */
export function registerRun(program: Command): void {
  program
    .command("run <service>")
    .description(`run one process in the foreground: ${SERVICES.join(", ")}`)
    .action(async (service: string) => {
      if (!(SERVICES as readonly string[]).includes(service)) {
        throw new Error(`unknown service "${service}": expected one of ${SERVICES.join(", ")}`);
      }
      await import(`../../services/${service}/main.js`);
    });
}
