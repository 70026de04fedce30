import type { ServiceSpec } from "../../schemas/index.js";
import { applySpecFlags, parseUint, type SpecFlags } from "./service-spec-flags.js";
import { decimal } from "./decimal.js";
import { modeOf, refuseUpdateFlagsForJob, type ModeFlags } from "./service-job-flags.js";

export { parseUint } from "./service-spec-flags.js";

/* Pure parsing of `service` flags into API requests: every mistake named in docker's words. */

export interface CreateFlags extends SpecFlags, ModeFlags {
  name?: string;
  env: string[];
  label: string[];
  containerLabel?: string[];
}

/** `K=V` list → record; `K` alone is `K=""` (docker's --label). */
export function parseLabels(items: string[]): Record<string, string> | undefined {
  if (items.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const item of items) {
    const i = item.indexOf("=");
    const key = i < 0 ? item : item.slice(0, i);
    if (!key) throw new Error(`invalid label "${item}": expected KEY=VALUE`);
    out[key] = i < 0 ? "" : item.slice(i + 1);
  }
  return out;
}

/**
 * `service create [flags] IMAGE [CMD] [ARG…]` → a sparse ServiceSpec: only what the user set
 * (reference §1: defaults are not stored). CMD and ARGs become `Args`, as docker does.
 */
export function buildCreateSpec(image: string, args: string[], flags: CreateFlags, defaultName: () => string): ServiceSpec {
  const env = flags.env.length ? flags.env : undefined;
  const spec: ServiceSpec = {
    Name: flags.name ?? defaultName(),
    TaskTemplate: { ContainerSpec: { Image: image, ...(args.length ? { Args: args } : {}), ...(env ? { Env: env } : {}) } },
  };
  const labels = parseLabels(flags.label);
  if (labels) spec.Labels = labels;
  const mode = modeOf(flags);
  if (mode) spec.Mode = mode;
  const containerLabels = parseLabels(flags.containerLabel ?? []);
  if (containerLabels) spec.TaskTemplate.ContainerSpec.Labels = containerLabels;
  refuseUpdateFlagsForJob(spec, flags);
  return applySpecFlags(spec, flags);
}

/** `web=3` → `{ service: "web", replicas: 3 }` */
export function parseScale(arg: string): { service: string; replicas: number } {
  const i = arg.indexOf("=");
  if (i <= 0) throw new Error(`invalid scale specifier '${arg}': expected SERVICE=REPLICAS`);
  const v = arg.slice(i + 1);
  const replicas = decimal(v);
  if (replicas === undefined) throw new Error(`invalid replicas value ${v}: expected a non-negative integer`);
  return { service: arg.slice(0, i), replicas };
}

/** `desired-state=running` → `{ "desired-state": ["running"] }` (repeated keys OR-ed). */
export function parseFilterFlags(items: string[], allowed: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const item of items) {
    const i = item.indexOf("=");
    if (i <= 0) throw new Error(`bad format of filter (expected name=value): ${item}`);
    const key = item.slice(0, i);
    if (!allowed.includes(key)) throw new Error(`invalid filter '${key}'`);
    (out[key] ??= []).push(item.slice(i + 1));
  }
  return out;
}

const LEFT = ["admiring", "bold", "brave", "calm", "eager", "festive", "gifted", "happy", "jolly", "keen", "nifty", "quirky", "sharp", "trusting", "vibrant", "zen"];
const RIGHT = ["babbage", "curie", "darwin", "euler", "feynman", "hopper", "kepler", "lovelace", "noether", "pascal", "ritchie", "shannon", "tesla", "turing", "wozniak", "yalow"];

/** A docker-like generated name (`festive_turing`) for a service created without `--name`. */
export function generatedName(random: () => number = Math.random): string {
  const pick = (a: string[]) => a[Math.floor(random() * a.length)]!;
  return `${pick(LEFT)}_${pick(RIGHT)}`;
}
