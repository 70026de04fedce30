import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { connect } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import type { NatsConnection } from "../../services/shared/nats/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { start, type RunningApi } from "../../services/api/index.js";
import { issueApiServerCert } from "../../deploy/launcher/api-tls.js";
import { ensureClusterCa } from "../../deploy/launcher/node-identity.js";
import { issueFromCa } from "../helpers/openssl-certs.js";
import { requestApi, type Credentials } from "../../cli/http-request.js";
import { projectRoot } from "../../deploy/launcher/nats-server.js";
import { startInProcessApi, type InProcessApi } from "../helpers/in-process-api.js";

/*
 * The authenticated api (issue #15): HTTPS refuses a request without a credential, with a wrong
 * token, an expired or foreign certificate (401 naming what is wrong) and records the identity of
 * a certificate or token as the event's actor; the unix socket acts as `local` for root and the
 * socket's group only; plain HTTP is refused off loopback.
 */

const run = promisify(execFile);
const CLI = join(projectRoot(), "dist/cli/main.js");
let t: InProcessApi;
let nc: NatsConnection;
let api: RunningApi;
let dir: string;
let ca: string;
const certs: Record<string, { cert: string; key: string }> = {};
const log = createLogger("api-auth-test", "silent");

const pemOf = (f: { cert: string; key: string }) => ({ cert: readFileSync(f.cert, "utf8"), key: readFileSync(f.key, "utf8") });

