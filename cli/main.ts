#!/usr/bin/env node
import { Command } from "commander";
import { registerUp } from "./commands/up.js";
import { registerRun } from "./commands/run.js";

/**
 * The `swarm` command. One file per noun under `commands/`; each exports `register<Noun>(program)`.
 * Errors: non-zero exit and one clear line on stderr, never a stack trace.
 */
const program = new Command("swarm")
  .description("jetswarm: Docker Swarm mode on an event-sourced NATS JetStream control plane")
  .option("-H, --host <url>", "api address (env SWARM_HOST)", process.env.SWARM_HOST ?? "http://127.0.0.1:4280")
  .showHelpAfterError(false);

registerUp(program);
registerRun(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
