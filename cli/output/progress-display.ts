import type { ApiClient } from "../client.js";
import { activeNodeIds, globalFrame, render, ReplicatedProgress, verifyText, type ProgressLine } from "./progress.js";
import { desiredReplicas } from "../../schemas/index.js";

export interface ProgressOptions {
  /** Poll interval. Default 200 ms (docker's). */
  intervalMs?: number;
  /** How long tasks must stay running before "converged". Default 5000 ms (UpdateConfig.Monitor). */
  monitorMs?: number;
  out?: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean };
}

/** Default monitor period; `SWARM_PROGRESS_MONITOR_MS` shortens it (tests). */
export function defaultMonitorMs(): number {
  const raw = process.env.SWARM_PROGRESS_MONITOR_MS;
  const v = raw ? Number(raw) : NaN;
  return Number.isFinite(v) && v >= 0 ? v : 5000;
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
 * Polls the service and its tasks until every slot runs and stays running for the monitor
 * period, then prints `verify: Service <ref> converged`. Ctrl-C leaves it running in the background.
 */
export async function showProgress(client: ApiClient, serviceRef: string, opts: ProgressOptions = {}): Promise<void> {
  const out = opts.out ?? process.stdout;
  const interval = opts.intervalMs ?? 200;
  const monitor = opts.monitorMs ?? defaultMonitorMs();
  const screen = new Screen(out);
  const replicated = new ReplicatedProgress();
  let interrupted = false;
  const onSigint = () => { interrupted = true; };
  process.once("SIGINT", onSigint);
  let convergedAt: number | undefined;
  try {
    for (;;) {
      const service = await client.service(serviceRef);
      const [tasks, nodes] = await Promise.all([client.tasks({ service: [service.ID] }), client.nodes()]);
      const active = activeNodeIds(nodes);
      const frame = desiredReplicas(service.Spec) === undefined ? globalFrame(tasks, active) : replicated.frame(service, tasks, active);
      const lines = [...frame.lines];
      if (frame.converged) {
        convergedAt ??= Date.now();
        const left = monitor - (Date.now() - convergedAt);
        if (left <= 0) {
          lines.push({ id: "verify", text: `Service ${serviceRef} converged` });
          screen.update(lines);
          return;
        }
        lines.push({ id: "verify", text: verifyText(left) });
      } else if (convergedAt !== undefined) {
        convergedAt = undefined;
        lines.push({ id: "verify", text: "Detected task failure" });
      }
      screen.update(lines);
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
