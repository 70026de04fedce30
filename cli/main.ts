#!/usr/bin/env node
import { Command } from "commander";
import { registerUp } from "./commands/up.js";
import { registerRun } from "./commands/run.js";
import { registerSwarm } from "./commands/swarm.js";
import { registerNode } from "./commands/node.js";
import { registerService } from "./commands/service.js";
import { registerControlPlane } from "./commands/control-plane.js";
import { registerEvents } from "./commands/events.js";
import { registerAudit } from "./commands/audit.js";

/**
 * The `swarm` command. One file per noun under `commands/`; each exports `register<Noun>(program)`.
 * Errors: non-zero exit and one clear line on stderr, never a stack trace.
 */
const program = new Command("swarm")
  .description("jetswarm: Docker Swarm mode on an event-sourced NATS JetStream control plane")
  .option("-H, --host <urls>", "api address, or several comma-separated (tried in order when one cannot be reached) (env SWARM_HOST)", process.env.SWARM_HOST ?? "http://127.0.0.1:4280")
  .showHelpAfterError(false)
  // Global options go before the noun (`swarm --host URL service ls`), so that a service's own
  // command line passes through untouched: `swarm service create busybox sh -c "sleep 1"`.
  .enablePositionalOptions()
  .configureOutput({ outputError: (str, write) => write(str.replace(/^error: /, "Error: ")) });

registerUp(program);
registerRun(program);
registerSwarm(program);
registerNode(program);
registerService(program);
registerControlPlane(program);
registerEvents(program);
registerAudit(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
