import type { Command } from "commander";
import { ErrorBody, type Node, type Task } from "../../schemas/api.js";
import { ApiError, type ApiClient } from "../client.js";
import { fetchApi } from "../transport.js";
import { chooseFormat, renderFormat } from "../output/format.js";
import { renderInspect } from "../output/inspect-format.js";
import { renderTable } from "../output/table.js";
import { clientOf, collect, eachArg, print } from "./common.js";
import { applyNodeFlags, currentNodeId, NODE_HEADERS, nodeContext, nodeRows, prettyNode, sortNodes, type NodeUpdateFlags } from "./node-view.js";
import { parseFilterFlags } from "./service-flags.js";
import { addPsOptions, checkPretty, FORMAT_HELP, printTasks, type PsFlags } from "./service-reads.js";

export { hostnameOf, nodeName, nodeRows, prettyNode } from "./node-view.js";

/** A write to the api (`POST /nodes/{id}/update`, `DELETE /nodes/{id}`); errors carry the api's words. */
async function send(client: ApiClient, method: string, path: string, body?: unknown): Promise<void> {
  const res = await fetchApi(client.target, path, { method, headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.ok) return;
  const text = await res.text();
  let e: ReturnType<typeof ErrorBody.safeParse> | undefined;
  try { e = ErrorBody.safeParse(JSON.parse(text)); } catch { e = undefined; }
  throw new ApiError(res.status, e?.success ? e.data.message : `the api answered HTTP ${res.status}`);
}

/** `self` → the current node (inspect and ps only, as Swarm: update refuses `self`). */
function resolveSelf(ref: string): string {
  if (ref !== "self") return ref;
  const id = currentNodeId();
  if (!id) throw new Error("cannot tell which node is self: set SWARM_NODE_ID, or SWARM_DATA_DIR to the data dir of `swarm up`/`swarm join`");
  return id;
}

/**
 * Read–modify–write of a node's spec at the version read. The node's version also moves when its
 * status changes (dispatcher), so an out-of-sequence answer is re-read and retried a few times.
 */
async function updateNode(client: ApiClient, ref: string, change: (n: Node) => Node["Spec"] | undefined): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const n = await client.node(ref);
    const spec = change(n);
    if (!spec) return;
    try {
      await send(client, "POST", `nodes/${encodeURIComponent(n.ID)}/update?version=${n.Version.Index}`, spec);
      return;
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 409 && attempt < 4)) throw err;
    }
  }
}

/** `promote`/`demote`: one line per node, in Swarm's words. */
async function setRole(client: ApiClient, ref: string, role: "manager" | "worker"): Promise<string> {
  let already = false;
  await updateNode(client, ref, (n) => {
    already = n.Spec.Role === role;
    return already ? undefined : { ...n.Spec, Role: role };
  });
  if (role === "manager") return already ? `Node ${ref} is already a manager.` : `Node ${ref} promoted to a manager in the swarm.`;
  return already ? `Node ${ref} is already a worker.` : `Manager ${ref} demoted in the swarm.`;
}

const NODE_FILTERS = ["id", "label", "node.label", "membership", "name", "role"];
const NODE_PS_FILTERS = ["desired-state", "id", "label", "name", "node"];

/**
 * docker's task `label` filter matches the labels of the task's service (swarmkit's
 * ServiceAnnotations): `key` or `key=value`, every one given. Applied here, the api's task list
 * taking the others.
 */
async function withServiceLabels(client: ApiClient, tasks: Task[], labels: string[] | undefined): Promise<Task[]> {
  if (!labels?.length) return tasks;
  const services = new Map((await client.services()).map((s) => [s.ID, s.Spec.Labels ?? {}]));
  return tasks.filter((t) => labels.every((l) => {
    const [k, ...v] = l.split("=");
    const have = services.get(t.ServiceID)?.[k!];
    return have !== undefined && (v.length === 0 || have === v.join("="));
  }));
}

