import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startNatsServer, type NatsServerHandle } from "../../deploy/launcher/nats-server.js";

/** A real nats-server on a free loopback port with a temp store; `cleanup()` stops it and removes the store. */
export async function testNats(): Promise<NatsServerHandle & { dataDir: string; cleanup(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), "jetswarm-nats-"));
  const h = await startNatsServer({ dataDir });
  return {
    ...h,
    dataDir,
    cleanup: async () => {
      await h.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
