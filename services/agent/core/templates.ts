import type { NodeTaskDoc, TaskSpec } from "../../../schemas/index.js";
import { taskName } from "./container-config.js";

/*
 * Swarm's service templates (docker docs "Create services using templates"): `{{.Service.Name}}`,
 * `{{.Task.Slot}}`, `{{.Node.Hostname}}`, … in a task's Hostname, Env and mount Source/Target,
 * expanded on the node as swarmkit's agent does. Pure. `{{index .Service.Labels "k"}}` is refused
 * (the task doc does not carry the service's labels yet).
 */

/** What the node knows of itself that templates may name. */
export interface TemplateNode { hostname: string; os: string; architecture: string }

export class TemplateError extends Error {}

const TAG = /\{\{\s*(.*?)\s*\}\}/g;

function lookup(doc: NodeTaskDoc, node: TemplateNode, expr: string): string {
  const values: Record<string, string> = {
    ".Service.ID": doc.serviceId, ".Service.Name": doc.serviceName,
    ".Node.ID": doc.nodeId, ".Node.Hostname": node.hostname,
    ".Node.Platform.OS": node.os, ".Node.Platform.Architecture": node.architecture,
    ".Task.ID": doc.taskId, ".Task.Name": taskName(doc), // swarmkit: a global task has no slot, its node id stands in.
    ".Task.Slot": doc.slot === 0 ? doc.nodeId : String(doc.slot),
  };
  const v = values[expr];
  if (v === undefined) throw new TemplateError(`template: unsupported placeholder {{${expr}}}`);
  return v;
}

function expand(doc: NodeTaskDoc, node: TemplateNode, field: string, text: string): string {
  if (!text.includes("{{")) return text;
  try {
    return text.replace(TAG, (_m, expr: string) => lookup(doc, node, expr));
  } catch (err) {
    throw new TemplateError(`failed to expand ${field}: ${(err as Error).message}`);
  }
}

/** The task's spec with templates expanded; throws TemplateError naming the field and placeholder. */
export function expandTemplates(doc: NodeTaskDoc, node: TemplateNode): TaskSpec {
  const c = doc.spec.ContainerSpec;
  const x = (field: string, s: string) => expand(doc, node, field, s);
  const out = structuredClone(c);
  if (c.Hostname) out.Hostname = x("hostname", c.Hostname);
  if (c.Env) out.Env = c.Env.map((e) => x("env", e));
  if (c.Mounts) out.Mounts = c.Mounts.map((m) => ({ ...m, Target: x("mount target", m.Target), ...(m.Source ? { Source: x("mount source", m.Source) } : {}) }));
  return { ...doc.spec, ContainerSpec: out };
}
