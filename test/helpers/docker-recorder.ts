import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { execFile } from "node:child_process";
import type { AddressInfo } from "node:net";

/*
 * A stand-in Docker Engine (API 1.41) on loopback that records what the docker CLI sends: it
 * answers as an empty swarm manager (`/_ping`, `/info`, empty lists, 404 on inspects, ids on
 * creates) and keeps each request's method, path and JSON body. Used to compare jetswarm's
 * conversions with what `docker stack deploy` itself sends (DOCKER_HOST=tcp://127.0.0.1:P).
 */

export interface Recorded { method: string; path: string; body: unknown }

export interface DockerRecorder {
  host: string;
  requests: Recorded[];
  /** Bodies of POST requests whose path ends with `suffix` (e.g. `/services/create`). */
  posted(suffix: string): unknown[];
  close(): Promise<void>;
}

/** Objects the stand-in engine knows: given ones (externals) and those the CLI created. */
type Known = Map<string, { ID: string; Name: string }[]>;

function nameFilter(url: URL): string[] | undefined {
  const raw = url.searchParams.get("filters");
  if (!raw) return undefined;
  const names = (JSON.parse(raw) as Record<string, Record<string, boolean>>).name;
  return names ? Object.keys(names) : undefined;
}

function listed(kind: string, url: URL, known: Known): unknown[] {
  const names = nameFilter(url);
  if (!names) return [];
  return (known.get(kind) ?? []).filter((o) => names.includes(o.Name))
    .map((o) => (kind === "networks" ? { Name: o.Name, Id: o.ID, Scope: "swarm", Driver: "overlay" } : { ID: o.ID, Spec: { Name: o.Name } }));
}

function answer(req: IncomingMessage, res: ServerResponse, n: number, body: unknown, known: Known): void {
  const url = new URL(req.url ?? "/", "http://x");
  const path = url.pathname.replace(/^\/v[0-9.]+/, "");
  const [, kind = "", rest] = /^\/([a-z]+)(?:\/(.*))?$/.exec(path) ?? [];
  const json = (status: number, body: unknown): void => {
    res.writeHead(status, { "Content-Type": "application/json", "Api-Version": "1.41", "Ostype": "linux" });
    res.end(JSON.stringify(body));
  };
  if (path === "/_ping") {
    res.writeHead(200, { "Api-Version": "1.41", "Ostype": "linux", "Swarm": "active/manager", "Content-Type": "text/plain" });
    res.end(req.method === "HEAD" ? undefined : "OK");
  } else if (path === "/info") {
    json(200, { Swarm: { LocalNodeState: "active", ControlAvailable: true, NodeID: "x" } });
  } else if (req.method === "POST" && rest === "create") {
    const name = (body as { Name?: string } | undefined)?.Name ?? "";
    known.set(kind, [...(known.get(kind) ?? []), { ID: `id${n}`, Name: name }]);
    json(201, { ID: `id${n}`, Id: `id${n}` });
  } else if (req.method === "GET" && rest === undefined && /^(networks|services|secrets|configs|tasks|nodes)$/.test(kind)) {
    json(200, listed(kind, url, known));
  } else if (req.method === "GET" && kind === "networks" && (known.get(kind) ?? []).some((o) => o.Name === rest || o.ID === rest)) {
    json(200, { Name: rest, Id: rest, Scope: "swarm", Driver: "overlay" });
  } else {
    json(404, { message: `no such object: ${path}` });
  }
}

/** `existing`: names of objects the engine already has (a stack's externals), by kind (`networks`, `secrets`, `configs`). */
export async function startDockerRecorder(existing: Record<string, string[]> = {}): Promise<DockerRecorder> {
  const requests: Recorded[] = [];
  const known: Known = new Map(Object.entries(existing).map(([kind, names]) => [kind, names.map((Name, i) => ({ ID: `${kind}${i}`, Name }))]));
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: kept as text
      }
      requests.push({ method: req.method ?? "", path: req.url ?? "", body });
      answer(req, res, requests.length, body, known);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `tcp://127.0.0.1:${port}`,
    requests,
    posted: (suffix) => requests.filter((r) => r.method === "POST" && (r.path.split("?")[0] ?? "").endsWith(suffix)).map((r) => r.body),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Runs the docker CLI against `host`; resolves with its output, rejects with its stderr. */
export function runDocker(host: string, args: string[], env: Record<string, string | undefined> = process.env): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile("docker", args, { env: { ...env, DOCKER_HOST: host, DOCKER_CONTEXT: "" }, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`docker ${args.join(" ")}: ${stderr || err.message}`));
      else resolve({ stdout, stderr });
    });
  });
}
