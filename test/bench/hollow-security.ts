/*
 * The bus security of `swarm up` for the scale benchmark (issue #15's on/off comparison): the
 * cluster CA, the server's and every control-plane identity's certificate, a nats-server config
 * with mutual TLS, certificate-mapped users and the auth callout. On by default; BENCH_INSECURE=1
 * runs the plaintext bus, as bench:swarm does. Hollow nodes then join with a CSR and connect with
 * their own node certificates, admitted one by one by the secret-store's callout, as real nodes.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { keysDir } from "../../deploy/launcher/local-cluster.js";
import { ensureClusterCa } from "../../deploy/launcher/node-identity.js";
import { ensureBusCertificates } from "../../deploy/launcher/bus-identities.js";
import { singleServerConfig } from "../../deploy/launcher/nats-security.js";
import { serviceIdentity } from "../../schemas/bus-permissions.js";
import { natsTlsEnv, type NatsTls } from "../../services/shared/nats/index.js";
import { writeKeyFile } from "../../services/shared/pki/index.js";

export const BENCH_SECURE = process.env.BENCH_INSECURE !== "1";

export interface BenchBus {
  /** The nats-server's config file (start it with `configFile`). */
  configFile: string;
  /** The environment of a control-plane service: its bus identity. */
  env(service: string): Record<string, string>;
  /** The operator identity, for the benchmark's own probe connection. */
  admin: NatsTls;
}

export async function secureBus(dataDir: string, port: number): Promise<BenchBus> {
  const keys = keysDir(dataDir);
  await ensureClusterCa(keys);
  const bus = await ensureBusCertificates(keys, ["127.0.0.1", "localhost"]);
  const natsDir = join(dataDir, "nats");
  mkdirSync(natsDir, { recursive: true });
  const configFile = join(natsDir, "nats.conf");
  writeFileSync(configFile, singleServerConfig({
    serverName: `jetswarm-${port}`, host: "127.0.0.1", port, storeDir: resolve(natsDir, "jetstream"), tls: bus.server, calloutIssuer: bus.calloutIssuer,
  }));
  return { configFile, env: (s) => natsTlsEnv(bus.identity(serviceIdentity(s))), admin: bus.identity("admin") };
}

/** A hollow node's identity files (its key and the certificate its join returned). */
export function saveHollowIdentity(dir: string, id: { keyPem: string; certPem: string; caPem: string }): NatsTls {
  const files = { key: join(dir, "node.key"), cert: join(dir, "node.crt"), ca: join(dir, "ca.crt") };
  writeKeyFile(files.key, id.keyPem);
  writeKeyFile(files.cert, id.certPem);
  writeKeyFile(files.ca, id.caPem);
  return files;
}
