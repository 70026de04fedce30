import type { Command } from "commander";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { ApiClient, CaView } from "../client.js";
import { defaultDataDir } from "../credentials.js";
import { clientOf, print } from "./common.js";
import { parseSwarmSettings } from "./swarm.js";

/*
 * `swarm ca [--rotate] [--cert-expiry D] [--ca-cert FILE --ca-key FILE] [-d] [-q]`, as docker/cli's
 * cli/command/swarm/ca.go: without --rotate it prints the root CA certificate in use (after
 * `--cert-expiry`, which alone only changes the validity of the nodes' next certificates); with
 * --rotate it starts a root rotation and, unless detached, shows its progress until every node
 * has moved, then prints the new root.
 */

interface CaFlags { rotate?: boolean; certExpiry?: string; caCert?: string; caKey?: string; detach?: boolean; quiet?: boolean }

/** How often the progress is polled, ms. */
const POLL_MS = 500;

export function registerCa(program: Command): void {
  const ca = program
    .command("ca")
    .description("display and rotate the root CA")
    .option("--rotate", "rotate the swarm CA - if no certificate or key are provided, new ones will be generated")
    .option("--cert-expiry <duration>", "validity period for node certificates (ns|us|ms|s|m|h)")
    .option("--ca-cert <pem-file>", "path to the PEM-formatted root CA certificate to use for the new cluster")
    .option("--ca-key <pem-file>", "path to the PEM-formatted root CA key to use for the new cluster")
    .option("-d, --detach", "exit immediately instead of waiting for the root rotation to converge")
    .option("-q, --quiet", "suppress progress output")
    .action(async (o: CaFlags, cmd: Command) => {
      print(await runCa(clientOf(cmd), o, (line) => process.stderr.write(line)));
    });
  // A subcommand is matched before the parent's action: `swarm ca client-bundle DIR`.
  ca.command("client-bundle <dir>")
    .description("write ca.pem, cert.pem and key.pem for the api's HTTPS port (DOCKER_CERT_PATH, SWARM_CERT_PATH); run on a manager")
    .option("--name <name>", "the certificate's common name: the actor the api records (cert:<name>)", "client")
    .option("--days <n>", "validity in days", "90")
    .option("--data-dir <dir>", "the manager's data dir, whose keys/ hold the cluster CA (default: SWARM_DATA_DIR, else ~/.jetswarm)")
    .action(async (dir: string, o: { name: string; days: string; dataDir?: string }) => {
      const days = /^\d+$/.test(o.days) ? Number(o.days) : NaN;
      const target = resolve(dir);
      // Imported here: the CA's x509 stack is ~200 modules every other command would load at start.
      const { writeClientBundle } = await import("../../deploy/launcher/client-bundle.js");
      await writeClientBundle({ dataDir: o.dataDir ?? defaultDataDir(), dir: target, name: o.name, days });
      print(`client certificate "${o.name}" written to ${target} (ca.pem, cert.pem, key.pem)\n` +
        `docker:  DOCKER_HOST=tcp://<manager>:<api port> DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=${target} docker info\n` +
        `swarm:   SWARM_HOST=https://<manager>:<api port> SWARM_CERT_PATH=${target} swarm node ls`);
    });
}

/** What `swarm ca` prints on stdout (progress goes to `progress`, as docker writes it to stderr). */
export async function runCa(client: ApiClient, o: CaFlags, progress: (line: string) => void): Promise<string> {
  if (!o.rotate && (o.caCert !== undefined || o.caKey !== undefined)) {
    throw new Error("--rotate must be specified when providing --ca-cert or --ca-key"); // docker's words
  }
  if ((o.caCert === undefined) !== (o.caKey === undefined)) {
    throw new Error(`${o.caCert === undefined ? "--ca-cert" : "--ca-key"} is required with ${o.caCert === undefined ? "--ca-key" : "--ca-cert"}`);
  }
  if (o.certExpiry !== undefined) await client.updateSwarm(parseSwarmSettings({ certExpiry: o.certExpiry }));
  if (!o.rotate) return (await client.caRotation()).CACert.trimEnd();
  const body = o.caCert !== undefined && o.caKey !== undefined
    ? { CACert: readPem("--ca-cert", o.caCert), CAKey: readPem("--ca-key", o.caKey) } : {};
  const started = await client.rotateCa(body);
  const target = started.Rotation?.CADigest ?? started.CADigest;
  if (o.detach) return "";
  const done = await waitForRoot(client, target, o.quiet ? () => {} : progress);
  return done.CACert.trimEnd();
}

function readPem(flag: string, file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`${flag}: cannot read ${file}: ${(err as Error).message}`);
  }
}

/** Polls until the cluster's root is `digest` and no rotation runs; shows Swarm's two progress lines. */
async function waitForRoot(client: ApiClient, digest: string, progress: (line: string) => void): Promise<CaView> {
  let last = "";
  for (;;) {
    const v = await client.caRotation();
    const r = v.Rotation;
    const line = r
      ? `rotated TLS certificates: ${r.NodesMoved}/${r.NodesTotal} nodes\nrotated CA certificates: 0/1\n`
      : "rotated TLS certificates: all nodes\nrotated CA certificates: 1/1\n";
    if (line !== last) progress(line);
    last = line;
    if (!v.RootRotationInProgress && v.CADigest === digest) return v;
    if (!v.RootRotationInProgress) throw new Error("the root rotation was replaced by another one");
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
