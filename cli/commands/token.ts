import type { Command } from "commander";
import { renderTable } from "../output/table.js";
import { ago } from "../output/time.js";
import { clientOf, eachArg, print } from "./common.js";

/*
 * `swarm token create|ls|rm`: the api's bearer tokens (issue #15). A token is shown once, at
 * create; the cluster keeps only its hash. Give it to a remote CLI as SWARM_TOKEN: its requests
 * then act as `token:<name>`.
 */
export function registerToken(program: Command): void {
  const token = program.command("token").description("manage the api's bearer tokens");

  token
    .command("create <name>")
    .description("create a bearer token for the api; it is shown once (use it as SWARM_TOKEN)")
    .option("-q, --quiet", "print only the token")
    .action(async (name: string, o: { quiet?: boolean }, cmd: Command) => {
      const t = await clientOf(cmd).createApiToken(name);
      if (o.quiet) return print(t.Token);
      print(`${t.Token}\n\nThis is the only time the token is shown: keep it (for example as SWARM_TOKEN).\n` +
        `Requests made with it are recorded as token:${t.Name}. Remove it with \`swarm token rm ${t.Name}\`.`);
    });

  token
    .command("ls")
    .alias("list")
    .description("list the api's bearer tokens (never the tokens themselves)")
    .option("-q, --quiet", "only display IDs")
    .action(async (o: { quiet?: boolean }, cmd: Command) => {
      const tokens = await clientOf(cmd).apiTokens();
      if (o.quiet) return print(tokens.map((t) => t.ID).join("\n"));
      const now = new Date();
      print(renderTable(["ID", "NAME", "CREATED"], tokens.map((t) => [t.ID, t.Name, ago(t.CreatedAt, now)])));
    });

  token
    .command("rm <token...>")
    .alias("remove")
    .description("remove bearer tokens (by name or ID): requests with them are refused from then on")
    .action(async (refs: string[], _o: unknown, cmd: Command) => {
      const client = clientOf(cmd);
      await eachArg(refs, async (ref) => { await client.removeApiToken(ref); return ref; });
    });
}
