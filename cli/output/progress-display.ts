import type { ApiClient } from "../client.js";
import { render, type ProgressLine } from "./progress.js";
import { ProgressTracker } from "./update-progress.js";

export interface ProgressOptions {
  /** Poll interval. Default 200 ms (docker's). */
  intervalMs?: number;
  /** How long tasks must stay running before "converged". Default: the spec's UpdateConfig.Monitor (5 s). */
  monitorMs?: number;
  out?: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean };
}

/** `SWARM_PROGRESS_MONITOR_MS` replaces the spec's monitor period (tests shorten it). */
export function monitorOverrideMs(): number | undefined {
  const raw = process.env.SWARM_PROGRESS_MONITOR_MS;
  const v = raw ? Number(raw) : NaN;
  return Number.isFinite(v) && v >= 0 ? v : undefined;
}

/** Keeps lines in order of first appearance; a TTY is redrawn in place, a pipe gets changed lines only. */
class Screen {
  private readonly order: string[] = [];
  private readonly text = new Map<string, string>();
  private readonly printed = new Map<string, string>();
  private drawn = 0;
  constructor(private readonly out: NonNullable<ProgressOptions["out"]>) {}

  update(lines: ProgressLine[]): void {
    for (const l of lines) {
      if (!this.text.has(l.id)) this.order.push(l.id);
      this.text.set(l.id, render(l));
    }
    if (this.out.isTTY) {
      let s = this.drawn ? `\x1b[${this.drawn}A` : "";
      for (const id of this.order) s += `\x1b[2K\r${this.text.get(id)}\n`;
      this.drawn = this.order.length;
      this.out.write(s);
      return;
    }
    for (const id of this.order) {
      const t = this.text.get(id)!;
      if (this.printed.get(id) !== t) {
        this.out.write(t + "\n");
        this.printed.set(id, t);
      }
    }
  }
}

/**
 * Polls the service and its up-to-date tasks every interval until every slot runs and stays
 * running for the monitor period (`verify: Service <ref> converged`). A paused update or rollback
 * throws (`service update paused: …`). Ctrl-C leaves it running in the background.
 */
export async function showProgress(client: ApiClient, serviceRef: string, opts: ProgressOptions = {}): Promise<void> {
  const out = opts.out ?? process.stdout;
  const interval = opts.intervalMs ?? 200;
  const screen = new Screen(out);
  const tracker = new ProgressTracker(serviceRef, opts.monitorMs ?? monitorOverrideMs());
  let interrupted = false;
  const onSigint = () => { interrupted = true; };
  process.once("SIGINT", onSigint);
  try {
    for (;;) {
      const service = await client.service(serviceRef);
      const [tasks, nodes] = await Promise.all([client.tasks({ service: [service.ID] }), client.nodes()]);
      const step = tracker.step(service, tasks, nodes, Date.now());
      screen.update(step.lines);
      if (step.error) throw new Error(step.error);
      if (step.done) return;
      await new Promise((r) => setTimeout(r, interval));
      if (interrupted) {
        out.write(`Operation continuing in background.\nUse \`swarm service ps ${serviceRef}\` to check progress.\n`);
        return;
      }
    }
  } finally {
    process.off("SIGINT", onSigint);
  }
}
