import type { Command } from "commander";
import { z } from "zod";
import { Config, RotateResponse, Secret } from "../../schemas/secret-api.js";
import { readAnswer, type ApiClient } from "../client.js";
import { fetchApi } from "../transport.js";
import { renderFormat } from "../output/format.js";
import { renderTable } from "../output/table.js";
import { clientOf, collect, eachArg, print } from "./common.js";
import { parseLabels, readPayload, type ObjectKind } from "./object-data.js";
import { formatHeaders, formatRow, lsHeaders, lsRows, prettyObject } from "./object-view.js";
import { parseFilterFlags } from "./service-flags.js";
import { waitUnlessDetached } from "./service-update.js";
import { FORMAT_HELP, checkPretty } from "./service-reads.js";
import { renderInspect } from "../output/inspect-format.js";

/*
 * `swarm secret …` and `swarm config …` (one implementation, two nouns): create, ls, inspect, rm
 * as docker's, and jetswarm's rotate, which rolls every service that uses the object unpinned.
 */

async function request<S extends z.ZodType>(client: ApiClient, method: string, path: string, schema: S, body?: unknown): Promise<z.infer<S>> {
  const res = await fetchApi(client.base, path, {
    method, headers: body === undefined ? {} : { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  return readAnswer(res, schema);
}

const schemaOf = (kind: ObjectKind) => (kind === "secret" ? Secret : Config);
const q = (filters: Record<string, string[]>) => (Object.keys(filters).length ? `?filters=${encodeURIComponent(JSON.stringify(filters))}` : "");
const path = (kind: ObjectKind, ref: string) => `${kind}s/${encodeURIComponent(ref)}`;

function registerCreate(noun: Command, kind: ObjectKind): void {
  noun
    .command("create <name> [file]")
    .description(`create a ${kind} from a file or STDIN (-) as content`)
    .option("-l, --label <key=value>", `${kind} labels (repeatable)`, collect, [])
    .action(async (name: string, file: string | undefined, o: { label: string[] }, cmd: Command) => {
      const labels = parseLabels(o.label);
      const data = await readPayload(kind, file, process.stdin);
      const { ID } = await request(clientOf(cmd), "POST", `${kind}s/create`, z.object({ ID: z.string() }),
        { Name: name, Labels: labels, Data: data.toString("base64") });
      print(ID);
    });
}

function registerLs(noun: Command, kind: ObjectKind): void {
  noun
    .command("ls")
    .alias("list")
    .description(`list ${kind}s`)
    .option("-q, --quiet", "only display IDs")
    .option("-f, --filter <filter>", "filter output (id, label, name, names) (repeatable)", collect, [])
    .option("--format <format>", FORMAT_HELP)
    .action(async (o: { quiet?: boolean; filter: string[]; format?: string }, cmd: Command) => {
      const filters = parseFilterFlags(o.filter, ["id", "label", "name", "names"]);
      const objects = await request(clientOf(cmd), "GET", `${kind}s${q(filters)}`, z.array(schemaOf(kind)));
      const now = new Date();
      // docker: a given --format wins over -q; `table` alone is the default table.
      const format = o.format === "table" ? undefined : o.format;
      if (o.quiet && !format) objects.forEach((x) => print(x.ID));
      else if (format) process.stdout.write(renderFormat(format, objects.map((x) => formatRow(kind, x, now)), formatHeaders(kind)));
      else process.stdout.write(renderTable(Object.values(lsHeaders(kind)), lsRows(kind, objects, now)));
    });
}

function registerInspectRm(noun: Command, kind: ObjectKind): void {
  noun
    .command(`inspect <${kind}...>`)
    .description(`display detailed information on one or more ${kind}s${kind === "config" ? " (with their data)" : " (never their data)"}`)
    .option("--pretty", "print the information in a human friendly format")
    .option("-f, --format <format>", "format the output using a Go template ({{.Spec.Name}}, {{json .Spec.Labels}}), or 'json'")
    .action(async (refs: string[], o: { pretty?: boolean; format?: string }, cmd: Command) => {
      checkPretty(o);
      const client = clientOf(cmd);
      const objects = await Promise.all(refs.map((r) => request(client, "GET", path(kind, r), schemaOf(kind))));
      if (o.pretty) process.stdout.write(objects.map((x) => prettyObject(kind, x, new Date()) + "\n").join(""));
      else process.stdout.write(renderInspect(o.format, objects));
    });
  noun
    .command(`rm <${kind}...>`)
    .alias("remove")
    .description(`remove one or more ${kind}s`)
    .action(async (refs: string[], _o: unknown, cmd: Command) => {
      const client = clientOf(cmd);
      await eachArg(refs, async (r) => {
        await request(client, "DELETE", path(kind, r), z.unknown());
        return r;
      });
    });
}

function registerRotate(noun: Command, kind: ObjectKind): void {
  noun
    .command(`rotate <${kind}> [file]`)
    .description(`record a new version of a ${kind} from a file or STDIN (-) and roll every service that uses it (unpinned)`)
    .option("-d, --detach", "exit immediately instead of waiting for the services to converge")
    .option("-q, --quiet", "suppress progress output")
    .action(async (ref: string, file: string | undefined, o: { detach?: boolean; quiet?: boolean }, cmd: Command) => {
      const client = clientOf(cmd);
      const data = await readPayload(kind, file, process.stdin);
      const r = await request(client, "POST", `jetswarm/${path(kind, ref)}/rotate`, RotateResponse, { Data: data.toString("base64") });
      print(`${ref} rotated to version ${r.Version}`);
      for (const id of r.Services) await waitUnlessDetached(client, id, o);
    });
}

/** Registers `swarm <kind> create|ls|inspect|rm|rotate`. */
export function registerObjectNoun(program: Command, kind: ObjectKind, description: string): void {
  const noun = program.command(kind).description(description);
  registerCreate(noun, kind);
  registerLs(noun, kind);
  registerInspectRm(noun, kind);
  registerRotate(noun, kind);
}
