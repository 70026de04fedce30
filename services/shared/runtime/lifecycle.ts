import { errorMessage } from "../errors/index.js";
import type { Logger } from "../telemetry/index.js";

export interface Running { stop(): Promise<void> }

/**
 * Composition-root helper for `main.ts`: start, then stop cleanly on SIGINT/SIGTERM. A start
 * failure exits 1 with one line, never a stack trace.
 */
export function runMain(name: string, log: Logger, start: () => Promise<Running>): void {
  let running: Running | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("stopping", { signal });
    try {
      await running?.stop();
      process.exit(0);
    } catch (err) {
      log.error("stop failed", { err: errorMessage(err) });
      process.exit(1);
    }
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  start().then(
    (r) => { running = r; log.info(`${name} started`); },
    (err) => { log.error(`${name} failed to start`, { err: errorMessage(err) }); process.exit(1); },
  );
}

/** Runs `fn` every `ms` until stopped; overlapping runs are skipped. */
export function every(ms: number, fn: () => Promise<void> | void, log: Logger): { stop(): void } {
  let busy = false;
  const t = setInterval(() => {
    if (busy) return;
    busy = true;
    Promise.resolve().then(fn).catch((err) => log.warn("periodic task failed", { err: errorMessage(err) })).finally(() => { busy = false; });
  }, ms);
  t.unref?.();
  return { stop: () => clearInterval(t) };
}
