/*
 * `npm run bench:security` (issue #15): the price of the secured bus. Runs `bench:scale` (hollow
 * nodes; no swarm mode) with security on (mutual TLS, per-identity users, the auth callout per
 * node: the default) and off (BENCH_INSECURE=1), then — with BENCH_SECURITY_SWARM=1, because it
 * puts the shared Docker engine into swarm mode for its Swarm half — `bench:swarm` likewise, and
 * prints the overhead of each figure (goal ≤ 10 % on create-to-running and on tasks/s). Each run
 * is its own process with the shape BENCH_* given to this one; their full output is passed through.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

interface Figure { name: string; unit: string; lowerIsBetter: boolean; pattern: RegExp }

const SCALE: Figure[] = [
  { name: "bench:scale first create → all running", unit: "s", lowerIsBetter: true, pattern: /first create → all \d+ running: ([\d.]+) s/ },
  { name: "bench:scale tasks/s", unit: "tasks/s", lowerIsBetter: false, pattern: /→\s+([\d,]+) tasks\/s \(create requests/ },
];
const SWARM: Figure[] = [
  { name: "bench:swarm create → running (jetswarm)", unit: "s", lowerIsBetter: true, pattern: /jetswarm service create\s+([\d.]+) s/ },
  { name: "bench:swarm rolling update (jetswarm)", unit: "s", lowerIsBetter: true, pattern: /jetswarm service update\s+([\d.]+) s/ },
];

/** Runs one bench script, its output passed through; resolves with the output. */
function runBench(script: string, insecure: boolean): Promise<string> {
  const env = { ...process.env };
  if (insecure) env.BENCH_INSECURE = "1";
  else delete env.BENCH_INSECURE;
  process.stdout.write(`\n=== ${script} with security ${insecure ? "OFF (BENCH_INSECURE=1)" : "ON"} ===\n`);
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [fileURLToPath(new URL(`./${script}.js`, import.meta.url))], { env, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (d: Buffer) => { out += d.toString(); process.stdout.write(d); });
    p.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${script} (security ${insecure ? "off" : "on"}) exited ${code}`))));
  });
}

function value(f: Figure, out: string): number {
  const m = f.pattern.exec(out);
  if (!m) throw new Error(`no "${f.name}" in the output`);
  return Number(m[1]!.replace(/,/g, ""));
}

/** One line per figure: on, off, and the overhead of on (positive = security costs that much). */
export function overheadRows(figures: Figure[], on: string, off: string): string[] {
  return figures.map((f) => {
    const a = value(f, on), b = value(f, off);
    const overhead = f.lowerIsBetter ? a / b - 1 : b / a - 1;
    const pct = `${overhead >= 0 ? "+" : ""}${(overhead * 100).toFixed(1)} %`;
    return `  ${f.name.padEnd(42)} on ${String(a).padStart(8)} ${f.unit.padEnd(8)} off ${String(b).padStart(8)} ${f.unit.padEnd(8)} overhead ${pct.padStart(8)}  ${overhead <= 0.1 ? "(goal ≤ 10 %: met)" : "(goal ≤ 10 %: NOT met)"}`;
  });
}

async function main(): Promise<void> {
  const rows: string[] = [];
  const scaleOn = await runBench("scale", false);
  const scaleOff = await runBench("scale", true);
  rows.push(...overheadRows(SCALE, scaleOn, scaleOff));
  if (process.env.BENCH_SECURITY_SWARM === "1") {
    const swarmOn = await runBench("swarm-compare", false);
    const swarmOff = await runBench("swarm-compare", true);
    rows.push(...overheadRows(SWARM, swarmOn, swarmOff));
  } else {
    rows.push("  bench:swarm not run (it puts the Docker engine into swarm mode): BENCH_SECURITY_SWARM=1 adds it");
  }
  process.stdout.write(`\nSecurity on vs off (on = mutual TLS bus, per-identity users, auth callout; overhead = how much worse on is):\n${rows.join("\n")}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:security failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
