import type { ApiClient } from "../client.js";
import { showProgress } from "../output/progress-display.js";
import { planDeploy } from "./deploy-plan.js";
import type { StackObjects } from "./objects.js";
import type { ResolveImage } from "./spec-diff.js";
import { readExisting, runStep } from "./stack-api.js";
import type { Output } from "./remove.js";

export interface DeployFlags { prune: boolean; resolveImage: ResolveImage; detach: boolean; quiet: boolean }

/**
 * `stack deploy` once the file is loaded: read what exists, plan (every check before the first
 * write), run the steps printing docker's lines, then (`--detach=false`) wait for each service as
 * `service create` does. Resolves with the ids of the file's services.
 */
export async function deployStack(client: ApiClient, stack: StackObjects, flags: DeployFlags, io: Output): Promise<string[]> {
  const steps = planDeploy(stack, await readExisting(client, stack), flags);
  const ids: string[] = [];
  for (const step of steps) {
    io.out(step.line);
    const id = await runStep(client, step);
    if (id !== undefined) ids.push(id);
  }
  if (!flags.detach) {
    const out = flags.quiet ? { write: () => true } : process.stdout;
    for (const id of ids) await showProgress(client, id, { out });
  }
  return ids;
}
