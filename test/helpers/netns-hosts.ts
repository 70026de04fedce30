import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import Docker from "dockerode";
import { eventually } from "./eventually.js";

/*
 * Multi-host tests on one machine (DESIGN §6b "Test hosts"): each host is a network namespace
 * joined by a veth to an underlay bridge in the root namespace, with its own dockerd started in it
 * with nsenter (`ip netns exec` fails: "Devices cgroup isn't mounted"), and the test image loaded.
 * Needs root. Everything a run creates is named `jst<run>…` (≤ 15 characters for links) and lives
 * under `/tmp/jst<run>/`, whose `owner` file holds the test process's pid: a later run removes the
 * leftovers of runs whose owner is dead (a crashed run), never those of a live one (helpers run
 * tests in parallel on this machine).
 */

const run = promisify(execFile);
const ROOT = "/tmp";
const PREFIX = "jst";

export interface TestHost {
  /** `jst<run>h<n>`: the namespace's name (`/var/run/netns/<name>`). */
  name: string;
  /** The host's underlay address (its VTEP), e.g. `192.168.131.1`. */
  addr: string;
  /** `/var/run/netns/<name>`. */
  netns: string;
  /** `unix:///tmp/jst<run>/h<n>/docker.sock`. */
  dockerHost: string;
  docker: Docker;
  /** Its dockerd's pid. */
  dockerdPid: number;
  /** Time from namespace creation to the engine answering with the image loaded, ms (measured per host). */
  startMs: number;
  /** Runs a command inside the host's namespace; resolves with stdout. */
  exec(cmd: string, args: string[]): Promise<string>;
  /** Restarts the host's dockerd (same data); resolves once it answers. */
  restartDockerd(): Promise<void>;
}

export interface TestHosts {
  hosts: TestHost[];
  /** The root namespace's address on the underlay (a NATS listening there is reachable from every host). */
  rootAddr: string;
  /** Underlay bridge in the root namespace. */
  bridge: string;
  cleanup(): Promise<void>;
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** `ip netns pids`: every process in the namespace (all started by this helper's dockerd). */
async function killNamespace(ns: string): Promise<void> {
  const out = await run("ip", ["netns", "pids", ns]).then((r) => r.stdout, () => "");
  for (const pid of out.split(/\s+/).filter(Boolean).map(Number)) {
    try { process.kill(pid, "SIGKILL"); } catch { /* already gone */ }
  }
}

/** Unmounts every mount below `dir` (dockerd's overlay and netns mounts), deepest first. */
async function unmountUnder(dir: string): Promise<void> {
  const points = readFileSync("/proc/mounts", "utf8").split("\n").map((l) => l.split(" ")[1] ?? "")
    .filter((m) => m.startsWith(`${dir}/`)).sort((a, b) => b.length - a.length);
  for (const m of points) await run("umount", ["-l", m]).catch(() => undefined);
}

/** Removes one run's namespaces, links, firewall rule and directory. */
async function removeRun(runId: string): Promise<void> {
  const tag = `${PREFIX}${runId}`;
  const nss = (await run("ip", ["netns", "list"])).stdout.split("\n").map((l) => l.split(" ")[0] ?? "").filter((n) => n.startsWith(`${tag}h`));
  for (const ns of nss) await killNamespace(ns);
  const dir = `${ROOT}/${tag}`;
  await unmountUnder(dir);
  for (const ns of nss) await run("ip", ["netns", "del", ns]).catch(() => undefined);
  const links = JSON.parse((await run("ip", ["-json", "link", "show"])).stdout) as { ifname: string }[];
  for (const l of links.filter((x) => x.ifname.startsWith(tag))) await run("ip", ["link", "del", l.ifname]).catch(() => undefined);
  await run("iptables", ["-D", "FORWARD", "-i", `${tag}ul`, "-o", `${tag}ul`, "-j", "ACCEPT"]).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}

/** Leftovers of earlier runs whose test process is dead. */
async function removeStaleRuns(): Promise<void> {
  for (const d of readdirSync(ROOT).filter((n) => /^jst[0-9a-f]{4}$/.test(n))) {
    const owner = Number(readFileSync(`${ROOT}/${d}/owner`, "utf8").trim() || "0") || 0;
    if (owner && alive(owner)) continue;
    await removeRun(d.slice(PREFIX.length));
  }
}

/** A /24 for the underlay that no interface of the root namespace uses yet. */
async function freeUnderlay(): Promise<string> {
  const used = (await run("ip", ["-4", "-o", "addr", "show"])).stdout;
  for (let i = 0; i < 100; i++) {
    const octet = 100 + Math.floor(Math.random() * 100);
    if (!used.includes(` 192.168.${octet}.`)) return `192.168.${octet}`;
  }
  throw new Error("no free 192.168.x.0/24 for the test underlay");
}

function startDockerd(ns: string, dir: string, n: number): ChildProcess {
  const args = [
    `--net=/var/run/netns/${ns}`, "dockerd", "--data-root", `${dir}/data`, "--exec-root", `${dir}/exec`,
    "--pidfile", `${dir}/docker.pid`, "-H", `unix://${dir}/docker.sock`, "--bip", `10.199.${n}.1/24`, "--iptables=true",
  ];
  const p = spawn("nsenter", args, { stdio: ["ignore", "ignore", "ignore"], detached: false });
  p.unref();
  return p;
}

async function loadImages(dockerHost: string, images: string[]): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const save = spawn("docker", ["save", ...images], { stdio: ["ignore", "pipe", "inherit"] });
    const load = spawn("docker", ["load", "-q"], { env: { ...process.env, DOCKER_HOST: dockerHost }, stdio: ["pipe", "ignore", "inherit"] });
    save.stdout.pipe(load.stdin);
    load.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`docker load into ${dockerHost} exited ${code}`))));
    save.on("error", reject);
    load.on("error", reject);
  });
}