function registerReads(node: Command): void {
  node
    .command("ls")
    .alias("list")
    .description("list nodes in the swarm")
    .option("-q, --quiet", "only display IDs")
    .option("-f, --filter <filter>", `filter output based on conditions provided (${NODE_FILTERS.join(", ")}) (repeatable)`, collect, [])
    .option("--format <format>", FORMAT_HELP)
    .action(async (o: { quiet?: boolean; filter: string[]; format?: string }, cmd: Command) => {
      const client = clientOf(cmd);
      const nodes = await client.nodes(parseFilterFlags(o.filter, NODE_FILTERS));
      const format = chooseFormat(o.format, o.quiet, { table: "table" });
      if (format === "table") process.stdout.write(renderTable(["ID", "HOSTNAME", "STATUS", "AVAILABILITY", "MANAGER STATUS", "ENGINE VERSION"], nodeRows(nodes, currentNodeId())));
      else {
        // The cluster's trust root as the leader holds it (the api's /swarm does not carry docker's TLSInfo).
        const clusterTls = nodes.find((n) => n.ManagerStatus?.Leader)?.Description?.TLSInfo;
        process.stdout.write(renderFormat(format, sortNodes(nodes).map((n) => nodeContext(n, currentNodeId(), clusterTls)), NODE_HEADERS));
      }
    });
  node
    .command("inspect <node...>")
    .description("display detailed information on one or more nodes (self: this node)")
    .option("--pretty", "print the information in a human friendly format")
    .option("-f, --format <format>", "format the output using a Go template ({{.Spec.Role}}, {{json .Description}}), or 'json'")
    .action(async (refs: string[], o: { pretty?: boolean; format?: string }, cmd: Command) => {
      checkPretty(o);
      const client = clientOf(cmd);
      const nodes = await Promise.all(refs.map((r) => client.node(resolveSelf(r))));
      if (o.pretty) process.stdout.write(nodes.map((n) => prettyNode(n) + "\n").join(""));
      else process.stdout.write(renderInspect(o.format, nodes));
    });
  addPsOptions(node.command("ps [node...]").description("list tasks running on one or more nodes, defaults to the current node"), NODE_PS_FILTERS)
    .action(async (refs: string[], o: PsFlags, cmd: Command) => {
      const client = clientOf(cmd);
      const { label, ...filters } = parseFilterFlags(o.filter, NODE_PS_FILTERS);
      const wanted = await Promise.all((refs.length ? refs : ["self"]).map((r) => client.node(resolveSelf(r))));
      const tasks = await client.tasks({ ...filters, node: [...(filters.node ?? []), ...wanted.map((n) => n.ID)] });
      await printTasks(client, await withServiceLabels(client, tasks, label), o, false);
    });
}

function registerWrites(node: Command): void {
  node
    .command("update <node>")
    .description("update a node")
    .option("--availability <availability>", "availability of the node (active|pause|drain)")
    .option("--role <role>", "role of the node (worker|manager)")
    .option("--label-add <key=value>", "add or update a node label (repeatable)", collect, [])
    .option("--label-rm <key>", "remove a node label if exists (repeatable)", collect, [])
    .action(async (ref: string, o: NodeUpdateFlags, cmd: Command) => {
      await updateNode(clientOf(cmd), ref, (n) => applyNodeFlags(n.Spec, o));
      print(ref);
    });
  node
    .command("promote <node...>")
    .description("promote one or more nodes to manager in the swarm")
    .action(async (refs: string[], _o: unknown, cmd: Command) => {
      const client = clientOf(cmd);
      await eachArg(refs, (r) => setRole(client, r, "manager"));
    });
  node
    .command("demote <node...>")
    .description("demote one or more nodes from manager in the swarm")
    .action(async (refs: string[], _o: unknown, cmd: Command) => {
      const client = clientOf(cmd);
      await eachArg(refs, (r) => setRole(client, r, "worker"));
    });
  node
    .command("rm <node...>")
    .alias("remove")
    .description("remove one or more nodes from the swarm")
    .option("-f, --force", "force remove a node from the swarm")
    .action(async (refs: string[], o: { force?: boolean }, cmd: Command) => {
      const client = clientOf(cmd);
      await eachArg(refs, async (r) => {
        await send(client, "DELETE", `nodes/${encodeURIComponent(r)}${o.force ? "?force=true" : ""}`);
        return r;
      });
    });
}

export function registerNode(program: Command): void {
  const node = program.command("node").description("manage swarm nodes");
  registerReads(node);
  registerWrites(node);
}
