import type { Command } from "commander";
import { ApiClient } from "../client.js";
import { credentialsOf, defaultHost, type TlsFlags } from "../credentials.js";
import { parseHosts } from "../transport.js";

/**
 * The api client for the `--host` (or `$SWARM_HOST`, else the local socket) given to the root
 * command, one host or a comma-separated list, with the TLS flags and token (credentials.ts).
 */
export function clientOf(cmd: Command): ApiClient {
  const o = cmd.optsWithGlobals() as { host?: string } & TlsFlags;
  return new ApiClient({ hosts: parseHosts(o.host ?? defaultHost()).join(","), credentials: credentialsOf(o) });
}

/** Repeatable option collector: `-e A=1 -e B=2` → `["A=1", "B=2"]`. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function print(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : text + "\n");
}

/** Docker prints inspect output as a JSON array indented by 4. */
export function printJson(value: unknown): void {
  print(JSON.stringify(value, null, 4));
}

/**
 * Runs `fn` for each argument, printing what it returns; failures are collected and reported
 * together at the end (docker's `service rm a b` behaviour), exit 1 if any failed.
 */
export async function eachArg(args: string[], fn: (arg: string) => Promise<string | undefined>): Promise<void> {
  const errors: string[] = [];
  for (const a of args) {
    try {
      const line = await fn(a);
      if (line !== undefined) print(line);
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
    }
  }
  if (errors.length) throw new Error(errors.join("\n"));
}
