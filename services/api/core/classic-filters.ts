import type { ClusterState, NodeView } from "../../shared/model/index.js";
import { failedPrecondition, invalidArgument } from "../../shared/errors/index.js";

/*
 * Classic Swarm's placement filters for a standalone container (`docker run -e constraint:…`),
 * evaluated against the projection when the container is created — classic Swarm also decided
 * at create time. The result is the set of nodes the container may go to, handed to the scheduler
 * as plain `node.id` constraints; the scheduler then applies what it knows better (readiness,
 * resources, host ports) and the strategy. Pure.
 *
 * Expressions: `KEY==VALUE`, `KEY!=VALUE`, soft `==~`/`!=~` (dropped when no node satisfies it);
 * VALUE is a glob (`eu*`, `?`) or a regular expression between slashes (`/eu-(1|2)/`), compared
 * case-insensitively. Keys: `node` (name, host name or id), `health` (`healthy`), classic Swarm's
 * engine facts `operatingsystem`, `storagedriver` and `kernelversion` (as the node's engine reports
 * them), anything else a node label, then an engine label of that name.
 */

export interface ClassicExpr { kind: "constraint" | "affinity"; key: string; equal: boolean; soft: boolean; value: string; text: string }

/** A container classic filters may refer to: its name and id, its node and its image. */
export interface PlacedContainer { id: string; name: string; nodeId?: string; image: string }

/** What a create request says about placement, beside its env and labels. */
export interface ClassicPlacementInput {
  env: readonly string[];
  labels: Readonly<Record<string, string>>;
  /** `--volumes-from`, `--link`, `--net=container:` targets (names or ids). */
  dependsOn: readonly string[];
}

const OPS = [["==~", true, true], ["!=~", false, true], ["==", true, false], ["!=", false, false]] as const;
const ENV_RE = /^(constraint|affinity):(.+)$/;

/** One expression (`region==~eu*`); a malformed one is refused, naming it. */
export function parseClassicExpr(kind: ClassicExpr["kind"], text: string): ClassicExpr {
  for (const [op, equal, soft] of OPS) {
    const at = text.indexOf(op);
    if (at < 0) continue;
    const key = text.slice(0, at).trim();
    const value = text.slice(at + op.length).trim();
    if (!/^[a-z0-9_.-]+$/i.test(key)) throw invalidArgument(`${kind}:${text}: key '${key}' is invalid`);
    if (!value) throw invalidArgument(`${kind}:${text}: value is empty`);
    if (kind === "affinity" && !["container", "image"].includes(key.toLowerCase())) {
      throw invalidArgument(`affinity:${text}: only container and image affinities are supported`);
    }
    if (value.length > 2 && value.startsWith("/") && value.endsWith("/")) regexOf(kind, text, value);
    return { kind, key, equal, soft, value, text };
  }
  throw invalidArgument(`${kind}:${text}: expected one operator from ==, !=, ==~, !=~`);
}

/** The expressions in `-e constraint:…`/`-e affinity:…` and the `com.docker.swarm.*` labels; the env without them. */
export function classicExprs(input: Pick<ClassicPlacementInput, "env" | "labels">): { exprs: ClassicExpr[]; env: string[] } {
  const exprs: ClassicExpr[] = [];
  const env: string[] = [];
  for (const e of input.env) {
    const m = ENV_RE.exec(e);
    if (m) exprs.push(parseClassicExpr(m[1] as ClassicExpr["kind"], m[2]!));
    else env.push(e);
  }
  for (const [label, kind] of [["com.docker.swarm.constraints", "constraint"], ["com.docker.swarm.affinities", "affinity"]] as const) {
    const raw = input.labels[label];
    if (raw === undefined) continue;
    let list: unknown;
    try { list = JSON.parse(raw); } catch { list = undefined; }
    if (!Array.isArray(list) || !list.every((x) => typeof x === "string")) {
      throw invalidArgument(`label ${label}: must be a JSON array of strings, like ["region==eu"]`);
    }
    for (const x of list as string[]) exprs.push(parseClassicExpr(kind, x));
  }
  return { exprs, env };
}

function regexOf(kind: string, text: string, value: string): RegExp {
  try {
    return new RegExp(`^(?:${value.slice(1, -1)})$`, "i");
  } catch {
    throw invalidArgument(`${kind}:${text}: invalid regular expression ${value}`);
  }
}

