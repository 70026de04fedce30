import type { Command } from "commander";
import { registerObjectNoun } from "./object-command.js";

/** `swarm config create|ls|inspect|rm|rotate` (docker's, plus jetswarm's rotate): see object-command.ts. */
export function registerConfig(program: Command): void {
  registerObjectNoun(program, "config", "manage swarm configs");
}
