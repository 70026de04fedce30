import type { Command } from "commander";
import { registerObjectNoun } from "./object-command.js";

/** `swarm secret create|ls|inspect|rm|rotate` (docker's, plus jetswarm's rotate): see object-command.ts. */
export function registerSecret(program: Command): void {
  registerObjectNoun(program, "secret", "manage swarm secrets");
}
