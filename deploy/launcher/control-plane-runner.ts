import { join } from "node:path";
import { CONTROL_PLANE_SERVICES, SCALABLE_SERVICES } from "../../schemas/roster.js";
import { Informer, SnapshotStore } from "../../services/shared/projection/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { connectNats, natsTlsEnv, type NatsConnection, type NatsTls } from "../../services/shared/nats/index.js";
import { serviceIdentity, type BusIdentity } from "../../schemas/bus-permissions.js";
import { errorMessage } from "../../services/shared/errors/index.js";
import { type ClusterState } from "../../services/shared/model/index.js";
import { instancesHere, processName } from "./control-plane-share.js";
import { serviceScript } from "./scripts.js";
import type { Supervisor } from "./supervisor.js";

/*
 * The control-plane processes of one manager node (the services of schemas/roster.ts). The api
 * runs once on every manager (it is the host's HTTP endpoint); the scalable ones run one instance each until
 * `swarm control-plane scale` records a count in the log (a ClusterUpdated event), and from then on
 * this manager's share of that count (control-plane-share.ts). The runner follows the log with its
 * own projection and starts or stops supervised processes to match — level-triggered: every change
 * of the desired counts or of the set of ready managers recomputes the whole share.
 */

export interface ControlPlaneRunnerOptions {
  supervisor: Supervisor;
  natsUrl: string;
  /** This manager's node id; null until the node is known (first `swarm up` before init). */
  nodeId: () => string | undefined;
  logs: string;
  /** Environment of every control-plane process (NATS URL, api address, …). */
  env: Record<string, string>;
  /** The instance id of instance `k` (1-based) of a service on this node. */
  instanceId: (service: string, k: number) => string;
  onEvent?: (msg: string) => void;
  /** Bus identities (DESIGN §6): each service connects as `svc-<service>`, the runner as `svc-supervisor`. None = plaintext. */
  bus?: { identity(name: BusIdentity): NatsTls };
}

export interface ControlPlaneRunner {
  /** Recompute and apply this manager's share now (also runs on every relevant event). */
  reconcile(): void;
  /** Stops following the log; the processes are stopped by the supervisor's own stop. */
  stop(): Promise<void>;
}

/** Ready managers by node id (the node running this supervisor counts itself regardless). */
function readyManagers(state: ClusterState): string[] {
  return [...state.nodes.values()].filter((n) => n.role === "manager" && n.state === "ready").map((n) => n.id);
}

export async function startControlPlane(opts: ControlPlaneRunnerOptions): Promise<ControlPlaneRunner> {
  const { supervisor } = opts;
  const say = opts.onEvent ?? (() => {});
  const startInstance = (service: string, k: number) => supervisor.start({
    name: processName(service, k), script: serviceScript(service),
    env: { ...opts.env, SWARM_INSTANCE_ID: opts.instanceId(service, k), ...natsTlsEnv(opts.bus?.identity(serviceIdentity(service))) },
    logFile: join(opts.logs, `${processName(service, k)}.log`),
  });
  // One of each, in the roster's order; the scalable ones then follow the log's counts.
  for (const s of CONTROL_PLANE_SERVICES) startInstance(s, 1);

  let informer: Informer | undefined;
  let nc: NatsConnection | undefined;
  let stopped = false;
  const reconcile = () => {
    const state = informer?.state;
    const self = opts.nodeId();
    if (!state?.cluster || !self || stopped) return;
    for (const service of SCALABLE_SERVICES) {
      const want = instancesHere(service, { desired: state.cluster.controlPlane, managers: readyManagers(state), self });
      let have = 0;
      while (supervisor.get(processName(service, have + 1))) have++;
      for (let k = have + 1; k <= want; k++) {
        say(`control plane: starting ${processName(service, k)} (${service} × ${want} on this manager)`);
        startInstance(service, k);
      }
      for (let k = have; k > want; k--) {
        say(`control plane: stopping ${processName(service, k)} (${service} × ${want} on this manager)`);
        void supervisor.remove(processName(service, k));
      }
    }
  };

  // Follow the log in the background: the api creates the streams, so retry until it has.
  const follow = async () => {
    nc = await connectNats({ url: opts.natsUrl, name: "supervisor", ...(opts.bus ? { tls: opts.bus.identity("svc-supervisor") } : {}) });
    const store = new JetStreamEventStore(nc);
    while (!stopped) {
      let inf: Informer | undefined;
      try {
        await store.headSeq(); // EVENTS exists: the snapshot bucket then gets EVENTS' replicas
        // Start from the shared snapshot like the services do; read only (never a writer: the
        // services keep it fresh), hence the unreachable write threshold.
        const snapshots = await SnapshotStore.open(nc, { writer: "supervisor" });
        inf = new Informer(store, { snapshots, snapshotEvery: Number.MAX_SAFE_INTEGER });
        await inf.start();
        informer = inf;
        break;
      } catch {
        await inf?.stop().catch(() => {});
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    informer?.onEvent((e) => {
      const t = e.event.type;
      if (t === "ClusterInitialized" || t === "ClusterUpdated" || t.startsWith("Node")) reconcile();
    });
    reconcile();
  };
  const following = follow().catch((err: unknown) => say(`control plane: cannot follow the log: ${errorMessage(err)}`));

  return {
    reconcile,
    stop: async () => {
      stopped = true;
      await following;
      await informer?.stop();
      await nc?.close();
    },
  };
}
