import type { Command } from "commander";
import type { ApiClient } from "../client.js";
import { clientOf, print } from "./common.js";

/*
 * `swarm unlock`, `swarm unlock-key [--rotate] [-q]` and the unlock key's block that `init
 * --autolock` and `update --autolock=true` print — docker's words (cli/command/swarm/unlock*.go),
 * with `swarm` for `docker swarm`.
 */

export function unlockBlock(key: string): string {
  return "To unlock a swarm manager after it restarts, run the `swarm unlock`\ncommand and provide the following key:\n\n" +
    `    ${key}\n\nRemember to store this key in a password manager, since without it you\nwill not be able to restart the manager.\n`;
}

/** `--autolock`, `--autolock=true|false` (a bare flag is true); anything else names the flag. */
export function autolockFlag(v: string | boolean | undefined): boolean | undefined {
  if (v === undefined || typeof v === "boolean") return v;
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  throw new Error(`invalid argument "${v}" for "--autolock" flag: expected true or false`);
}

/** The current key's block (or the key alone), after an `init`/`update` that turned autolock on. */
export async function unlockKeyText(client: ApiClient, quiet = false): Promise<string> {
  const { UnlockKey } = await client.unlockKey().catch((err: unknown) => { throw new Error(`could not fetch unlock key: ${(err as Error).message}`); });
  if (!UnlockKey) throw new Error("no unlock key is set");
  return quiet ? UnlockKey : unlockBlock(UnlockKey);
}

/** The key from the terminal without echo, or the first line of a pipe. */
async function readKey(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    let text = "";
    for await (const chunk of stdin) {
      text += String(chunk);
      if (text.includes("\n")) break;
    }
    return text.split("\n")[0]!.trim();
  }
  process.stdout.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding("utf8");
  return new Promise((resolve) => {
    let key = "";
    const onData = (c: string) => {
      for (const ch of c) {
        if (ch === "\r" || ch === "\n" || ch === "\u0004") {
          stdin.off("data", onData);
          stdin.setRawMode(false);
          stdin.pause();
          process.stdout.write("\n");
          resolve(key.trim());
          return;
        }
        if (ch === "\u0003") process.exit(130);
        key = ch === "\u007f" ? key.slice(0, -1) : key + ch;
      }
    };
    stdin.on("data", onData);
    stdin.resume();
  });
}

export function registerAutolock(program: Command): void {
  program
    .command("unlock")
    .description("unlock swarm")
    .action(async (_o: unknown, cmd: Command) => {
      const client = clientOf(cmd);
      // As docker: ask for the key only when this manager is locked.
      if (!(await client.autolockStatus()).Locked) throw new Error("swarm is not locked");
      await client.unlock(await readKey("Please enter unlock key: "));
    });

  program
    .command("unlock-key")
    .description("manage the unlock key")
    .option("-q, --quiet", "only display token")
    .option("--rotate", "rotate unlock key")
    .action(async (o: { quiet?: boolean; rotate?: boolean }, cmd: Command) => {
      const client = clientOf(cmd);
      let prefix = "";
      if (o.rotate) {
        const info = await client.swarm();
        if (!info.Spec.EncryptionConfig?.AutoLockManagers) throw new Error("cannot rotate because autolock is not turned on");
        await client.rotateUnlockKey();
        if (!o.quiet) prefix = "Successfully rotated manager unlock key.\n\n";
      }
      print(prefix + (await unlockKeyText(client, o.quiet)));
    });
}