async function call(creds: Credentials, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await requestApi(api.url, path, {
    method, ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  }, { ca, ...creds });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
async function local(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await requestApi(api.socketUrl!, path, {
    method, ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
const spec = (name: string) => ({ Name: name, TaskTemplate: { ContainerSpec: { Image: "busybox:1" } } });
/** The actor id of the ServiceCreated of `name`, from the log. */
async function creator(name: string): Promise<string | undefined> {
  const page = await local("GET", `/jetswarm/events?filters=${encodeURIComponent(JSON.stringify({ type: ["ServiceCreated"], service: [name] }))}`);
  return page.body.events[0]?.actor.id;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "jetswarm-api-auth-"));
  chmodSync(dir, 0o755); // the socket's group members must reach the socket inside it
  await ensureClusterCa(join(dir, "keys"));
  const server = await issueApiServerCert(dir, []);
  ca = readFileSync(server.ca, "utf8");
  const keys = join(dir, "keys");
  certs.alice = pemOf(issueFromCa(keys, "alice", "alice", [], "clientAuth"));
  certs.expired = pemOf(issueFromCa(keys, "old", "old", [], "clientAuth", -1));
  certs.worker = pemOf(issueFromCa(keys, "worker", "node-w1", [], "clientAuth", 90, "swarm-worker"));
  certs.foreign = pemOf(issueFromCa(join(dir, "other-keys"), "mallory", "mallory", [], "clientAuth"));
  t = await startInProcessApi("api-auth", { api: {
    listen: "127.0.0.1:0", socket: { path: join(dir, "api.sock") },
    tls: { cert: readFileSync(server.cert, "utf8"), key: readFileSync(server.key, "utf8"), ca },
  } });
  ({ nc, api } = t);
  assert.equal((await local("POST", "/swarm/init", { NodeName: "n1" })).status, 200);
});
after(async () => {
  await t?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("api over HTTPS", () => {
  it("listens on https:// and a 0660 socket", () => {
    assert.match(api.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(api.socketUrl, `unix://${join(dir, "api.sock")}`);
  });

  it("refuses a request without a credential: 401 naming what is missing, nothing appended", async () => {
    const r = await call({}, "POST", "/services/create", spec("anon"));
    assert.equal(r.status, 401);
    assert.match(r.body.message, /authentication required: present a client certificate .* or a bearer token/);
    assert.equal((await call({}, "GET", "/services")).status, 401);
    assert.equal((await call({}, "GET", "/no/such/page")).status, 401, "an unknown path is not told apart before the caller is known");
    assert.equal(await creator("anon"), undefined);
  });

  it("refuses a wrong token, an expired certificate and a foreign CA's, each saying why", async () => {
    const malformed = await call({ token: "letmein" }, "GET", "/services");
    assert.equal(malformed.status, 401);
    assert.match(malformed.body.message, /bearer token refused: the bearer token is malformed/);
    const unknown = await call({ token: `SWTKN-1-abc-${"0".repeat(64)}` }, "POST", "/services/create", spec("forged"));
    assert.equal(unknown.status, 401);
    assert.match(unknown.body.message, /bearer token refused: unknown or removed bearer token/);
    const expired = await call(certs.expired!, "POST", "/services/create", spec("expired"));
    assert.equal(expired.status, 401);
    assert.match(expired.body.message, /client certificate "old" refused: it has expired/);
    const foreign = await call(certs.foreign!, "POST", "/services/create", spec("foreign"));
    assert.equal(foreign.status, 401);
    assert.match(foreign.body.message, /client certificate "mallory" refused: it is not issued by the cluster's CA/);
    for (const n of ["forged", "expired", "foreign"]) assert.equal(await creator(n), undefined, n);
  });

  it("a worker node's certificate (OU=swarm-worker) may not manage the cluster: 403 with Docker's words, nothing appended", async () => {
    const r = await call(certs.worker!, "POST", "/services/create", spec("by-worker"));
    assert.equal(r.status, 403);
    assert.match(r.body.message, /This node is not a swarm manager\. Worker nodes can't be used to view or modify cluster state/);
    assert.equal((await call(certs.worker!, "GET", "/services")).status, 403);
    assert.equal(await creator("by-worker"), undefined);
  });

  it("plain HTTP to the HTTPS port: Go's 400 'Client sent an HTTP request to an HTTPS server.', as Docker's TLS daemon answers", async () => {
    const { port } = new URL(api.url);
    const reply = await new Promise<string>((resolve, reject) => {
      const sock = connect(Number(port), "127.0.0.1", () => {
        sock.write(`POST /services/create HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}`);
      });
      let got = "";
      sock.on("data", (d: Buffer) => { got += d.toString("latin1"); });
      sock.on("end", () => resolve(got));
      sock.on("error", reject);
    });
    assert.equal(reply, "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n");
    // The same port still speaks TLS.
    assert.equal((await call(certs.alice!, "GET", "/services")).status, 200);
  });

  it("a certificate from the cluster CA is served, and the event's actor is cert:<CN>", async () => {
    const r = await call(certs.alice!, "POST", "/services/create", spec("by-cert"));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(await creator("by-cert"), "cert:alice");
  });

  it("a token is shown once, acts as token:<name>, and is refused once removed", async () => {
    const created = await local("POST", "/jetswarm/tokens", { Name: "ci" });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const token = created.body.Token as string;
    const listed = await call({ token }, "GET", "/jetswarm/tokens");
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body.map((t: any) => t.Name), ["ci"]);
    assert.ok(!JSON.stringify(listed.body).includes(token.slice(-64)), "the list never shows the secret");
    assert.equal((await call({ token }, "POST", "/services/create", spec("by-token"))).status, 201);
    assert.equal(await creator("by-token"), "token:ci");
    const recorded = await local("GET", `/jetswarm/events?filters=${encodeURIComponent(JSON.stringify({ type: ["ApiTokenCreated"] }))}`);
    assert.equal(recorded.body.events[0]?.actor.id, "local");
    assert.equal((await local("DELETE", "/jetswarm/tokens/ci")).status, 200);
    const after = await call({ token }, "GET", "/services");
    assert.equal(after.status, 401);
    assert.match(after.body.message, /unknown or removed bearer token/);
  });

  it("token names are checked and unique", async () => {
    assert.equal((await local("POST", "/jetswarm/tokens", { Name: "ops" })).status, 201);
    const dup = await local("POST", "/jetswarm/tokens", { Name: "ops" });
    assert.equal(dup.status, 409);
    const bad = await local("POST", "/jetswarm/tokens", { Name: "../x" });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /token name "..\/x" is invalid/);
    assert.equal((await local("POST", "/jetswarm/tokens", {})).status, 400);
  });
});

describe("the CLI over HTTPS", () => {
  /** The CLI against the HTTPS listener, with `env` (and HOME elsewhere: no local cluster CA to fall back on). */
  const cli = (env: Record<string, string>, ...args: string[]) =>
    run(process.execPath, [CLI, "--host", api.url, ...args], { timeout: 30_000, env: { ...process.env, HOME: dir, SWARM_DATA_DIR: dir + "/none", ...env } })
      .then((r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }), (e: { code: number; stdout: string; stderr: string }) => e);

  it("creates a token once over the socket and uses it with SWARM_TOKEN and --tlscacert", async () => {
    const made = await run(process.execPath, [CLI, "--host", api.socketUrl!, "token", "create", "-q", "cli"], { timeout: 30_000 });
    const token = made.stdout.trim();
    assert.match(token, /^SWTKN-1-[a-z0-9]+-[0-9a-f]{64}$/);
    const caFile = join(dir, "keys", "ca.crt");
    const ok = await cli({ SWARM_TOKEN: token }, "--tlscacert", caFile, "service", "create", "-d", "--name", "by-cli", "busybox:1");
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(await creator("by-cli"), "token:cli");
    const ls = await cli({ SWARM_TOKEN: token }, "--tlscacert", caFile, "token", "ls");
    assert.match(ls.stdout, /^ID\s+NAME\s+CREATED\n.*\bcli\b/);
    assert.ok(!ls.stdout.includes(token.slice(-64)));
    const none = await cli({}, "--tlscacert", caFile, "service", "ls");
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /Error: authentication required/);
    const untrusted = await cli({ SWARM_TOKEN: token }, "service", "ls");
    assert.notEqual(untrusted.code, 0);
    assert.match(untrusted.stderr, /not issued by a CA this CLI trusts/);
  });

  it("uses a client certificate from SWARM_CERT_PATH (ca.pem, cert.pem, key.pem)", async () => {
    const certDir = join(dir, "alice-certs");
    mkdirSync(certDir);
    writeFileSync(join(certDir, "ca.pem"), ca);
    writeFileSync(join(certDir, "cert.pem"), certs.alice!.cert);
    writeFileSync(join(certDir, "key.pem"), certs.alice!.key);
    const r = await cli({ SWARM_CERT_PATH: certDir }, "service", "create", "-d", "--name", "by-cli-cert", "busybox:1");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await creator("by-cli-cert"), "cert:alice");
  });
});

describe("api socket", () => {
  it("acts as local", async () => {
    assert.equal((await local("POST", "/services/create", spec("by-socket"))).status, 201);
    assert.equal(await creator("by-socket"), "local");
  });
});

describe("api socket permissions", () => {
  const GROUP = "jswapiauth";
  const MEMBER = "jswapiauth-m";
  const OTHER = "jswapiauth-o";
  let grouped: RunningApi;
  const sock = () => join(dir, "grouped.sock");
  /** The CLI as `user` (its groups from /etc/group), against the grouped socket. */
  const cliAs = (user: string) => run("setpriv", [`--reuid=${user}`, `--regid=${user === MEMBER ? GROUP : "users"}`, "--init-groups",
    process.execPath, CLI, "--host", `unix://${sock()}`, "service", "ls"], { timeout: 30_000, env: { ...process.env, HOME: "/tmp" } })
    .then((r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }), (e: { code: number; stdout: string; stderr: string }) => e);

  before(async () => {
    await run("groupadd", ["-f", GROUP]);
    await run("useradd", ["-M", "-N", "-g", GROUP, MEMBER]).catch(() => undefined); // left by an earlier run
    await run("useradd", ["-M", "-N", "-g", "users", OTHER]).catch(() => undefined);
    grouped = await start({ nc, store: new JetStreamEventStore(nc), log, instanceId: "api-grouped" }, { listen: "none", socket: { path: sock(), group: GROUP } });
  });
  after(async () => {
    await grouped?.stop();
    for (const u of [MEMBER, OTHER]) await run("userdel", [u]).catch(() => undefined);
    await run("groupdel", [GROUP]).catch(() => undefined);
  });

  it("is mode 0660 in its group, and serves root and the group's members only", async () => {
    const gid = Number(readFileSync("/etc/group", "utf8").split("\n").find((l) => l.startsWith(`${GROUP}:`))!.split(":")[2]);
    const st = statSync(sock());
    assert.equal(st.mode & 0o777, 0o660);
    assert.equal(st.gid, gid);
    const root = await run(process.execPath, [CLI, "--host", `unix://${sock()}`, "service", "ls"], { timeout: 30_000 });
    assert.match(root.stdout, /by-cert/);
    const member = await cliAs(MEMBER);
    assert.equal(member.code, 0, member.stderr);
    assert.match(member.stdout, /by-cert/);
    const other = await cliAs(OTHER);
    assert.notEqual(other.code, 0);
    assert.match(other.stderr, /permission denied: the api socket is for root and its group/);
  });
});

describe("plain HTTP", () => {
  const deps = () => ({ nc, store: new JetStreamEventStore(nc), log, instanceId: "api-refused" });

  it("is refused off loopback, and TCP without TLS needs the explicit flag", async () => {
    await assert.rejects(start(deps(), { listen: "0.0.0.0:0", insecureHttp: true }), /refuses plain HTTP on 0\.0\.0\.0:0: --api-insecure-http is for loopback only/);
    await assert.rejects(start(deps(), { listen: "127.0.0.1:0" }), /TCP listener 127\.0\.0\.1:0 needs TLS .* or, for development, --api-insecure-http/);
  });

  it("swarm up --api-addr 0.0.0.0:… without TLS refuses to start", async () => {
    const data = mkdtempSync(join(tmpdir(), "jetswarm-api-auth-up-"));
    try {
      const r = await run(process.execPath, [CLI, "up", "--data-dir", data, "--api-addr", "0.0.0.0:4299", "--api-insecure-http"], { timeout: 30_000 })
        .then(() => ({ code: 0, stderr: "" }), (e: { code: number; stderr: string }) => e);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /refusing to serve the api without TLS on 0\.0\.0\.0:4299/);
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});
