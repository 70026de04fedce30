import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NatsConnection } from "@nats-io/transport-node";
import type { EventStore } from "../../services/shared/model/index.js";
import { createRootCa, writeKeyFile, type CertAndKey } from "../../services/shared/pki/index.js";
import { Informer } from "../../services/shared/projection/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { serveCa } from "../../services/secret-store/shell/ca.js";

/**
 * The secret-store's CA handlers (the real `shell/ca.ts`: join tokens, node certificates) on `nc`,
 * with a fresh CA in a temp keys dir: what an api started alone in a test asks at init and join.
 */
export async function serveTestCa(nc: NatsConnection, store: EventStore): Promise<{ ca: CertAndKey; keysDir: string; stop(): Promise<void> }> {
  const keysDir = join(mkdtempSync(join(tmpdir(), "jetswarm-test-keys-")), "keys");
  const ca = await createRootCa();
  writeKeyFile(join(keysDir, "ca.key"), ca.keyPem);
  writeKeyFile(join(keysDir, "ca.crt"), ca.certPem);
  const log = createLogger("test-ca", "silent");
  const informer = new Informer(store, { slices: ["node", "cluster"], log });
  await informer.start();
  const handlers = serveCa({ nc, log, informer }, keysDir);
  return {
    ca, keysDir,
    stop: async () => {
      await handlers.stop();
      await informer.stop();
      rmSync(join(keysDir, ".."), { recursive: true, force: true });
    },
  };
}
