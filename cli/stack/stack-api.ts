import { z } from "zod";
import { Config, Secret } from "../../schemas/secret-api.js";
import { readAnswer, type ApiClient, type Filters } from "../client.js";
import { fetchApi } from "../transport.js";
import type { Existing, Step } from "./deploy-plan.js";
import { NAMESPACE_LABEL, type StackObjects } from "./objects.js";

/*
 * The api calls of `swarm stack …`: everything of a stack is found by docker's namespace label,
 * so stacks deployed by `docker stack deploy` (through the Engine API) are seen too.
 */

export type ObjectKind = "secret" | "config";

/** docker's getStackFilter: `label=com.docker.stack.namespace=<stack>`. */
export function stackFilter(namespace: string, extra: Filters = {}): Filters {
  return { ...extra, label: [...(extra.label ?? []), `${NAMESPACE_LABEL}=${namespace}`] };
}

const q = (f: Filters) => (Object.keys(f).length ? `?filters=${encodeURIComponent(JSON.stringify(f))}` : "");

async function call<S extends z.ZodType>(client: ApiClient, method: string, path: string, schema: S, body?: unknown): Promise<z.infer<S>> {
  const res = await fetchApi(client.target, path, {
    method, headers: body === undefined ? {} : { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  return readAnswer(res, schema);
}

export function listObjects(client: ApiClient, kind: ObjectKind, filters: Filters): Promise<{ ID: string; Spec: { Name: string } }[]> {
  return call(client, "GET", `${kind}s${q(filters)}`, z.array(kind === "secret" ? Secret : Config));
}

/** The current payload version's size of each named secret that exists. */
async function secretSizes(client: ApiClient, names: string[]): Promise<Existing["secrets"]> {
  if (!names.length) return new Map();
  const found = await call(client, "GET", `secrets${q({ names })}`, z.array(Secret));
  return new Map(found.map((s) => {
    const current = s.Versions.reduce((a, b) => (b.Version > a.Version ? b : a), { Version: 0, Size: 0 });
    return [s.Spec.Name, { size: current.Size }];
  }));
}

/** Each named config that exists, with its data (inspect answers it, the list leaves it out). */
async function configData(client: ApiClient, names: string[]): Promise<Existing["configs"]> {
  if (!names.length) return new Map();
  const found = await call(client, "GET", `configs${q({ names })}`, z.array(Config));
  const full = await Promise.all(found.map((c) => call(client, "GET", `configs/${encodeURIComponent(c.ID)}`, Config)));
  return new Map(full.map((c) => [c.Spec.Name, { data: c.Spec.Data ?? "" }]));
}

/** What deploy needs to know before planning. */
export async function readExisting(client: ApiClient, stack: StackObjects): Promise<Existing> {
  const [services, stackNetworks, networks, secrets, configs] = await Promise.all([
    client.services(stackFilter(stack.namespace)),
    client.networks(stackFilter(stack.namespace)),
    client.networks(),
    secretSizes(client, stack.secrets.map((s) => s.name)),
    configData(client, stack.configs.map((c) => c.name)),
  ]);
  return { services, stackNetworks: stackNetworks.map((n) => n.Name), networks, secrets, configs };
}

/** Runs one step; resolves with the id of the service it created or touched (to wait on), if any. */
export async function runStep(client: ApiClient, step: Step): Promise<string | undefined> {
  switch (step.do) {
    case "remove-service":
      await client.removeService(step.id);
      return undefined;
    case "create-network":
      await client.createNetwork(step.body).catch(wrap(`failed to create network ${step.body.Name}`));
      return undefined;
    case "create-secret":
    case "create-config": {
      const kind = step.do === "create-secret" ? "secret" : "config";
      await call(client, "POST", `${kind}s/create`, z.object({ ID: z.string() }), step.body).catch(wrap(`failed to create ${kind} ${step.body.Name}`));
      return undefined;
    }
    case "create-service":
      return (await client.createService(step.spec).catch(wrap(`failed to create service ${step.spec.Name}`))).ID;
    case "update-service":
      await client.updateService(step.id, step.version, step.spec).catch(wrap(`failed to update service ${step.spec.Name}`));
      return step.id;
    case "keep-service":
      return step.id;
  }
}

/** docker's `failed to create service web_api: <the api's words>`. */
function wrap(what: string): (err: unknown) => never {
  return (err) => {
    throw new Error(`${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  };
}
