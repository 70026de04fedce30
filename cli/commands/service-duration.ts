/* Go-style durations (`10s`, `1m30s`, `500ms`) as docker's flags take them, in nanoseconds. */

const UNITS: Record<string, number> = {
  ns: 1, us: 1e3, "µs": 1e3, "μs": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9,
};

/** Go's time.ParseDuration, with Go's error texts. */
export function parseGoDuration(text: string): number {
  let s = text;
  let sign = 1;
  if (s.startsWith("-") || s.startsWith("+")) {
    sign = s.startsWith("-") ? -1 : 1;
    s = s.slice(1);
  }
  if (s === "0") return 0;
  if (s === "") throw new Error(`time: invalid duration "${text}"`);
  let total = 0;
  while (s) {
    const num = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    if ((num[1] ?? "") + (num[2] ?? "") === "") throw new Error(`time: invalid duration "${text}"`);
    s = s.slice(num[0].length);
    const unit = /^[^\d.]*/.exec(s)![0];
    if (!unit) throw new Error(`time: missing unit in duration "${text}"`);
    const mult = UNITS[unit];
    if (mult === undefined) throw new Error(`time: unknown unit "${unit}" in duration "${text}"`);
    s = s.slice(unit.length);
    total += Number(num[1] || 0) * mult + (num[2] ? Number(`0.${num[2]}`) * mult : 0);
  }
  return sign * Math.round(total);
}

/** A duration flag's value in nanoseconds; a bad or negative value names the flag. */
export function durationFlag(flag: string, value: string): number {
  let ns: number;
  try {
    ns = parseGoDuration(value);
  } catch (err) {
    throw new Error(`invalid argument "${value}" for "${flag}" flag: ${(err as Error).message}`);
  }
  if (ns < 0) throw new Error(`invalid argument "${value}" for "${flag}" flag: must not be negative`);
  return ns;
}

function decimal(v: number): string {
  return String(Number(v.toFixed(9)));
}

/** Go's Duration.String: `0s`, `500ms`, `10s`, `1m30s`, `1h0m0s`. */
export function formatGoDuration(ns: number): string {
  if (ns === 0) return "0s";
  const sign = ns < 0 ? "-" : "";
  let u = Math.abs(ns);
  if (u < 1e3) return `${sign}${u}ns`;
  if (u < 1e6) return `${sign}${decimal(u / 1e3)}µs`;
  if (u < 1e9) return `${sign}${decimal(u / 1e6)}ms`;
  const h = Math.floor(u / 3600e9);
  u -= h * 3600e9;
  const m = Math.floor(u / 60e9);
  u -= m * 60e9;
  return `${sign}${h ? `${h}h` : ""}${h || m ? `${m}m` : ""}${decimal(u / 1e9)}s`;
}
