import { z } from "zod";
import { IPAMConfig } from "./specs.js";

/*
 * Networks on the api's HTTP surface, in the Docker Engine API's shape (1.41 `/networks`): the
 * create request docker sends and the Network object it reads back. Only swarm-scoped overlay
 * networks exist in jetswarm; the fields docker sends for local networks are accepted only with
 * the values that mean "not used".
 */

const Labels = z.record(z.string(), z.string());

/** `POST /networks/create` (Docker's NetworkCreateRequest). */
export const NetworkCreateRequest = z.strictObject({
  Name: z.string({ error: "required" }),
  /** Docker always de-duplicates names now; accepted and ignored. */
  CheckDuplicate: z.boolean().optional(),
  /** Absent: overlay (jetswarm has no local networks). */
  Driver: z.string().optional(),
  Scope: z.string().optional(),
  EnableIPv6: z.boolean().nullish(),
  IPAM: z.strictObject({
    Driver: z.string().optional(),
    Config: z.array(IPAMConfig.extend({ AuxiliaryAddresses: z.record(z.string(), z.string()).optional() })).nullish(),
    Options: Labels.nullish(),
  }).nullish(),
  Internal: z.boolean().optional(),
  Attachable: z.boolean().optional(),
  Ingress: z.boolean().optional(),
  ConfigOnly: z.boolean().optional(),
  ConfigFrom: z.strictObject({ Network: z.string() }).nullish(),
  Options: Labels.nullish(),
  Labels: Labels.nullish(),
});
export type NetworkCreateRequest = z.infer<typeof NetworkCreateRequest>;

/** A peer of a network: a node that has joined it (Swarm lists the nodes' gossip peers). */
export const NetworkPeer = z.object({ Name: z.string(), IP: z.string() });

/** `GET /networks/{id}` (Docker's NetworkResource); `IPAM.Config` from the allocation once there. */
export const Network = z.object({
  Name: z.string(),
  Id: z.string(),
  Created: z.string(),
  Scope: z.literal("swarm"),
  Driver: z.literal("overlay"),
  EnableIPv6: z.boolean(),
  IPAM: z.object({
    Driver: z.string(),
    Options: Labels.nullable(),
    Config: z.array(z.object({ Subnet: z.string().optional(), Gateway: z.string().optional(), IPRange: z.string().optional() })),
  }),
  Internal: z.boolean(),
  Attachable: z.boolean(),
  Ingress: z.boolean(),
  ConfigFrom: z.object({ Network: z.string() }),
  ConfigOnly: z.boolean(),
  Containers: z.record(z.string(), z.unknown()),
  Options: Labels,
  Labels: Labels,
  Peers: z.array(NetworkPeer).optional(),
});
export type Network = z.infer<typeof Network>;

/** `POST /networks/prune`. */
export const NetworkPruneResponse = z.object({ NetworksDeleted: z.array(z.string()) });
export type NetworkPruneResponse = z.infer<typeof NetworkPruneResponse>;
