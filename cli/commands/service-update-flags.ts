import type { ServiceSpec } from "../../schemas/index.js";
import { applySpecFlags, parseUint, type SpecFlags } from "./service-spec-flags.js";
import { refuseUpdateFlagsForJob, rescale } from "./service-job-flags.js";

/* `service update` flags → the new spec, computed from the current one (pure). */

export interface UpdateFlags extends SpecFlags {
  image?: string;
  args?: string;
  envAdd: string[];
  envRm: string[];
  labelAdd: string[];
  labelRm: string[];
  containerLabelAdd: string[];
  containerLabelRm: string[];
  replicas?: string;
  maxConcurrent?: string;
  force?: boolean;
  rollback?: boolean;
}

/** Shell-like word splitting of `--args "sh -c 'sleep 1'"` (quotes and backslashes). */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === "\\" && quote === '"' && i + 1 < text.length) word = (word ?? "") + text[++i]!;
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      word ??= "";
    } else if (ch === "\\" && i + 1 < text.length) {
      word = (word ?? "") + text[++i];
    } else if (/\s/.test(ch)) {
      if (word !== undefined) out.push(word);
      word = undefined;
    } else {
      word = (word ?? "") + ch;
    }
  }
  if (quote) throw new Error(`invalid argument "${text}" for "--args" flag: unterminated quote`);
  if (word !== undefined) out.push(word);
  return out;
}

const keyOf = (item: string) => item.split("=", 1)[0]!;

/** `--env-add K=V` replaces any K; then `--env-rm K` drops it (docker's order: add, then remove). */
export function updateEnv(env: string[] | undefined, add: string[], rm: string[]): string[] | undefined {
  const added = new Set(add.map(keyOf));
  const removed = new Set(rm.map(keyOf));
  const out = [...(env ?? []).filter((e) => !added.has(keyOf(e))), ...add].filter((e) => !removed.has(keyOf(e)));
  return out.length ? out : undefined;
}

export function updateLabels(labels: Record<string, string> | undefined, add: string[], rm: string[]): Record<string, string> | undefined {
  const out = { ...labels };
  for (const item of add) {
    const i = item.indexOf("=");
    const key = i < 0 ? item : item.slice(0, i);
    if (!key) throw new Error(`invalid label "${item}": expected KEY=VALUE`);
    out[key] = i < 0 ? "" : item.slice(i + 1);
  }
  for (const key of rm) delete out[key];
  return Object.keys(out).length ? out : undefined;
}

function setOrDelete<T extends object, K extends keyof T>(o: T, key: K, value: T[K] | undefined): void {
  if (value === undefined) delete o[key];
  else o[key] = value;
}

/**
 * The spec `service update` sends: the current (sparse) spec with every flag the user set
 * applied. `--rollback` is refused with any other change (docker's rule).
 */
export function buildUpdateSpec(current: ServiceSpec, f: UpdateFlags): ServiceSpec {
  refuseUpdateFlagsForJob(current, f);
  const spec = applySpecFlags(structuredClone(current), f);
  const c = spec.TaskTemplate.ContainerSpec;
  if (f.image !== undefined) c.Image = f.image;
  if (f.args !== undefined) setOrDelete(c, "Args", f.args.trim() ? splitArgs(f.args) : undefined);
  setOrDelete(c, "Env", updateEnv(c.Env, f.envAdd, f.envRm));
  setOrDelete(c, "Labels", updateLabels(c.Labels, f.containerLabelAdd, f.containerLabelRm));
  setOrDelete(spec, "Labels", updateLabels(spec.Labels, f.labelAdd, f.labelRm));
  if (f.replicas !== undefined || f.maxConcurrent !== undefined) {
    const opt = (name: string, v: string | undefined) => (v === undefined ? undefined : parseUint(name, v));
    spec.Mode = rescale(spec, opt("--replicas", f.replicas), opt("--max-concurrent", f.maxConcurrent));
  }
  if (f.force) spec.TaskTemplate.ForceUpdate = (spec.TaskTemplate.ForceUpdate ?? 0) + 1;
  return spec;
}

/** docker: `other flags may not be combined with --rollback` (only -d and -q may be). */
export function checkRollbackAlone(cmd: { options: readonly { attributeName(): string }[]; getOptionValueSource(k: string): string | undefined }): void {
  const others = cmd.options
    .map((o) => o.attributeName())
    .filter((k) => !["rollback", "detach", "quiet"].includes(k) && cmd.getOptionValueSource(k) === "cli");
  if (others.length) throw new Error("other flags may not be combined with --rollback");
}
