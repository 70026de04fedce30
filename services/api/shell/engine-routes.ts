import { existsSync, readFileSync } from "node:fs";
import { arch, cpus, hostname, release, totalmem } from "node:os";
import { dirname, join } from "node:path";
import * as app from "../app/index.js";
import { engineInfo, engineVersion, type HostFacts, type SwarmFacts } from "../core/engine-info.js";
import { pingHeaders } from "../core/engine-version.js";
import { ENGINE_EVENT_FILTERS, parseUnixTime } from "../core/engine-events.js";
import { parseFilters } from "../core/filters.js";
import { route, type Route } from "./http.js";

/*
 * The Docker Engine API's system endpoints for the docker CLI: `/_ping` (GET and HEAD, with the
 * negotiation headers), `/version` and `/info` (its `Swarm` section is this cluster, seen from
 * the manager node this api runs on).
 */

/** What the engine endpoints need beyond the application layer. */
export interface EngineDeps {
  /** jetswarm's version, shown as the engine's. */
  version: string;
  /** The node this api's manager is; undefined when not known (yet). */
  selfId(): string | undefined;
  host(): HostFacts;
}

function productVersion(): string {
  // dist/services/api/shell → the package root is the first ancestor with a package.json.
  let dir = dirname(new URL(import.meta.url).pathname);
  while (dir !== "/" && !existsSync(join(dir, "package.json"))) dir = dirname(dir);
  try {
    return String((JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version?: unknown }).version ?? "0.0.0");
  } catch {
    return "0.0.0";
  }
}

/**
 * The node of this manager: `$SWARM_NODE_ID`, else the node.json `swarm up` writes in its data dir
 * (the api socket's directory). Read on each call: the node is recorded after the api starts.
 */
function selfFromEnv(env: NodeJS.ProcessEnv): () => string | undefined {
  let known: string | undefined = env.SWARM_NODE_ID;
  return () => {
    if (known || !env.SWARM_API_SOCKET) return known;
    try {
      const id = (JSON.parse(readFileSync(join(dirname(env.SWARM_API_SOCKET), "node.json"), "utf8")) as { nodeId?: unknown }).nodeId;
      if (typeof id === "string" && id) known = id;
    } catch {
      // no node.json yet: unknown
    }
    return known;
  };
}

function hostFacts(): HostFacts {
  let os = "Linux";
  try {
    os = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync("/etc/os-release", "utf8"))?.[1] ?? os;
  } catch {
    // no os-release: "Linux"
  }
  const machine = arch() === "x64" ? "x86_64" : arch() === "arm64" ? "aarch64" : arch();
  return { hostname: hostname(), kernelVersion: release(), operatingSystem: os, arch: machine, ncpu: cpus().length, memTotal: totalmem() };
}

export function defaultEngineDeps(env: NodeJS.ProcessEnv = process.env): EngineDeps {
  const facts = hostFacts();
  return { version: productVersion(), selfId: selfFromEnv(env), host: () => facts };
}

/** The cluster as `/info` shows it, or undefined before `swarm init`. */
export function swarmFacts(deps: app.AppDeps, engine: EngineDeps): SwarmFacts | undefined {
  const cluster = app.dockerCluster(deps);
  if (!cluster) return undefined;
  return { cluster, nodes: app.listNodes(deps, new Map()), selfId: engine.selfId() };
}

export function engineRoutes(deps: app.AppDeps, engine: EngineDeps): Route[] {
  const initialised = () => deps.informer.state.cluster !== undefined;
  const ping = (method: "GET" | "HEAD") => route(method, "/_ping", async () => ({
    status: 200, text: Buffer.from(method === "GET" ? "OK" : ""), contentType: "text/plain; charset=utf-8", headers: pingHeaders(initialised()),
  }));
  return [
    ping("GET"),
    ping("HEAD"),
    route("GET", "/version", async () => ({ status: 200, body: engineVersion(engine.version, engine.host()) })),
    route("GET", "/info", async () => ({ status: 200, body: { ...engineInfo(engine.version, engine.host(), swarmFacts(deps, engine), deps.now()), ...app.classicInfo(deps) } })),
    route("GET", "/events", async (req) => {
      const filters = parseFilters(req.query.get("filters"), ENGINE_EVENT_FILTERS);
      const sinceMs = parseUnixTime(req.query.get("since"), "since");
      const untilMs = parseUnixTime(req.query.get("until"), "until");
      const q: app.EngineEventsQuery = { filters, ...(sinceMs === undefined ? {} : { sinceMs }), ...(untilMs === undefined ? {} : { untilMs }) };
      const from = await app.engineEventsStart(deps, q);
      return {
        status: 200,
        stream: {
          contentType: "application/json",
          run: (write, signal) => app.streamEngineEvents(deps, q, from, (ev) => write(Buffer.from(`${JSON.stringify(ev)}\n`)), signal),
        },
      };
    }),
  ];
}
