/*
 * The load generator of bench:network: HTTP GETs with `--concurrency` workers for `--seconds`
 * (bounded also by `--max` requests), a new connection per request (busybox httpd closes each),
 * over the targets given (`ip:port`, taken round robin). Run in a client container's network
 * namespace (`nsenter -t <pid> -n node …`) so that its VIP rules apply. Prints one JSON line.
 */
import http from "node:http";

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] ?? dflt : dflt;
}

const targets = arg("targets", "").split(",").filter(Boolean).map((t) => { const [host, port] = t.split(":"); return { host: host!, port: Number(port) }; });
const concurrency = Number(arg("concurrency", "8"));
const seconds = Number(arg("seconds", "5"));
const max = Number(arg("max", "200000"));

function once(target: { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.get({ ...target, path: "/", agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

async function main(): Promise<void> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end && latencies.length + errors < max) {
      const target = targets[next++ % targets.length]!;
      const s = performance.now();
      try { await once(target); latencies.push(performance.now() - s); } catch { errors++; }
    }
  }));
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? NaN;
  process.stdout.write(`${JSON.stringify({ requests: latencies.length, errors, rps: latencies.length / elapsed, p50: pct(0.5), p99: pct(0.99) })}\n`);
}

if (targets.length === 0) { process.stderr.write("usage: network-load --targets ip:port[,…] [--concurrency N] [--seconds S] [--max N]\n"); process.exit(2); }
void main();
