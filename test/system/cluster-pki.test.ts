import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { verifyCert } from "../../services/shared/pki/index.js";
import { startTestCluster, type TestCluster } from "../helpers/cluster.js";

/*
 * `swarm up` (the launcher, real processes): the cluster CA is created before anything starts, the
 * first manager holds a certificate the CA signed, and the tokens are nowhere in the NATS store.
 */

let c: TestCluster;
before(async () => { c = await startTestCluster("pki"); });
after(async () => { await c?.cleanup(); });

/** Every file under `dir`. */
function filesOf(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesOf(join(dir, e.name)) : [join(dir, e.name)]));
}
const mode = (path: string) => statSync(path).mode & 0o777;

describe("cluster PKI after swarm up", () => {
  it("keys/ca.crt and ca.key (0600, in a 0700 dir); node/ holds the manager's certificate signed by that CA", async () => {
    const keys = join(c.dataDir, "keys");
    assert.equal(mode(keys), 0o700);
    assert.equal(mode(join(keys, "ca.key")), 0o600);
    assert.equal(mode(join(keys, "ca.crt")), 0o600);
    const ca = readFileSync(join(keys, "ca.crt"), "utf8");
    const node = join(c.dataDir, "node");
    assert.equal(mode(join(node, "node.key")), 0o600);
    const info = await c.get<{ ID: string }>("/swarm");
    const id = verifyCert(readFileSync(join(node, "node.crt"), "utf8"), [ca]);
    assert.deepEqual([id.commonName, id.ou, id.o], [c.nodeId, "swarm-manager", info.ID]);
  });

  it("the NATS store (the log, snapshots, every bucket) holds neither join token nor a token's secret", async () => {
    const tokens = (await c.get<{ JoinTokens: { Worker: string; Manager: string } }>("/swarm")).JoinTokens;
    await c.swarm("service", "create", "--name", "pki-probe", "--replicas", "0", "jetswarm-test/busybox:1", "sleep", "1");
    const needles = [tokens.Worker, tokens.Manager, tokens.Worker.slice(60), tokens.Manager.slice(60)].map((t) => Buffer.from(t));
    const files = filesOf(join(c.dataDir, "nats"));
    assert.ok(files.some((f) => f.endsWith(".blk")), "the store has message blocks");
    for (const f of files) {
      const bytes = readFileSync(f);
      for (const n of needles) assert.equal(bytes.includes(n), false, `${f} holds ${n.toString()}`);
    }
  });

  it("swarm join-token --rotate worker prints Swarm's words and a new token; -q prints only the token", async () => {
    const before = (await c.swarm("join-token", "-q", "worker")).trim();
    const out = await c.swarm("join-token", "--rotate", "worker");
    assert.match(out, /^Successfully rotated worker join token\.\n\nTo add a worker to this swarm, run the following command:\n\n {4}swarm join --token SWMTKN-1-[0-9a-z]{50}-[0-9a-z]{25} /);
    const after = (await c.swarm("join-token", "-q", "worker")).trim();
    assert.notEqual(after, before);
    assert.ok(out.includes(after));
  });
});
