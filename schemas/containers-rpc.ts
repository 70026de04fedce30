import { z } from "zod";
import type { RpcSchemas } from "./rpc.js";

/*
 * Classic containers' engine operations that change no desired state (issue #19): `docker kill -s
 * SIGNAL` and `docker top`. The api asks the node that runs the container's task on the node's own
 * subject `swarm.rpc.containers.<nodeId>`; the agent acts only on a container labelled with its
 * own node and the named task, so a request can never reach another node's (or an unmanaged)
 * container. A task without a running container is Docker's 409 (`failed_precondition`).
 */

/** Sends a signal to the task's running container (Docker's `POST /containers/{id}/kill?signal=`). */
export const ContainerKill = z.object({
  op: z.literal("kill"),
  taskId: z.string().min(1),
  /** A signal name without the `SIG` prefix (`HUP`) or a number; the api has checked it. */
  signal: z.string().regex(/^([A-Z][A-Z0-9+-]*|[1-9][0-9]?)$/, "signal: a name like HUP or a number"),
});
/** The processes of the task's running container (Docker's `GET /containers/{id}/top?ps_args=`). */
export const ContainerTop = z.object({
  op: z.literal("top"),
  taskId: z.string().min(1),
  psArgs: z.string().max(256).optional(),
});
export const ContainersRequest = z.discriminatedUnion("op", [ContainerKill, ContainerTop]);
export type ContainersRequest = z.infer<typeof ContainersRequest>;

/** kill → `{}`; top → Docker's `{Titles, Processes}`. */
export const ContainersReply = z.object({
  Titles: z.array(z.string()).optional(),
  Processes: z.array(z.array(z.string())).optional(),
});
export type ContainersReply = z.infer<typeof ContainersReply>;

export const ContainersRpc = { service: "agent", request: ContainersRequest, reply: ContainersReply } satisfies RpcSchemas;
