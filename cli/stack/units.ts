/*
 * The value syntaxes docker's compose loader borrows from Go: durations (time.ParseDuration),
 * byte sizes (go-units RAMInBytes: binary, `512m`, `1.5GiB`) and CPU counts (opts.ParseCPUs). Pure.
 */

const DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, "μs": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Nanoseconds of a Go duration (`1m30s`, `1.5s`, `0`); undefined when it is not one. */
export function parseGoDuration(s: string): number | undefined {
  const m = /^([-+]?)(.*)$/.exec(s);
  let rest = m?.[2] ?? "";
  if (rest === "0") return 0;
  if (rest === "") return undefined;
  let total = 0;
  while (rest.length > 0) {
    const part = /^([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/.exec(rest);
    if (!part || part[1] === "" || part[1] === ".") return undefined;
    total += Number(part[1]) * (DURATION_UNITS[part[2] ?? ""] ?? NaN);
    rest = rest.slice(part[0].length);
  }
  const ns = Math.round(total);
  return m?.[1] === "-" ? -ns : ns;
}

const SIZE_UNITS: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** Bytes of a size as docker reads `memory: 512M` (binary multiples, `b`/`ib` suffix optional); undefined when invalid. */
export function parseBytes(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isInteger(value) && value >= 0 ? value : undefined;
  const m = /^([0-9]+(?:\.[0-9]+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(value);
  if (!m) return undefined;
  return Math.trunc(Number(m[1]) * (SIZE_UNITS[(m[2] ?? "").toLowerCase()] ?? NaN));
}

/** Nano-CPUs of a CPU count (`0.5` → 500000000); undefined when not a number or finer than 1e-9. */
export function parseCpus(value: string | number): number | undefined {
  const s = String(value);
  const m = /^([0-9]*)(?:\.([0-9]*))?$/.exec(s);
  if (!m || s === "" || s === ".") return undefined;
  const frac = m[2] ?? "";
  if (frac.replace(/0+$/, "").length > 9) return undefined;
  return Number(m[1] || "0") * 1e9 + Number((frac + "000000000").slice(0, 9));
}
