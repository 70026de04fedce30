import type { JetStreamManager } from "@nats-io/jetstream";
import { connectNats, ensureStreams, type NatsConnection } from "../../services/shared/nats/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { Informer } from "../../services/shared/projection/index.js";
import { emitter, type Emit } from "./emit.js";
import { testNats } from "./nats.js";

/** The prelude of an integration test: a real nats-server, a connection, the streams, the event store and a synced informer. */
export interface LogFixture {
  nats: Awaited<ReturnType<typeof testNats>>;
  nc: NatsConnection;
  jsm: JetStreamManager;
  store: JetStreamEventStore;
  /** Follows the whole log; started (replayed) before the fixture is returned. */
  view: Informer;
  /** Appends as another producer would, expecting the aggregate's version (helpers/emit.ts). */
  emit: Emit;
  /** Stops the informer, drains the connection, stops the server and removes its store. Safe after a partial start. */
  stop(): Promise<void>;
}

/**
 * Starts the fixture; `name` names the NATS connection. `beforeStart` runs once the informer
 * exists and before it replays (to register listeners that must see every event).
 */
export async function logFixture(name: string, opts: { beforeStart?: (view: Informer) => void } = {}): Promise<LogFixture> {
  const nats = await testNats();
  let nc: NatsConnection | undefined;
  let view: Informer | undefined;
  const stop = async () => {
    await view?.stop();
    await nc?.drain();
    await nats.cleanup();
  };
  try {
    nc = await connectNats({ url: nats.url, name });
    const jsm = await ensureStreams(nc);
    const store = new JetStreamEventStore(nc);
    view = new Informer(store);
    opts.beforeStart?.(view);
    await view.start();
    return { nats, nc, jsm, store, view, emit: emitter(store, view), stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