async function waitEngine(docker: Docker, what: string): Promise<void> {
  await eventually(async () => (await docker.ping().then(() => true, () => false)) || undefined, { timeoutMs: 30_000, what });
}

export interface TestHostsOptions {
  /** Images copied into every host's engine. Default `jetswarm-test/busybox:1`. */
  images?: string[];
}

/** Starts `n` hosts (in parallel) on a fresh underlay; `cleanup()` removes everything the run made. */
export async function startTestHosts(n: number, opts: TestHostsOptions = {}): Promise<TestHosts> {
  await removeStaleRuns();
  const runId = randomBytes(2).toString("hex");
  const tag = `${PREFIX}${runId}`;
  const dir = `${ROOT}/${tag}`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/owner`, String(process.pid));
  const net = await freeUnderlay();
  const bridge = `${tag}ul`;
  const rootAddr = `${net}.254`;
  const cleanup = () => removeRun(runId);
  try {
    await run("ip", ["link", "add", bridge, "type", "bridge"]);
    await run("ip", ["addr", "add", `${rootAddr}/24`, "dev", bridge]);
    await run("ip", ["link", "set", bridge, "up"]);
    // The root namespace's dockerd sets FORWARD's policy to DROP, and br_netfilter passes bridged
    // frames through it: the hosts' VXLAN traffic crosses this bridge.
    await run("iptables", ["-I", "FORWARD", "-i", bridge, "-o", bridge, "-j", "ACCEPT"]);
    const hosts = await Promise.all(Array.from({ length: n }, (_, i) => startHost(tag, dir, net, bridge, i + 1, opts.images ?? ["jetswarm-test/busybox:1"])));
    return { hosts, rootAddr, bridge, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

async function startHost(tag: string, runDir: string, net: string, bridge: string, n: number, images: string[]): Promise<TestHost> {
  const t0 = performance.now();
  const name = `${tag}h${n}`;
  const netns = `/var/run/netns/${name}`;
  const dir = `${runDir}/h${n}`;
  mkdirSync(dir, { recursive: true });
  const addr = `${net}.${n}`;
  const ip = (...a: string[]) => run("ip", a);
  await ip("netns", "add", name);
  await ip("link", "add", `${tag}v${n}`, "type", "veth", "peer", "name", "eth0", "netns", name);
  await ip("link", "set", `${tag}v${n}`, "master", bridge, "up");
  const inNs = (cmd: string, args: string[]) => run("nsenter", [`--net=${netns}`, cmd, ...args], { maxBuffer: 16 << 20 }).then((r) => r.stdout);
  await inNs("ip", ["addr", "add", `${addr}/24`, "dev", "eth0"]);
  await inNs("ip", ["link", "set", "eth0", "up"]);
  await inNs("ip", ["link", "set", "lo", "up"]);
  await inNs("ip", ["route", "add", "default", "via", `${net}.254`]);
  const dockerHost = `unix://${dir}/docker.sock`;
  const docker = new Docker({ socketPath: `${dir}/docker.sock` });
  let proc = startDockerd(name, dir, n);
  await waitEngine(docker, `dockerd of ${name}`);
  await loadImages(dockerHost, images);
  const pidOf = () => (existsSync(`${dir}/docker.pid`) ? Number(readFileSync(`${dir}/docker.pid`, "utf8").trim()) : proc.pid ?? 0);
  const host: TestHost = {
    name, addr, netns, dockerHost, docker, dockerdPid: pidOf(), startMs: Math.round(performance.now() - t0),
    exec: inNs,
    restartDockerd: async () => {
      const pid = pidOf();
      process.kill(pid, "SIGTERM");
      await eventually(() => (alive(pid) ? undefined : true), { timeoutMs: 30_000, what: `dockerd ${pid} of ${name} to stop` });
      proc = startDockerd(name, dir, n);
      await waitEngine(docker, `dockerd of ${name} after restart`);
      host.dockerdPid = pidOf();
    },
  };
  return host;
}
