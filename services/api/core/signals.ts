import { invalidArgument } from "../../shared/errors/index.js";

/*
 * `docker kill -s SIGNAL` as moby's signal.ParseSignal reads it: a number, or a Linux signal name
 * with or without `SIG`, any case. Pure.
 */

const NAMES = new Set(["ABRT", "ALRM", "BUS", "CHLD", "CLD", "CONT", "FPE", "HUP", "ILL", "INT", "IO", "IOT", "KILL", "PIPE", "POLL",
  "PROF", "PWR", "QUIT", "SEGV", "STKFLT", "STOP", "SYS", "TERM", "TRAP", "TSTP", "TTIN", "TTOU", "URG", "USR1", "USR2", "VTALRM",
  "WINCH", "XCPU", "XFSZ", "RTMIN", "RTMAX"]);
const REALTIME = /^RTMIN\+([1-9]|1[0-5])$|^RTMAX-([1-9]|1[0-4])$/;

/** The signal as the engine takes it (`HUP`, `9`); absent or empty is Docker's default, `KILL`. */
export function parseSignal(raw: string | undefined): string {
  if (raw === undefined || raw === "") return "KILL";
  if (/^\d+$/.test(raw)) {
    const n = Number(raw);
    if (n >= 1 && n <= 64) return String(n);
    throw invalidArgument(`Invalid signal: ${raw}`);
  }
  const name = raw.toUpperCase().replace(/^SIG/, "");
  if (NAMES.has(name) || REALTIME.test(name)) return name;
  throw invalidArgument(`Invalid signal: ${raw}`);
}

/** Whether the signal is SIGKILL: the container ends, as a stop does. */
export const isKill = (signal: string): boolean => signal === "KILL" || signal === "9";
