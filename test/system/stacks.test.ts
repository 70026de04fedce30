import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Service, Task } from "../../schemas/api.js";
import { docker, IMAGE, startTestCluster, type TestCluster } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";

/*
 * Stacks end to end (issue #18) through `swarm up`'s processes and real containers: a compose file
 * with a web server serving a file from a config, a worker and a one-shot job is deployed, the web
 * answers with the file on its published port; a redeploy with one service changed updates only that one; `stack
 * ls/services/ps` show it; `--prune` drops a service the file no longer has; `stack rm` leaves
 * nothing of the stack, also right after a deploy, in one pass.
 */

let c: TestCluster;
let dir: string;
before(async () => {
  c = await startTestCluster("stacks");
  dir = mkdtempSync(join(tmpdir(), "jetswarm-stack-"));
});
after(async () => {
  await c?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * The stack's network gets a subnet of its own: Docker refuses a bridge network whose subnet
 * overlaps another on the engine, and every cluster's pool starts at 10.0.0.0/24 (ingress) and
 * 10.0.1.0/24 (its first overlay), so another cluster running on this engine, or a network Docker
 * cannot remove (`has active endpoints` with none attached), would hold the stack's. Device names
 * no longer clash (they follow each cluster's wire VNI): no VNIs need holding.
 */
const SUBNET = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 250)}.0/24`;
/** The web's published port: reached on localhost through the routing mesh, as a user would. */
const PORT = 30_000 + Math.floor(Math.random() * 2_700);
const PAGE = "<h1>served from a stack config</h1>";

function compose(workerEnv: string, withJob = true): string {
  return `
services:
  web:
    image: ${IMAGE}
    command: ["httpd", "-f", "-p", "80", "-h", "/www"]
    ports:
      - "${PORT}:80"
    configs:
      - source: page
        target: /www/index.html
  worker:
    image: ${IMAGE}
    command: ["sleep", "3600"]
    environment:
      MODE: ${workerEnv}
${withJob ? `  job:
    image: ${IMAGE}
    command: ["sh", "-c", "echo migrated"]
    deploy:
      mode: replicated-job
      replicas: 1
` : ""}networks:
  default:
    ipam:
      config:
        - subnet: ${SUBNET}
configs:
  page:
    file: ./page.html
`;
}

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The HTTP body of GET / on the web's published port (the ingress network and the routing mesh). */
function getPage(): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: "127.0.0.1", port: PORT });
    let body = "";
    sock.setTimeout(3000, () => sock.destroy(new Error("timeout")));
    sock.on("connect", () => sock.end("GET / HTTP/1.0\r\n\r\n"));
    sock.on("data", (d: Buffer) => { body += d.toString(); });
    sock.on("end", () => resolve(body.split("\r\n\r\n").slice(1).join("\r\n\r\n").trim()));
    sock.on("error", reject);
  });
}

const service = (name: string) => c.get<Service>(`/services/${name}`);
/** Tasks of `name` the api shows running (desired and current). */
const runningTasks = async (name: string) => (await c.get<Task[]>(`/tasks?filters=${encodeURIComponent(JSON.stringify({ service: [name] }))}`))
  .filter((t) => t.DesiredState === "running" && t.Status.State === "running").length;
const versions = async () => Object.fromEntries(await Promise.all(["st_web", "st_worker", "st_job"].map(async (n) => [n, (await service(n)).Version.Index])));

async function converged(): Promise<void> {
  await eventually(async () => {
    const [web, worker] = await Promise.all([c.containers({ running: true, service: "st_web" }), c.containers({ running: true, service: "st_worker" })]);
    const job = await c.get<{ ServiceStatus?: { CompletedTasks?: number } }>("/services/st_job");
    // The engine runs a container before its agent's report has reached the log: `stack services`
    // counts what the api shows, so both must agree.
    return web.length === 1 && worker.length === 1 && job.ServiceStatus?.CompletedTasks === 1
      && (await runningTasks("st_web")) === 1 && (await runningTasks("st_worker")) === 1;
  }, { what: "web and worker running (engine and api), the job completed", timeoutMs: 90_000 }).catch(async (err: Error) => {
    throw new Error(`${err.message}\n${await c.swarm("stack", "ps", "--no-trunc", "st").catch((e: Error) => e.message)}`);
  });
}

describe("swarm stack", () => {
  it("deploys a compose file: networks, config, services; the web serves the config's content", async () => {
    write("page.html", PAGE);
    const out = await c.swarm("stack", "deploy", "-c", write("compose.yml", compose("one")), "st");
    assert.deepEqual(out.trim().split("\n"), [
      "Creating network st_default", "Creating config st_page", "Creating service st_job", "Creating service st_web", "Creating service st_worker",
    ]);
    await converged();
    await eventually(async () => (await getPage().catch(() => "")) === PAGE, { what: "the page from the web task", timeoutMs: 60_000 });
    const web = await service("st_web");
    assert.equal(web.Spec.Labels?.["com.docker.stack.namespace"], "st");
  });

  it("lists the stack, its services and its tasks as docker does", async () => {
    assert.match(await c.swarm("stack", "ls"), /^NAME\s+SERVICES\nst\s+3\n$/);
    const services = (await c.swarm("stack", "services", "st")).trim().split("\n");
    assert.match(services[0]!, /^ID\s+NAME\s+MODE\s+REPLICAS\s+IMAGE\s+PORTS$/);
    const rows = services.slice(1).map((l) => l.split(/\s{2,}/));
    assert.deepEqual(rows.map((r) => r.slice(1, 3)), [["st_job", "replicated job"], ["st_web", "replicated"], ["st_worker", "replicated"]]);
    assert.deepEqual(rows.slice(1).map((r) => r[3]), ["1/1", "1/1"]);
    assert.match(services[1]!, /\(1\/1 completed\)/);
    assert.equal((await c.swarm("stack", "services", "-q", "--filter", "name=st_w", "st")).trim().split("\n").length, 2);
    const ps = await c.swarm("stack", "ps", "--filter", "desired-state=running", "st");
    assert.match(ps, /^ID\s+NAME\s+IMAGE\s+NODE\s+DESIRED STATE\s+CURRENT STATE\s+ERROR\s+PORTS\n/);
    assert.deepEqual(ps.trim().split("\n").slice(1).map((l) => l.split(/\s{2,}/)[1]).sort(), ["st_web.1", "st_worker.1"]);
    assert.equal((await c.swarm("stack", "ps", "-q", "st")).trim().split("\n").length, 3);
  });

  it("a redeploy with one service changed updates only that service; the others keep their versions", async () => {
    const before = await versions();
    const out = await c.swarm("stack", "deploy", "-c", join(dir, "compose.yml"), "-c", write("override.yml", "services:\n  worker:\n    environment:\n      MODE: two\n"), "st");
    assert.deepEqual(out.trim().split("\n").map((l) => l.replace(/\(id: \w+\)/, "(id)")),
      ["Updating service st_job (id)", "Updating service st_web (id)", "Updating service st_worker (id)"]);
    const after = await versions();
    assert.equal(after.st_web, before.st_web);
    assert.equal(after.st_job, before.st_job);
    assert.ok(after.st_worker! > before.st_worker!, `worker version ${before.st_worker} → ${after.st_worker}`);
    await eventually(async () => {
      const running = await c.containers({ running: true, service: "st_worker" });
      if (running.length !== 1) return false;
      return (await docker.getContainer(running[0]!.Id).inspect()).Config.Env.includes("MODE=two");
    }, { what: "the worker rolled to MODE=two", timeoutMs: 60_000 });
    await eventually(async () => (await service("st_worker")).UpdateStatus?.State === "completed", { what: "the worker's update completed", timeoutMs: 60_000 });
    assert.equal((await service("st_job")).ServiceStatus?.CompletedTasks, 1);
  });

  it("a changed config content is refused as Swarm refuses it, and nothing changes", async () => {
    const specs = async () => Promise.all(["st_web", "st_worker", "st_job"].map(async (n) => JSON.stringify((await service(n)).Spec)));
    const before = await specs();
    write("page.html", "<h1>other</h1>");
    try {
      await assert.rejects(c.swarm("stack", "deploy", "-c", join(dir, "compose.yml"), "st"),
        (err: { stderr?: string }) => /failed to update config st_page: .*only updates to Labels are allowed/.test(err.stderr ?? ""));
    } finally {
      write("page.html", PAGE);
    }
    assert.deepEqual(await specs(), before);
  });

  it("--prune removes the services the file no longer names", async () => {
    const out = await c.swarm("stack", "deploy", "--prune", "-c", write("nojob.yml", compose("one", false)), "st");
    assert.equal(out.split("\n")[0], "Removing service st_job");
    assert.match(await c.swarm("stack", "ls"), /\nst\s+2\n$/);
  });

  it("stack rm removes services, config and network of the stack, with docker's lines", async () => {
    const out = await c.swarm("stack", "rm", "st");
    assert.deepEqual(out.trim().split("\n"), ["Removing service st_web", "Removing service st_worker", "Removing config st_page", "Removing network st_default"]);
    const label = encodeURIComponent(JSON.stringify({ label: ["com.docker.stack.namespace=st"] }));
    for (const kind of ["services", "networks", "configs", "secrets"]) assert.deepEqual(await c.get(`/${kind}?filters=${label}`), [], kind);
    await eventually(async () => (await c.containers({ running: true })).filter((x) => x.Labels["jetswarm.service.name"]?.startsWith("st_")).length === 0,
      { what: "the stack's containers gone", timeoutMs: 60_000 });
    await assert.rejects(c.swarm("stack", "ps", "st"), (err: { stderr?: string }) => /nothing found in stack: st/.test(err.stderr ?? ""));
  });

  it("stack rm right after a deploy removes it in one pass; a network a service outside the stack uses is reported and kept", async () => {
    const file = write("quick.yml", `services:\n  a:\n    image: ${IMAGE}\n    command: ["sleep", "3600"]\n    deploy:\n      replicas: 2\n`);
    const lines = ["Removing service quick_a", "Removing network quick_default"];
    await c.swarm("stack", "deploy", "-c", file, "quick");
    // The tasks are still on their way (new … starting): a removed service's tasks hold no network.
    assert.deepEqual((await c.swarm("stack", "rm", "quick")).trim().split("\n"), lines);
    const label = encodeURIComponent(JSON.stringify({ label: ["com.docker.stack.namespace=quick"] }));
    assert.deepEqual(await c.get(`/networks?filters=${label}`), []);

    await c.swarm("stack", "deploy", "-c", file, "quick");
    await c.swarm("service", "create", "--detach", "--name", "outside", "--network", "quick_default", "--replicas", "0", IMAGE, "sleep", "3600");
    const [net] = await c.get<{ Id: string }[]>(`/networks?filters=${label}`);
    await assert.rejects(c.swarm("stack", "rm", "quick"), (err: { stdout?: string; stderr?: string }) => {
      assert.deepEqual(err.stdout?.trim().split("\n"), lines);
      assert.match(err.stderr ?? "", new RegExp(`Failed to remove network ${net!.Id}: .*network ${net!.Id} is in use by service`));
      assert.match(err.stderr ?? "", /failed to remove some resources from stack: quick/);
      return true;
    });
    assert.equal((await c.get<unknown[]>(`/networks?filters=${label}`)).length, 1, "the network in use is kept");
    await c.swarm("service", "rm", "outside");
    assert.deepEqual((await c.swarm("stack", "rm", "quick")).trim().split("\n"), ["Removing network quick_default"]);
  });
});
