import { spawn } from "node:child_process";
import { connect } from "node:net";
import { sleep } from "./engine-bench.js";

/*
 * What bench:network-create measures, the same way for jetswarm and Docker Swarm: a loop inside a
 * client container that ends when `<svc>` resolves (busybox nslookup through the container's own
 * resolver, every 20 ms), a host-side probe of the published port (an HTTP response of any status,
 * every 20 ms), and the first time each task state was seen (polled every 25 ms).
 */

export interface Round {
  /** ms from the create request to: */
  dns: number;
  port: number;
  /** first sight of each task state, ms from the request (`pending` = allocated, `assigned` = scheduled). */
  states: Record<string, number>;
}

/** A loop in `container` that exits once `name` resolves; `done` resolves with performance.now() at its end. */
export function dnsWaiter(container: string, name: string, timeoutMs = 120_000): { done: Promise<number>; cancel(): void } {
  const p = spawn("docker", ["exec", container, "sh", "-c", `until nslookup ${name} >/dev/null 2>&1; do usleep 20000; done`], { stdio: "ignore" });
  const timer = setTimeout(() => p.kill(), timeoutMs);
  const done = new Promise<number>((resolve, reject) => {
    p.once("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(performance.now());
      else reject(new Error(`${name} did not resolve in ${container} (exit ${code})`));
    });
  });
  done.catch(() => undefined);
  return { done, cancel: () => p.kill() };
}

/** One HTTP request to 127.0.0.1:port: whether any HTTP status line came back. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    let got = "";
    const finish = (ok: boolean) => { s.destroy(); resolve(ok); };
    s.setTimeout(500, () => finish(false));
    s.once("error", () => finish(false));
    s.once("connect", () => s.write("GET / HTTP/1.0\r\nHost: bench\r\n\r\n"));
    s.on("data", (d) => { got += d.toString(); if (got.startsWith("HTTP/")) finish(true); });
    s.once("end", () => finish(got.startsWith("HTTP/")));
  });
}

/** performance.now() when 127.0.0.1:port first answers HTTP. */
export async function portAnswers(port: number, timeoutMs = 120_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (!(await answers(port))) {
    if (Date.now() > deadline) throw new Error(`127.0.0.1:${port} did not answer within ${timeoutMs / 1000} s`);
    await sleep(20);
  }
  return performance.now();
}

/** Records the first time each state of the service's task is seen, until stopped. */
export function stateWatch(t0: number, read: () => Promise<string[]>): { stop(): Record<string, number> } {
  const seen: Record<string, number> = {};
  let stopped = false;
  void (async () => {
    while (!stopped) {
      const states = await read().catch(() => [] as string[]);
      const at = performance.now() - t0;
      for (const s of states) seen[s] ??= at;
      await sleep(25);
    }
  })();
  return { stop: () => { stopped = true; return seen; } };
}

/** What one side does in a round: ask for the service, read its tasks' states, remove it (and wait until it is gone). */
export interface RoundOps {
  create(): Promise<unknown>;
  states(): Promise<string[]>;
  remove(): Promise<void>;
}

/**
 * One round, the same for both sides: the DNS loop in `client` is running before the clock starts;
 * then create → `name` resolves and 127.0.0.1:`port` answers, with each task state's first sight.
 */
export async function measureRound(client: string, name: string, port: number, ops: RoundOps): Promise<Round> {
  const dns = dnsWaiter(client, name);
  await sleep(500); // the loop is running before the clock starts
  const t0 = performance.now();
  await ops.create();
  const watch = stateWatch(t0, ops.states);
  try {
    const [d, p] = await Promise.all([dns.done, portAnswers(port)]);
    return { dns: d - t0, port: p - t0, states: watch.stop() };
  } finally {
    watch.stop();
    dns.cancel();
    await ops.remove();
  }
}

/** `runs` rounds of one side, one after the other, each logged to stderr as it ends. */
export async function runRounds(side: string, runs: number, round: (i: number) => Promise<Round>): Promise<Round[]> {
  const rounds: Round[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await round(i);
    rounds.push(r);
    process.stderr.write(`${side} round ${i + 1}/${runs}: DNS ${r.dns.toFixed(0)} ms, port ${r.port.toFixed(0)} ms ${JSON.stringify(r.states)}\n`);
  }
  return rounds;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** One line of the report: the medians of a side's rounds. */
export function summary(label: string, rounds: Round[], stateOrder: string[]): string {
  const ms = (x: number) => `${(x / 1000).toFixed(2)} s`;
  const states = stateOrder.map((s) => `${s} ${ms(median(rounds.map((r) => r.states[s] ?? NaN).filter((x) => !Number.isNaN(x))))}`).join(", ");
  return `${label.padEnd(44)} DNS ${ms(median(rounds.map((r) => r.dns))).padStart(8)}   port ${ms(median(rounds.map((r) => r.port))).padStart(8)}   (task first seen: ${states})`;
}
