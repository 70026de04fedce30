import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Node } from "../../schemas/api.js";
import { IMAGE, IMAGE2, startTestCluster, type TestCluster } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";
import { createRootCa, issueCert } from "../../services/shared/pki/index.js";

/*
 * The real docker CLI (client 28, on PATH) against jetswarm's api socket, unchanged: swarm mode
 * through the Docker Engine API (issue #19). Each command's printed output is asserted, and what
 * it did is checked on the engine (containers) or the api.
 */

const SWARM_CLI = fileURLToPath(new URL("../../cli/main.js", import.meta.url));
let c: TestCluster;
let work: string;
interface Run { code: number | null; stdout: string; stderr: string }

function docker(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile("docker", args, {
      timeout: 120_000, cwd: work,
      env: { ...process.env, DOCKER_HOST: c.socketUrl, DOCKER_CONFIG: join(work, "config"), DOCKER_CLI_HINTS: "false", ...env },
    }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === "number" ? err.code : null) : 0, stdout, stderr }));
  });
}
/** The `swarm` CLI (its exit code and output, never a throw). */
function swarmCli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SWARM_CLI, ...args], { timeout: 60_000, cwd: work },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === "number" ? err.code : null) : 0, stdout, stderr }));
  });
}
const readText = (path: string) => readFile(path, "utf8");
/** The command succeeded; its stdout. */
async function ok(...args: string[]): Promise<string> {
  const r = await docker(args);
  assert.equal(r.code, 0, `docker ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}
const rows = (out: string) => out.split("\n").filter(Boolean).map((l) => l.trim().split(/\s{2,}/));
const running = async (service: string, image?: string) =>
  (await c.containers({ running: true, service })).filter((x) => image === undefined || x.Image === image).length;

before(async () => {
  work = mkdtempSync(join(tmpdir(), "jetswarm-docker-cli-"));
  c = await startTestCluster("docker-cli");
});
after(async () => {
  await c?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the docker CLI against jetswarm", { timeout: 300_000 }, () => {
  it("negotiates the version, and reads version and info with the Swarm section", async () => {
    const ping = await c.api("/_ping", { method: "HEAD" });
    assert.equal(ping.status, 200);
    assert.equal(ping.headers.get("api-version"), "1.51");
    assert.equal(ping.headers.get("ostype"), "linux");
    assert.equal(ping.headers.get("swarm"), "active/manager");
    assert.equal(ping.headers.get("docker-experimental"), "false");
    assert.equal(await ok("version", "--format", "{{.Client.APIVersion}} {{.Server.APIVersion}} {{.Server.MinAPIVersion}}"), "1.50 1.51 1.41\n");
    const swarm = JSON.parse(await ok("info", "--format", "{{json .Swarm}}")) as Record<string, unknown> & { Cluster: { ID: string } };
    assert.equal(swarm.NodeID, c.nodeId);
    assert.equal(swarm.LocalNodeState, "active");
    assert.equal(swarm.ControlAvailable, true);
    assert.equal(swarm.Nodes, 1);
    assert.equal(swarm.Managers, 1);
    assert.equal(swarm.Cluster.ID, (await c.get<{ ID: string }>("/swarm")).ID);
    assert.match(await ok("info"), /Swarm: active\n\s+NodeID: \w+\n\s+Is Manager: true/);
    // Too old a client: moby's words and status.
    const old = await docker(["service", "ls"], { DOCKER_API_VERSION: "1.40" });
    assert.notEqual(old.code, 0);
    assert.match(old.stderr, /client version 1\.40 is too old\. Minimum supported API version is 1\.41, please upgrade your client to a newer version/);
    const raw = await c.api("/v1.52/info");
    assert.equal(raw.status, 400);
    assert.deepEqual(await raw.json(), { message: "client version 1.52 is too new. Maximum supported API version is 1.51" });
  });

  it("node ls, inspect self, update, promote, demote, ps, rm", async () => {
    // The agent registers after `swarm up` returns: until then the node's status is unknown.
    const ls = await eventually(async (): Promise<string[][] | false> => {
      const r = rows(await ok("node", "ls"));
      return r[1]?.includes("Ready") ? r : false;
    }, { what: "node ls shows the node ready" }) as string[][];
    assert.equal(ls[1]?.[0], `${c.nodeId} *`, "self is starred");
    assert.ok(ls[1]!.includes("Leader") && ls[1]!.includes("Active"), ls.join("|"));
    assert.equal(await ok("node", "inspect", "self", "--format", "{{.ID}} {{.Spec.Role}}"), `${c.nodeId} manager\n`);
    assert.equal(await ok("node", "update", "--label-add", "zone=a", c.nodeId), `${c.nodeId}\n`);
    assert.equal((await c.get<Node>(`/nodes/${c.nodeId}`)).Spec.Labels?.zone, "a");
    assert.match(await ok("node", "promote", c.nodeId), /is already a manager/);
    const demote = await docker(["node", "demote", c.nodeId]);
    assert.match(demote.stderr, /attempting to demote the last manager of the swarm/);
    const rm = await docker(["node", "rm", c.nodeId]);
    assert.notEqual(rm.code, 0);
    assert.match(rm.stderr, /Error response from daemon: .*manager/);
    assert.equal((await c.get<Node[]>("/nodes")).length, 1);
    assert.equal(rows(await ok("node", "ps", "self")).length, 1, "no tasks yet: the header only");
  });

  it("service create (progress), ls, ps, inspect --pretty, update, scale, rollback, logs, rm", async () => {
    // A short monitor: the CLI's progress display waits that long to call a change stable.
    // A 1 s stop grace: the sleep (pid 1) ignores SIGTERM, so each stop would wait the default 10 s.
    const created = await ok("service", "create", "--name", "web", "--replicas", "2", "--update-monitor", "1s", "--rollback-monitor", "1s", "--stop-grace-period", "1s", IMAGE, "sh", "-c", "echo hello from web; exec sleep 3600");
    assert.match(created, /verify: Service \w+ converged/);
    assert.equal(await running("web", IMAGE), 2);
    const ls = rows(await ok("service", "ls"));
    assert.deepEqual(ls[1]?.slice(1), ["web", "replicated", "2/2", IMAGE]);
    assert.equal((await ok("service", "ls", "-q")).trim().length, 12);
    const ps = rows(await ok("service", "ps", "web"));
    assert.deepEqual(ps.slice(1).map((r) => [r[1], r[4]]).sort(), [["web.1", "Running"], ["web.2", "Running"]]);
    const pretty = await ok("service", "inspect", "--pretty", "web");
    assert.match(pretty, /Name:\s+web\n/);
    assert.match(pretty, /Replicas:\s+2\n/);
    assert.match(await ok("service", "update", "--image", IMAGE2, "web"), /verify: Service web converged/);
    assert.equal(await running("web", IMAGE2), 2);
    // scale and rollback detached (their progress display is update's, checked above): a shorter test.
    assert.equal(await ok("service", "scale", "--detach", "web=3"), "web scaled to 3\n");
    await eventually(async () => (await running("web", IMAGE2)) === 3, { what: "scaled to 3", timeoutMs: 60_000 });
    assert.equal(await ok("service", "rollback", "--detach", "web"), "web\n");
    await eventually(async () => (await running("web")) === 2, { what: "rolled back to 2 replicas", timeoutMs: 90_000 });
    const logs = await ok("service", "logs", "web");
    assert.match(logs, /^web\.\d\.\w+@test-docker-cli\s+\| hello from web$/m);
    // -f: the lines come, and the stream stays open until the client goes.
    const follow = spawn("docker", ["service", "logs", "-f", "web"], { env: { ...process.env, DOCKER_HOST: c.socketUrl, DOCKER_CONFIG: join(work, "config") } });
    let followed = "";
    follow.stdout.on("data", (d: Buffer) => { followed += d.toString(); });
    await eventually(() => followed.includes("hello from web"), { what: "service logs -f printed a line" });
    assert.equal(follow.exitCode, null, "still following");
    follow.kill();
    assert.equal(await ok("service", "rm", "web"), "web\n");
    await eventually(async () => (await c.containers({ service: "web" })).length === 0, { what: "web's containers removed", timeoutMs: 60_000 });
  });

  it("secret, config and network: create, ls, inspect, rm", async () => {
    writeFileSync(join(work, "payload.txt"), "s3cret\n");
    const secretId = (await ok("secret", "create", "token", "payload.txt")).trim();
    assert.equal(rows(await ok("secret", "ls"))[1]?.[1], "token");
    assert.equal(await ok("secret", "inspect", "token", "--format", "{{.ID}} {{.Spec.Name}}"), `${secretId} token\n`);
    const configId = (await ok("config", "create", "conf", "payload.txt")).trim();
    assert.equal(rows(await ok("config", "ls"))[1]?.[1], "conf");
    assert.match(await ok("config", "inspect", "--pretty", "conf"), /Data:\ns3cret/);
    assert.ok(configId.length > 0);
    const netId = (await ok("network", "create", "-d", "overlay", "--label", "team=x", "backend")).trim();
    const nets = rows(await ok("network", "ls"));
    assert.ok(nets.some((r) => r[0] === netId.slice(0, 12) && r[1] === "backend" && r[2] === "overlay" && r[3] === "swarm"), JSON.stringify(nets));
    assert.equal(await ok("network", "rm", "backend"), "backend\n");
    assert.equal(await ok("secret", "rm", "token"), "token\n");
    assert.equal(await ok("config", "rm", "conf"), "conf\n");
    assert.deepEqual(await c.get("/secrets"), []);
    assert.equal((await c.get<unknown[]>("/networks")).length, 1, "ingress only");
  });

  it("stack deploy (and redeploy), ls, services, ps, rm", async () => {
    writeFileSync(join(work, "token.txt"), "s3cret\n");
    writeFileSync(join(work, "compose.yml"), [
      "services:",
      "  app:",
      `    image: ${IMAGE}`,
      "    command: [\"sh\", \"-c\", \"cat /run/secrets/token; exec sleep 3600\"]",
      "    deploy: {replicas: 2}",
      "    secrets: [token]",
      "    stop_grace_period: 1s",
      "  cache:",
      `    image: ${IMAGE2}`,
      "    command: [\"sleep\", \"3600\"]",
      "    stop_grace_period: 1s",
      "secrets:",
      "  token: {file: ./token.txt}",
      "",
    ].join("\n"));
    const deployed = await ok("stack", "deploy", "-c", "compose.yml", "st");
    assert.match(deployed, /Creating network st_default\n/);
    assert.match(deployed, /Creating secret st_token\n/);
    assert.match(deployed, /Creating service st_app\n/);
    assert.match(deployed, /Creating service st_cache\n/);
    await eventually(async () => (await running("st_app", IMAGE)) === 2 && (await running("st_cache", IMAGE2)) === 1, { what: "the stack's tasks running", timeoutMs: 60_000 });
    // Again, unchanged: the secret is "updated" (nothing changes), the services are updated in place.
    const again = await ok("stack", "deploy", "-c", "compose.yml", "st");
    assert.match(again, /Updating service st_app \(id: \w+\)/);
    assert.deepEqual(rows(await ok("stack", "ls")).slice(1), [["st", "2"]]);
    const services = rows(await ok("stack", "services", "st"));
    assert.deepEqual(services.slice(1).map((r) => [r[1], r[2]]).sort(), [["st_app", "replicated"], ["st_cache", "replicated"]]);
    const ps = rows(await ok("stack", "ps", "st", "--filter", "desired-state=running"));
    assert.deepEqual(ps.slice(1).map((r) => r[1]).sort(), ["st_app.1", "st_app.2", "st_cache.1"]);
    const removed = await ok("stack", "rm", "st");
    assert.match(removed, /Removing service st_app\n/);
    assert.match(removed, /Removing secret st_token\n/);
    assert.match(removed, /Removing network st_default\n/);
    await eventually(async () => (await c.containers({ service: "st_app" })).length === 0, { what: "the stack's containers removed", timeoutMs: 60_000 });
    assert.deepEqual(await c.get("/secrets"), []);
  });

  it("events --filter scope=swarm: a stream of swarm objects; since/until replay", async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const events = spawn("docker", ["events", "--filter", "scope=swarm", "--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}"], {
      env: { ...process.env, DOCKER_HOST: c.socketUrl, DOCKER_CONFIG: join(work, "config") },
    });
    let out = "";
    events.stdout.on("data", (d: Buffer) => { out += d.toString(); });
    // The CLI prints nothing until an event comes, so "subscribed" is seen only through one: a
    // network created before the stream was read would never show, hence a new one on each try.
    let probes = 0;
    await eventually(async () => {
      if (out.includes("network create evprobe")) return true;
      const name = `evprobe${probes++}`;
      await ok("network", "create", "-d", "overlay", name);
      await ok("network", "rm", name);
      return false;
    }, { what: "the events stream connected" });
    await ok("network", "create", "-d", "overlay", "evnet");
    await ok("network", "rm", "evnet");
    await eventually(() => out.includes("network remove evnet"), { what: "the events stream" });
    events.kill();
    // evnet's lines, in order, once each; other swarm objects' events (a node's refreshed
    // description, a probe's) may fall between them.
    assert.deepEqual(out.split("\n").filter((l) => l.endsWith(" evnet")), ["network create evnet", "network remove evnet"]);
    const until = Math.floor(Date.now() / 1000) + 1;
    // Only evnet's: the previous case's stack rm may have removed its network within the last second.
    const replay = await ok("events", "--since", String(since), "--until", String(until), "--filter", "type=network", "--filter", "network=evnet", "--format", "{{json .}}");
    const parsed = replay.trim().split("\n").map((l) => JSON.parse(l) as { Type: string; Action: string; scope: string; Actor: { Attributes: { name: string } } });
    assert.deepEqual(parsed.map((e) => `${e.Type} ${e.Action} ${e.Actor.Attributes.name} ${e.scope}`), ["network create evnet swarm", "network remove evnet swarm"]);
    // Removes read from after their creates: named all the same (from the remove events), as Docker does.
    writeFileSync(join(work, "evpayload"), "x");
    await ok("secret", "create", "evsec", join(work, "evpayload"));
    await ok("config", "create", "evcfg", join(work, "evpayload"));
    const afterCreates = Date.now() + 1;
    await ok("secret", "rm", "evsec");
    await ok("config", "rm", "evcfg");
    const removes = await ok("events", "--since", (afterCreates / 1000).toFixed(3), "--until", String(Math.floor(Date.now() / 1000) + 1),
      "--filter", "type=secret", "--filter", "type=config", "--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}");
    assert.equal(removes, "secret remove evsec\nconfig remove evcfg\n");
    const ours = await c.swarm("events", "--since", new Date(afterCreates).toISOString(), "--filter", "type=SecretRemoved", "--filter", "type=ConfigRemoved");
    assert.match(ours, /^\S+ SecretRemoved secret evsec \(\w{12}\) removed by user local\n\S+ ConfigRemoved config evcfg \(\w{12}\) removed by user local\n$/);
  });

  it("swarm join-token -q worker, swarm update --task-history-limit", async () => {
    assert.match(await ok("swarm", "join-token", "-q", "worker"), /^SWMTKN-1-\w+-\w+\n$/);
    assert.match(await ok("swarm", "join-token", "manager"), /docker swarm join --token SWMTKN-1-\w+-\w+ \S+/);
    assert.equal(await ok("swarm", "update", "--task-history-limit", "3"), "Swarm updated.\n");
    assert.equal(await ok("info", "--format", "{{.Swarm.Cluster.Spec.Orchestration.TaskHistoryRetentionLimit}}"), "3\n");
  });

  it("over HTTPS as Docker's TLS daemon: DOCKER_TLS_VERIFY with a client bundle; no or a foreign certificate, or plain HTTP, refused", async () => {
    const tcp = c.apiUrl.replace(/^https:/, "tcp:");
    const bundle = join(work, "certs");
    const made = await swarmCli("ca", "client-bundle", bundle, "--name", "docker-tls", "--data-dir", c.dataDir);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /client certificate "docker-tls" written to .*certs \(ca\.pem, cert\.pem, key\.pem\)/);
    assert.equal(statSync(join(bundle, "key.pem")).mode & 0o777, 0o600);
    // Again into the same directory: refused, nothing replaced.
    const again = await swarmCli("ca", "client-bundle", bundle, "--data-dir", c.dataDir);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /Error: .*ca\.pem, .*cert\.pem, .*key\.pem already exist: remove them or choose another directory/);
    const tls = { DOCKER_HOST: tcp, DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: bundle };
    const info = await docker(["info", "--format", "{{.Swarm.NodeID}} {{.Swarm.ControlAvailable}}"], tls);
    assert.equal(info.code, 0, info.stderr);
    assert.equal(info.stdout, `${c.nodeId} true\n`);
    const created = await docker(["service", "create", "--detach", "--name", "tlsweb", IMAGE, "sleep", "3600"], tls);
    assert.equal(created.code, 0, created.stderr);
    const ls = await docker(["service", "ls", "--format", "{{.Name}} {{.Mode}}"], tls);
    assert.equal(ls.stdout, "tlsweb replicated\n", ls.stderr);
    // The log records the certificate's name as the actor.
    const page = await c.get<{ events: { actor: { id: string } }[] }>(`/jetswarm/events?filters=${encodeURIComponent(JSON.stringify({ type: ["ServiceCreated"], service: ["tlsweb"] }))}`);
    assert.equal(page.events[0]?.actor.id, "cert:docker-tls");
    const rm = await docker(["service", "rm", "tlsweb"], tls);
    assert.equal(rm.stdout, "tlsweb\n", rm.stderr);
    // No client certificate (the CA only): the api's 401, as docker prints it.
    const caOnly = join(work, "ca-only");
    mkdirSync(caOnly);
    writeFileSync(join(caOnly, "ca.pem"), await readText(join(bundle, "ca.pem")));
    const anonymous = await docker(["service", "ls"], { ...tls, DOCKER_CERT_PATH: caOnly });
    assert.notEqual(anonymous.code, 0);
    assert.match(anonymous.stderr, /authentication required: present a client certificate issued by the cluster's CA/);
    // A certificate of another CA (the cluster's CA still checks the server).
    const foreignCa = await createRootCa();
    const foreign = await issueCert({ ca: foreignCa, commonName: "mallory", ou: "swarm-client", days: 1 });
    const foreignDir = join(work, "foreign");
    mkdirSync(foreignDir);
    writeFileSync(join(foreignDir, "ca.pem"), await readText(join(bundle, "ca.pem")));
    writeFileSync(join(foreignDir, "cert.pem"), foreign.certPem);
    writeFileSync(join(foreignDir, "key.pem"), foreign.keyPem);
    const mallory = await docker(["service", "ls"], { ...tls, DOCKER_CERT_PATH: foreignDir });
    assert.notEqual(mallory.code, 0);
    assert.match(mallory.stderr, /client certificate "mallory" refused: it is not issued by the cluster's CA/);
    // Plain HTTP to the TLS port.
    const plain = await docker(["service", "ls"], { DOCKER_HOST: tcp });
    assert.notEqual(plain.code, 0);
    assert.match(plain.stderr, /Client sent an HTTP request to an HTTPS server/);
    assert.deepEqual((await c.get<{ Spec: { Name: string } }[]>("/services")).filter((x) => x.Spec.Name === "tlsweb"), []);
  });

  it("bad input: Docker's status codes and messages, nothing created", async () => {
    const isolation = await docker(["service", "create", "--detach", "--name", "bad", "--isolation", "process", IMAGE]);
    assert.notEqual(isolation.code, 0);
    assert.match(isolation.stderr, /Error response from daemon: .*TaskTemplate\.ContainerSpec\.Isolation/);
    await ok("service", "create", "--detach", "--name", "dup", IMAGE, "sleep", "3600");
    const dup = await docker(["service", "create", "--detach", "--name", "dup", IMAGE]);
    assert.match(dup.stderr, /Error response from daemon: .*dup/);
    const missing = await c.api("/v1.51/services/nope");
    assert.equal(missing.status, 404);
    assert.match(((await missing.json()) as { message: string }).message, /nope/);
    const names = (await c.get<{ Spec: { Name: string } }[]>("/services")).map((x) => x.Spec.Name);
    assert.deepEqual(names.filter((n) => !n.startsWith("st_")), ["dup"], "bad and the second dup were not created");
  });
});

