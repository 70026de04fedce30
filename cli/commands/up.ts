import type { Command } from "commander";

/** `swarm up`: the embedded local cluster. (Being written; see deploy/launcher.) */
export function registerUp(program: Command): void {
  program.command("up").description("start a local single-node cluster in the foreground").action(async () => {
    throw new Error("swarm up is not implemented yet");
  });
}
