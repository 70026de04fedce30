import type { Actor, ControlPlaneService } from "../../../schemas/index.js";
import { z } from "zod";
import { BaseConfig, parseEnv } from "./config.js";
import { JetStreamEventStore } from "../eventlog/index.js";
import { runMain, type Running } from "./lifecycle.js";
import { errorMessage } from "../errors/index.js";
import { createLogger } from "../telemetry/index.js";
import { startMembership, type MemberStatus } from "../instances/index.js";
import type { ControllerDeps } from "../reconcile/index.js";
import { connectNats, ensureStreams } from "../nats/index.js";
import { SnapshotStore } from "../projection/index.js";
import { startTelemetry } from "../telemetry/index.js";

/**
 * What every control-plane service's `start(deps)` receives (tests build these in-process): the
 * controller shell's deps — connection, event store, logger, instance id (the actor of every event
 * it appends), clock, snapshot settings, and `onFatal` (`runService` logs it and exits 1).
 */
export type ServiceDeps = ControllerDeps;

/** Snapshot settings from the environment (DESIGN §3: a snapshot is only a cache). */
export const SnapshotConfig = z.object({
  /** `off`: neither read nor write snapshots (always replay the whole log). Default `on`. */
  SWARM_SNAPSHOTS: z.enum(["on", "off"]).default("on"),
  /** Write a snapshot once the stored one lags by this many events. Default 10 000. */
  SWARM_SNAPSHOT_EVERY: z.coerce.number().int().positive().optional(),
  /** At most one snapshot write per process per this many ms. Default 30 000. */
  SWARM_SNAPSHOT_INTERVAL_MS: z.coerce.number().int().nonnegative().optional(),
});

export function serviceActor(instanceId: string): Actor {
  return { kind: "service", id: instanceId };
}

/**
 * The whole of a service's `main.ts`: read env, connect, ensure streams, start, stop on signal.
 * `extra` receives the process environment for service-specific settings.
 */
export function runService(name: ControlPlaneService, start: (deps: ServiceDeps, env: NodeJS.ProcessEnv) => Promise<Running & { status?(): MemberStatus }>): void {
  const log = createLogger(name);
  runMain(name, log, async () => {
    const cfg = parseEnv(BaseConfig);
    const stopTelemetry = startTelemetry(name);
    const instanceId = cfg.SWARM_INSTANCE_ID ?? `${name}-${process.pid}`;
    const nc = await connectNats({ url: cfg.SWARM_NATS_URL, name: instanceId });
    await ensureStreams(nc, cfg.SWARM_STREAM_REPLICAS);
    // The event log on a connection of its own: nats-server handles a connection's messages in
    // order, so an append (and the projection's delivery) would otherwise wait behind whatever
    // else this process publishes — the dispatcher's thousands of task docs made a report batch's
    // append take ~100 ms instead of ~1.
    const logNc = await connectNats({ url: cfg.SWARM_NATS_URL, name: `${instanceId}-log` });
    const store = new JetStreamEventStore(logNc, log);
    const snap = parseEnv(SnapshotConfig);
    const projection = snap.SWARM_SNAPSHOTS === "off" ? undefined : {
      snapshots: await SnapshotStore.open(nc, { writer: instanceId, replicas: cfg.SWARM_STREAM_REPLICAS, log: log.child("snapshots") }),
      snapshotEvery: snap.SWARM_SNAPSHOT_EVERY, snapshotMinIntervalMs: snap.SWARM_SNAPSHOT_INTERVAL_MS,
    };
    let running: (Running & { status?(): MemberStatus }) | undefined;
    const membership = await startMembership(nc, { service: name, instanceId, status: () => running?.status?.(), replicas: cfg.SWARM_STREAM_REPLICAS, log });
    const onFatal = (err: Error) => {
      log.error(`${name} stopped`, { err: errorMessage(err) });
      process.exit(1);
    };
    const started = await start({ nc, store, log, instanceId, projection, onFatal }, process.env);
    running = started;
    await membership.beat();
    return {
      stop: async () => {
        // Work first, then leave: the instance's in-flight work (a dispatcher's report batch, an
        // orchestrator's pass) is finished before its record goes and others take its share, so
        // two instances never work on one share at once (a short gap instead of an overlap).
        try {
          await started.stop();
        } finally {
          await membership.stop();
        }
        await logNc.drain();
        await nc.drain();
        await stopTelemetry();
      },
    };
  });
}
