import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startLocalCluster, type LocalCluster } from "../../deploy/launcher/local-cluster.js";
import { freePort } from "../../deploy/launcher/nats-server.js";
import { ConfigReadRpc, subjects } from "../../schemas/index.js";
import { connectNats } from "../../services/shared/nats/index.js";
import { isWrapped, parseUnlockKey } from "../../services/shared/pki/index.js";
import { callBytes } from "../../services/shared/rpc/index.js";
import { apiFetch, containersOfNode, docker, unmountUnder } from "../helpers/cluster.js";
import { joinCluster, type JoinedNode } from "../../deploy/launcher/join.js";
import { eventually } from "../helpers/eventually.js";

/*
 * Autolock as Swarm has it (issue #15), with real processes: `swarm up --autolock`, a restart
 * that leaves the manager locked (no secret served, no node joined, Swarm's message everywhere),
 * `swarm unlock` refusing a wrong key and taking the right one without restarting anything,
 * `unlock-key --rotate`, `update --autolock=false`; and the unlock key in no file of the data dir.
 */

const CLI = fileURLToPath(new URL("../../cli/main.js", import.meta.url));
const WRAPPED = ["kek", "ca.key", "bus/callout.key"];
const LOCKED = /Swarm is encrypted and needs to be unlocked before it can be used\. Please use "swarm unlock" to unlock it\./;

let dataDir: string;
let ports: { natsPort: number; apiPort: number };
let c: LocalCluster | undefined;
const joined: { node: JoinedNode; dir: string }[] = [];
const keysSeen: string[] = [];

async function up(autolock = false): Promise<LocalCluster> {
  c = await startLocalCluster({ dataDir, ...ports, nodeName: "autolock", autolock });
  return c;
}

/** The CLI against the cluster's socket; `input` goes to its stdin (a pipe, not a TTY). */
function swarm(args: string[], input = ""): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, "--host", c!.socketUrl, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "", err = "";
    p.stdout.on("data", (d: Buffer) => { out += d.toString(); });
    p.stderr.on("data", (d: Buffer) => { err += d.toString(); });
    p.on("close", (code) => resolve({ code: code ?? -1, out, err }));
    p.stdin.end(input);
  });
}

async function ok(args: string[], input = ""): Promise<string> {
  const r = await swarm(args, input);
  assert.equal(r.code, 0, `swarm ${args.join(" ")}: ${r.err}`);
  return r.out;
}

