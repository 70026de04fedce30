/** One JSON line per record on stderr; `component` names the process or part. */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
  child(component: string): Logger;
}

export function createLogger(component: string, level: "debug" | "info" | "silent" = (process.env.SWARM_LOG_LEVEL as "debug" | "info" | "silent") ?? "info"): Logger {
  const write = (lvl: string, msg: string, fields?: Record<string, unknown>) => {
    if (level === "silent" || (lvl === "debug" && level !== "debug")) return;
    process.stderr.write(JSON.stringify({ t: new Date().toISOString(), lvl, c: component, msg, ...fields }) + "\n");
  };
  return {
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    debug: (m, f) => write("debug", m, f),
    child: (c) => createLogger(`${component}/${c}`, level),
  };
}
