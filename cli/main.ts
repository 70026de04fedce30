#!/usr/bin/env node
import { Command } from "commander";
import { defaultHost } from "./credentials.js";
import { registerUp } from "./commands/up.js";
import { registerRun } from "./commands/run.js";
import { registerSwarm } from "./commands/swarm.js";
import { registerCa } from "./commands/ca.js";
import { registerNode } from "./commands/node.js";
import { registerService } from "./commands/service.js";
import { registerControlPlane } from "./commands/control-plane.js";
import { registerEvents } from "./commands/events.js";
import { registerAudit } from "./commands/audit.js";
import { registerSecret } from "./commands/secret.js";
import { registerConfig } from "./commands/config.js";
import { registerToken } from "./commands/token.js";
import { registerNetwork } from "./commands/network.js";
import { registerStack } from "./commands/stack.js";

/** Exit status of a producer whose reader went away: 128 + SIGPIPE, as a shell reports git or docker. */
const EXIT_BROKEN_PIPE = 141;

/**
 * `swarm events | head -1`: once the reader closes the pipe, every later write fails with EPIPE.
 * Node ignores SIGPIPE, so without this the failed write is an unhandled 'error' and a stack trace;
 * git and docker are ended by SIGPIPE quietly, and so do we (no message: stderr may be gone too).
 */
function exitQuietlyOnBrokenPipe(stream: NodeJS.WriteStream): void {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(EXIT_BROKEN_PIPE);
    throw err;
  });
}
exitQuietlyOnBrokenPipe(process.stdout);
exitQuietlyOnBrokenPipe(process.stderr);

/**
 * The `swarm` command. One file per noun under `commands/`; each exports `register<Noun>(program)`.
 * Errors: non-zero exit and one clear line on stderr, never a stack trace.
 */
const program = new Command("swarm")
  .description("jetswarm: Docker Swarm mode on an event-sourced NATS JetStream control plane")
  .option("-H, --host <urls>", "api address (unix:///path/api.sock, https://host:port), or several comma-separated (tried in order when one cannot be reached) (env SWARM_HOST)", defaultHost())
  .option("--tlscacert <file>", "trust only api certificates signed by this CA (default: SWARM_CERT_PATH/ca.pem, else the local cluster's)")
  .option("--tlscert <file>", "client certificate from the cluster's CA (default: SWARM_CERT_PATH/cert.pem); or set SWARM_TOKEN")
  .option("--tlskey <file>", "the client certificate's key (default: SWARM_CERT_PATH/key.pem)")
  .showHelpAfterError(false)
  // Global options go before the noun (`swarm --host URL service ls`), so that a service's own
  // command line passes through untouched: `swarm service create busybox sh -c "sleep 1"`.
  .enablePositionalOptions()
  .configureOutput({ outputError: (str, write) => write(str.replace(/^error: /, "Error: ")) });

registerUp(program);
registerRun(program);
registerSwarm(program);
registerCa(program);
registerNode(program);
registerService(program);
registerControlPlane(program);
registerEvents(program);
registerAudit(program);
registerSecret(program);
registerConfig(program);
registerToken(program);
registerNetwork(program);
registerStack(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
