import { ApiError, type ApiClient } from "../client.js";
import { listObjects, runStep, stackFilter, type ObjectKind } from "./stack-api.js";
import { fetchApi } from "../transport.js";

/*
 * `stack rm` (docker's runRemove): the namespace's services (by name), then its secrets, configs
 * and networks, each with docker's `Removing …` line. Objects a stack only names as external carry
 * no namespace label, so they are never found here and never removed. One pass, as docker's: a
 * removed service's tasks do not hold its networks (the api's rule, swarmkit's), so the networks
 * go at once; a network really in use (by a service outside the stack) is a failure line.
 */

export interface Output { out(line: string): void; err(line: string): void }

async function removeObject(client: ApiClient, kind: ObjectKind, id: string): Promise<void> {
  const res = await fetchApi(client.target, `${kind}s/${encodeURIComponent(id)}`, { method: "DELETE", headers: {} });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { message?: string };
    throw new ApiError(res.status, body.message ?? `the api answered HTTP ${res.status}`);
  }
}

/** One resource's removal: docker's line, and its failure line on stderr; true when it failed. */
async function each<T extends { id: string; name: string }>(items: T[], what: string, io: Output, fn: (x: T) => Promise<void>): Promise<boolean> {
  let failed = false;
  for (const x of items) {
    io.out(`Removing ${what} ${x.name}`);
    try {
      await fn(x);
    } catch (err) {
      failed = true;
      io.err(`Failed to remove ${what} ${x.id}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return failed;
}

/** Removes one stack; false when nothing was found (docker's `Nothing found in stack: x` on stderr). */
async function removeStack(client: ApiClient, namespace: string, io: Output): Promise<boolean> {
  const f = stackFilter(namespace);
  const [services, networks, secrets, configs] = await Promise.all([
    client.services(f), client.networks(f), listObjects(client, "secret", f), listObjects(client, "config", f),
  ]);
  if (services.length + networks.length + secrets.length + configs.length === 0) {
    io.err(`Nothing found in stack: ${namespace}`);
    return true;
  }
  const named = <X extends { ID: string; Spec: { Name: string } }>(xs: X[]) => xs.map((x) => ({ id: x.ID, name: x.Spec.Name }));
  const svcs = named(services).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let failed = await each(svcs, "service", io, (s) => runStep(client, { do: "remove-service", id: s.id, line: "" }).then(() => undefined));
  failed = (await each(named(secrets), "secret", io, (s) => removeObject(client, "secret", s.id))) || failed;
  failed = (await each(named(configs), "config", io, (c) => removeObject(client, "config", c.id))) || failed;
  failed = (await each(networks.map((n) => ({ id: n.Id, name: n.Name })), "network", io, (n) => client.removeNetwork(n.id).then(() => undefined))) || failed;
  return !failed;
}

/** docker's `stack rm a b`: every stack is tried; one error naming those that left something behind. */
export async function removeStacks(client: ApiClient, namespaces: string[], io: Output): Promise<void> {
  const errors: string[] = [];
  for (const ns of namespaces) {
    if (!(await removeStack(client, ns, io))) errors.push(`failed to remove some resources from stack: ${ns}`);
  }
  if (errors.length) throw new Error(errors.join("\n"));
}
