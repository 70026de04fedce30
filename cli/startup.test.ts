import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/*
 * A guard on the CLI's start-up cost: every `swarm` command pays for the modules loaded before it
 * runs. The light commands need commander, zod, the HTTP client and the output code, never the
 * Compose loader (yaml, ajv), the CA's x509 stack, NATS or the Docker client, which only `stack
 * deploy`, `ca client-bundle`, `up`/`join`/`leave` use (they import them in their actions).
 * The list of loaded modules comes from a module-loading hook (one URL a line), not from timings.
 */

const MAIN = fileURLToPath(new URL("./main.js", import.meta.url));

/** Module hooks: each module URL loaded, appended to the file `initialize` is given. */
const HOOKS = `import { appendFileSync } from "node:fs";
let file;
export function initialize(data) { file = data; }
export async function load(url, context, next) { appendFileSync(file, url + "\\n"); return next(url, context); }`;

const dataUrl = (js: string) => `data:text/javascript,${encodeURIComponent(js)}`;

/** Runs `swarm <args>` with the hooks; resolves to the URLs of the modules it loaded. */
function loadedBy(args: string[], traceFile: string): Promise<string[]> {
  const preload = `import { register } from "node:module"; register(${JSON.stringify(dataUrl(HOOKS))}, { data: ${JSON.stringify(traceFile)} });`;
  return new Promise((resolve) => {
    // The api address is a socket that does not exist: a read command fails after its action ran
    // (so the action's own imports count too), with no cluster needed.
    const env = { ...process.env, SWARM_HOST: "unix:///nonexistent/jetswarm-startup-test.sock", SWARM_TOKEN: "" };
    execFile(process.execPath, ["--import", dataUrl(preload), MAIN, ...args], { env }, () => {
      resolve(readFileSync(traceFile, "utf8").split("\n").filter(Boolean));
    });
  });
}

/** Packages and project folders a light command must not load (each costs tens to hundreds of modules). */
const HEAVY = [
  /\/node_modules\/(yaml|ajv|ajv-draft-04|@peculiar\/[^/]+|@nats-io\/[^/]+|dockerode|docker-modem|ssh2|@grpc\/[^/]+|protobufjs|tsyringe)\//,
  /\/dist\/deploy\//,
  /\/dist\/cli\/stack\/(compose|deploy)\.js$/,
  /\/dist\/services\/shared\/(nats|eventlog|pki|seal|projection)\//,
  // The CLI's schemas come from their own files: the index would build every event and rpc schema.
  /\/dist\/schemas\/(index|events\/index|rpc|logs-rpc|containers-rpc|classic|netmap|node-messages)\.js$/,
];

const LIGHT_COMMANDS = [["--help"], ["service", "ls"], ["node", "ls"], ["stack", "ls"], ["secret", "ls"]];

test("light commands load none of the heavy modules (yaml, ajv, x509, NATS, Docker, the launcher)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cli-startup-"));
  try {
    const runs = await Promise.all(LIGHT_COMMANDS.map((args, i) => loadedBy(args, join(dir, `trace-${i}`))));
    runs.forEach((urls, i) => {
      const what = `swarm ${LIGHT_COMMANDS[i]!.join(" ")}`;
      // The hook saw the CLI itself: an empty list would make the check below pass for nothing.
      assert.ok(urls.some((u) => u.endsWith("/dist/cli/main.js")), `${what}: the hook recorded no module`);
      assert.ok(urls.some((u) => u.includes("/node_modules/commander/")), `${what}: the hook missed commander`);
      const heavy = urls.filter((u) => HEAVY.some((re) => re.test(u)));
      assert.deepEqual(heavy, [], `${what} loads heavy modules at start`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
