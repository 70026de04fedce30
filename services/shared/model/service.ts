import { z } from "zod";
import { PortConfig, ServiceSpec, UpdateState, VirtualIP } from "../../../schemas/index.js";
import type { Slice } from "./slice.js";
import { unreachable } from "./slice.js";

/* The service slice: every service ever created (a removed one is marked, its tasks may remain). */

export interface UpdateStatusView {
  state: UpdateState;
  message: string;
  startedAt?: string;
  completedAt?: string;
}

export interface ServiceView {
  id: string;
  spec: ServiceSpec;
  /** The spec before the last update (Swarm's previous_spec); a rollback returns to it. */
  previousSpec?: ServiceSpec;
  updateStatus?: UpdateStatusView;
  /** Sequence of the event that set the current spec (Swarm's spec_version). */
  specVersion: number;
  createdAt: string;
  updatedAt: string;
  removed: boolean;
  /** What the allocator gave the service (its VIPs, its ports with published ports filled in), for spec version `specVersion`. */
  endpoint?: EndpointView;
}

export interface EndpointView { specVersion: number; vips: VirtualIP[]; ports: PortConfig[] }

export interface ServicePart { services: Map<string, ServiceView> }

const UpdateStatusCodec = z.looseObject({
  state: UpdateState, message: z.string(), startedAt: z.string().optional(), completedAt: z.string().optional(),
});
const ServiceViewCodec = z.looseObject({
  id: z.string(), spec: ServiceSpec, previousSpec: ServiceSpec.optional(), updateStatus: UpdateStatusCodec.optional(),
  specVersion: z.number().int(), createdAt: z.string(), updatedAt: z.string(), removed: z.boolean(),
  endpoint: z.looseObject({ specVersion: z.number().int(), vips: z.array(VirtualIP), ports: z.array(PortConfig) }).optional(),
});

export const serviceSlice: Slice<"service", ServicePart> = {
  kind: "service",
  init: () => ({ services: new Map() }),
  apply(state, e, seq) {
    const at = e.at;
    const s = state.services.get(e.data.serviceId);
    switch (e.type) {
      case "ServiceCreated":
        state.services.set(e.data.serviceId, {
          id: e.data.serviceId, spec: e.data.spec, specVersion: seq, createdAt: at, updatedAt: at, removed: false,
        });
        return;
      case "ServiceUpdated":
        if (s) state.services.set(s.id, { ...s, previousSpec: s.spec, spec: e.data.spec, specVersion: seq, updateStatus: undefined, updatedAt: at });
        return;
      case "ServiceRollbackRequested":
        if (s?.previousSpec) {
          state.services.set(s.id, {
            ...s, spec: s.previousSpec, previousSpec: s.spec, specVersion: seq, updatedAt: at,
            updateStatus: { state: "rollback_started", message: "manually requested rollback", startedAt: at },
          });
        }
        return;
      case "ServiceUpdateRolledBack":
        if (s?.previousSpec) {
          state.services.set(s.id, {
            ...s, spec: s.previousSpec, previousSpec: undefined, specVersion: seq, updatedAt: at,
            updateStatus: { state: "rollback_started", message: e.data.message, startedAt: at },
          });
        }
        return;
      case "ServiceUpdateStatusChanged":
        if (s) state.services.set(s.id, { ...s, updatedAt: at, updateStatus: nextStatus(s.updateStatus, e.data.state, e.data.message, at) });
        return;
      case "ServiceRemoved":
        if (s) state.services.set(s.id, { ...s, removed: true, updatedAt: at });
        return;
      case "ServiceAllocated":
        if (s) state.services.set(s.id, { ...s, endpoint: { specVersion: e.data.specVersion, vips: e.data.vips, ports: e.data.ports } });
        return;
      default:
        unreachable(e);
    }
  },
  codec: z.object({ services: z.array(ServiceViewCodec) }),
  encode: (s) => ({ services: [...s.services.values()] }),
  decode: (d) => ({ services: new Map((d.services as ServiceView[]).map((v) => [v.id, v])) }),
};

/** An update's status after a progress event: started once, completed when it ends. */
function nextStatus(prev: UpdateStatusView | undefined, st: UpdateState, message: string, at: string): UpdateStatusView {
  const starts = st === "updating" || st === "rollback_started";
  const ends = st === "completed" || st === "rollback_completed";
  return { state: st, message, startedAt: starts && !prev?.startedAt ? at : prev?.startedAt ?? at, completedAt: ends ? at : undefined };
}
