import { z } from "zod";

/*
 * A classic container's links to other classic containers (`docker run --volumes-from`, `--link`,
 * `--net=container:`), recorded by the api in the container's spec as the JSON value of the label
 * CLASSIC_DEPS_LABEL (swarm's ContainerSpec has no such fields, and an agent that does not know the
 * label still reads the task). Targets are named by service id (the container's identity in the
 * log) and by name (for messages); the node's agent resolves each to its engine container when it
 * creates the dependent one — the api placed both on the same node.
 */

/** ContainerSpec label holding a classic container's ClassicDeps (JSON). */
export const CLASSIC_DEPS_LABEL = "jetswarm.classic.deps";

const Target = z.object({ id: z.string().min(1), name: z.string().min(1) });
export const ClassicDeps = z.object({
  /** `--volumes-from NAME[:ro|rw]`. */
  volumesFrom: z.array(Target.extend({ mode: z.enum(["ro", "rw"]).optional() })).optional(),
  /** `--link NAME[:ALIAS]` (alias defaults to the name). */
  links: z.array(Target.extend({ alias: z.string().min(1) })).optional(),
  /** `--net=container:NAME`. */
  network: Target.optional(),
});
export type ClassicDeps = z.infer<typeof ClassicDeps>;