/** Every file under `dir` (logs, NATS store, keys), raw bytes. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "jetswarm-autolock-"));
  ports = { natsPort: await freePort(), apiPort: await freePort() };
});
after(async () => {
  for (const j of joined) await j.node.stop().catch(() => undefined);
  await c?.stop();
  for (const id of [c?.nodeId, ...joined.map((j) => j.node.nodeId)]) {
    if (!id) continue;
    for (const info of await containersOfNode(id)) await docker.getContainer(info.Id).remove({ force: true }).catch(() => {});
  }
  for (const d of [dataDir, ...joined.map((j) => j.dir)]) {
    await unmountUnder(d);
    rmSync(d, { recursive: true, force: true });
  }
});

describe("autolock", () => {
  it("swarm up --autolock shows the unlock key once and stores the keys wrapped by it", async () => {
    await up(true);
    const key = c!.unlockKey!;
    assert.ok(parseUnlockKey(key), `an unlock key SWMKEY-1-…, got ${key}`);
    keysSeen.push(key);
    assert.equal((await ok(["unlock-key", "-q"])).trim(), key);
    const block = await ok(["unlock-key"]);
    assert.match(block, /^To unlock a swarm manager after it restarts, run the `swarm unlock`\ncommand and provide the following key:\n\n {4}SWMKEY-1-/);
    for (const f of WRAPPED) assert.ok(isWrapped(readFileSync(join(dataDir, "keys", f))), `${f} is wrapped`);
    assert.equal(statSync(join(dataDir, "keys", "ca.key")).mode & 0o777, 0o600);
    // A config before the restart: its payload is what the unlocked secret-store serves again.
    const file = join(dataDir, "cfg.txt");
    writeFileSync(file, "autolock-config-payload");
    await ok(["config", "create", "cfg", file]);
    rmSync(file);
  });

  it("a restarted manager is locked: Swarm's message, no secret served, no node joins, a wrong key refused", async () => {
    await c!.stop();
    await up();
    assert.equal(c!.locked, true);
    const ls = await swarm(["node", "ls"]);
    assert.notEqual(ls.code, 0);
    assert.match(ls.err, LOCKED);
    // No secret-store serves the payloads (nor signs, nor admits): nobody answers on the bus.
    const nc = await connectNats({ url: c!.natsUrl, name: "autolock-test", tls: c!.natsTls });
    try {
      await assert.rejects(callBytes(nc, subjects.secretStoreRead, ConfigReadRpc, { meta: { id: "x", version: 1 }, data: new Uint8Array(0) }), /no secret-store answers/);
    } finally {
      await nc.close();
    }
    const join = await apiFetch(c!.socketUrl, "/jetswarm/join", {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ JoinToken: "SWMTKN-1-x-y", NodeName: "late" }),
    });
    assert.equal(join.status, 503);
    assert.match(((await join.json()) as { message: string }).message, LOCKED);
    const wrong = await swarm(["unlock"], "SWMKEY-1-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n");
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.err, /swarm could not be unlocked: invalid key/);
    assert.match((await swarm(["node", "ls"])).err, LOCKED);
  });

  it("swarm unlock with the right key: secrets are served and a node joins, nothing restarted", async () => {
    const pids = c!.supervisor.names().map((n) => c!.supervisor.get(n)?.child?.pid);
    await ok(["unlock"], `${keysSeen[0]}\n`);
    assert.match(await ok(["node", "ls"]), /Leader/);
    assert.match(await ok(["config", "inspect", "--pretty", "cfg"]), /autolock-config-payload/);
    const dir = mkdtempSync(join(tmpdir(), "jetswarm-autolock-w1-"));
    const info = (await (await apiFetch(c!.socketUrl, "/swarm")).json()) as { JoinTokens: { Worker: string } };
    const node = await joinCluster({ manager: c!.apiUrl, token: info.JoinTokens.Worker, nodeName: "w1", dataDir: dir, natsUrl: c!.natsUrl, apiPort: await freePort(), secure: true });
    joined.push({ node, dir });
    // Its agent is admitted by the (now unlocked) auth callout and registers.
    const w1 = async () => ((await (await apiFetch(c!.socketUrl, "/nodes")).json()) as { Spec: { Name: string }; Status: { State: string } }[])
      .find((n) => n.Spec.Name === "w1")?.Status.State;
    await eventually(async () => (await w1()) === "ready" || undefined, { what: "w1 ready", timeoutMs: 60_000 });
    assert.deepEqual(c!.supervisor.names().map((n) => c!.supervisor.get(n)?.child?.pid), pids, "no process restarted");
  });

  it("a second secret-store, and one that restarts alone (kill -9), get the key from a running sibling: the manager stays unlocked", async () => {
    await ok(["control-plane", "scale", "secret-store=2"]);
    const names = () => c!.supervisor.names().filter((n) => n.startsWith("secret-store"));
    await eventually(() => (names().length === 2 ? true : undefined), { what: "two secret-stores", timeoutMs: 30_000 });
    const name = names()[1]!;
    const before = c!.supervisor.get(name)!.child!.pid!;
    process.kill(before, "SIGKILL");
    await eventually(() => { const p = c!.supervisor.get(name)?.child?.pid; return p && p !== before ? p : undefined; }, { what: "restarted", timeoutMs: 30_000 });
    // Its sibling: the api's own keyring answers unlocked, and the restarted one serves (config read).
    await eventually(async () => ((await swarm(["config", "inspect", "--pretty", "cfg"])).out.includes("autolock-config-payload") ? true : undefined),
      { what: "the config served after the restart", timeoutMs: 60_000 });
    assert.match(await ok(["node", "ls"]), /Leader/);
  });

  it("unlock-key --rotate: the old key no longer unlocks, the new one does", async () => {
    const out = await ok(["unlock-key", "--rotate"]);
    assert.match(out, /^Successfully rotated manager unlock key\.\n\nTo unlock a swarm manager/);
    const key = (await ok(["unlock-key", "-q"])).trim();
    assert.notEqual(key, keysSeen[0]);
    keysSeen.push(key);
    await c!.stop();
    await up();
    assert.match((await swarm(["unlock"], `${keysSeen[0]}\n`)).err, /swarm could not be unlocked: invalid key/);
    await ok(["unlock"], `${key}\n`);
    assert.match(await ok(["node", "ls"]), /Leader/);
  });

  it("swarm update --autolock=false: keys stored unwrapped (0600), a restart needs no unlock", async () => {
    assert.equal((await ok(["update", "--autolock=false"])).trim(), "Swarm updated.");
    for (const f of WRAPPED) {
      assert.ok(!isWrapped(readFileSync(join(dataDir, "keys", f))), `${f} is unwrapped`);
      assert.equal(statSync(join(dataDir, "keys", f)).mode & 0o777, 0o600);
    }
    assert.match((await swarm(["unlock-key"])).err, /no unlock key is set/);
    await c!.stop();
    await up();
    assert.equal(c!.locked, false);
    assert.match(await ok(["node", "ls"]), /Leader/);
    assert.match((await swarm(["unlock"], "x\n")).err, /swarm is not locked/);
  });

  it("no unlock key is in any file of the data dirs (keys, NATS store, logs), raw or encoded", async () => {
    const needles = keysSeen.flatMap((k) => {
      const raw = parseUnlockKey(k)!;
      return [Buffer.from(k), raw, Buffer.from(raw.toString("base64")), Buffer.from(raw.toString("hex")), Buffer.from(raw.toString("base64url"))];
    });
    for (const f of [...filesUnder(dataDir), ...joined.flatMap((j) => filesUnder(j.dir))]) {
      let bytes: Buffer;
      try { bytes = readFileSync(f); } catch { continue; }
      for (const n of needles) assert.ok(!bytes.includes(n), `${f} holds an unlock key`);
    }
  });
});