/** Whether `have` matches the expression's value (glob or /regex/, case-insensitive). */
export function valueMatches(value: string, have: string): boolean {
  if (value.length > 2 && value.startsWith("/") && value.endsWith("/")) return regexOf("value", value, value).test(have);
  const glob = value.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${glob}$`, "i").test(have);
}

/** The values a node has under a constraint key; empty = it has none. */
function nodeValues(n: NodeView, key: string): string[] {
  switch (key.toLowerCase()) {
    case "node": return [n.name, n.description?.hostname ?? "", n.id].filter((v) => v !== "");
    case "health": return [n.state === "ready" ? "healthy" : "unhealthy"];
    case "operatingsystem": return n.description?.os ? [n.description.os] : [];
    case "storagedriver": return n.description?.storageDriver ? [n.description.storageDriver] : [];
    case "kernelversion": return n.description?.kernelVersion ? [n.description.kernelVersion] : [];
    default: {
      const v = n.labels[key] ?? n.description?.engineLabels[key];
      return v === undefined ? [] : [v];
    }
  }
}

const imageKey = (image: string) => (/:[^/]+$/.test(image) ? image : `${image}:latest`);

/** Whether the node passes one expression (`!=` passes a node that lacks the key, as classic Swarm). */
function passes(containers: readonly PlacedContainer[], e: ClassicExpr, n: NodeView): boolean {
  let hit: boolean;
  if (e.kind === "constraint") hit = nodeValues(n, e.key).some((v) => valueMatches(e.value, v));
  else if (e.key.toLowerCase() === "container") {
    hit = containers.some((c) => c.nodeId === n.id && (valueMatches(e.value, c.name) || c.id.startsWith(e.value)));
  } else {
    const images = [...(n.description?.images ?? []), ...containers.filter((c) => c.nodeId === n.id).map((c) => c.image)];
    hit = images.some((i) => valueMatches(e.value, i) || valueMatches(imageKey(e.value), imageKey(i)));
  }
  return hit === e.equal;
}

/** The placed container a `--volumes-from`, `--link` or `--net=container:` names (id, name or id prefix). */
export function placedTarget(containers: readonly PlacedContainer[], ref: string): PlacedContainer {
  const c = containers.find((x) => x.id === ref || x.name === ref) ?? containers.find((x) => x.id.startsWith(ref));
  if (!c?.nodeId) throw invalidArgument(`no such container: ${ref} (a --volumes-from, --link or --net=container: target)`);
  return c;
}

/** The nodes a container may be placed on, or classic Swarm's refusal naming every condition. */
export function eligibleNodes(state: ClusterState, containers: readonly PlacedContainer[], input: ClassicPlacementInput): NodeView[] {
  const { exprs } = classicExprs(input);
  const deps = input.dependsOn.map((ref) => placedTarget(containers, ref));
  let nodes = [...state.nodes.values()].filter((n) => n.availability === "active");
  nodes = nodes.filter((n) => deps.every((c) => c.nodeId === n.id));
  for (const e of exprs.filter((x) => !x.soft)) nodes = nodes.filter((n) => passes(containers, e, n));
  if (nodes.length === 0) throw unsatisfiable([...deps.map((c) => `dependency ${c.name}`), ...exprs.map((e) => e.text)]);
  for (const e of exprs.filter((x) => x.soft)) {
    const kept = nodes.filter((n) => passes(containers, e, n));
    if (kept.length > 0) nodes = kept;
  }
  return nodes.sort((a, b) => a.id.localeCompare(b.id));
}

/** Classic Swarm's message for a container no node can take. */
export function unsatisfiable(conditions: readonly string[]): Error {
  return failedPrecondition(`unable to find a node that satisfies the following conditions [${conditions.join(" ")}]`);
}

/**
 * The eligible set as scheduler constraints: one `node.id==` when one node remains, else a
 * `node.id!=` for each node left out (none when every node qualifies).
 */
export function placementConstraints(state: ClusterState, eligible: readonly NodeView[]): string[] {
  if (eligible.length === 1) return [`node.id==${eligible[0]!.id}`];
  const keep = new Set(eligible.map((n) => n.id));
  return [...state.nodes.keys()].filter((id) => !keep.has(id)).sort().map((id) => `node.id!=${id}`);
}
