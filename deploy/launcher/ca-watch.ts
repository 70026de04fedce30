import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ensureBusCertificates } from "./bus-identities.js";
import { CA_FILES } from "./node-identity.js";
import type { Supervisor } from "./supervisor.js";

/*
 * A manager's side of a root CA rotation (DESIGN §6): the secret-store rewrites `<keysDir>/ca.crt`
 * (both roots while the rotation runs, then the new one alone); when it changes, this manager's
 * bus certificates (nats-server's and every static identity's) and the api's are issued again from
 * the signing root, and every local nats-server reloads its configuration (SIGHUP), which re-reads
 * `tls.ca_file` and its certificate. Measured on nats-server 2.10.27: a reload with a new
 * `ca_file` refuses new connections from a root no longer in it ("unknown ca") and keeps the live
 * ones; nats.js reads the certificate files at every (re)connect, so a process moves to its new
 * identity at its next reconnect.
 */

export interface CaWatchOptions {
  keysDir: string;
  /** The addresses clients dial (the server certificate's SANs). */
  hosts: string[];
  supervisor: Supervisor;
  /** The supervised nats-server processes to reload. */
  natsProcesses: string[];
  /** Issues the api's certificate again (the api reloads its files itself). */
  reissueApi(): Promise<void>;
  say(msg: string): void;
  /** How often `ca.crt` is read, ms. Default 1 000. */
  intervalMs?: number;
}

export function watchClusterCa(o: CaWatchOptions): { stop(): Promise<void> } {
  const file = join(o.keysDir, CA_FILES.cert);
  const read = () => (existsSync(file) ? readFileSync(file, "utf8") : "");
  let seen = read();
  let running: Promise<void> = Promise.resolve();
  const check = async () => {
    const now = read();
    if (now === seen || now === "") return;
    await ensureBusCertificates(o.keysDir, o.hosts);
    await o.reissueApi();
    for (const name of o.natsProcesses) o.supervisor.kill(name, "SIGHUP");
    seen = now;
    o.say("cluster root CA changed: bus and api certificates issued again, nats-server reloaded");
  };
  const timer = setInterval(() => {
    running = running.then(check).catch((err: unknown) => o.say(`root CA change not applied yet (retried): ${(err as Error).message}`));
  }, o.intervalMs ?? 1_000);
  return { stop: async () => { clearInterval(timer); await running; } };
}
