import { existsSync } from "node:fs";
import { invalidArgument } from "../errors/index.js";

/** Files of one bus identity (PEM): its certificate and key, and the cluster CA that signs the server's. */
export interface NatsTls {
  cert: string;
  key: string;
  ca: string;
}

const VARS = { cert: "SWARM_NATS_TLS_CERT", key: "SWARM_NATS_TLS_KEY", ca: "SWARM_NATS_TLS_CA" } as const;

/**
 * The identity named by `SWARM_NATS_TLS_CERT|KEY|CA`, or undefined when none is set (plaintext).
 * Some but not all set, or a file missing, is an error naming the variable: a half-configured
 * process would otherwise fail later with a TLS message that names nothing.
 */
export function natsTlsFromEnv(env: NodeJS.ProcessEnv = process.env): NatsTls | undefined {
  const given = Object.values(VARS).filter((v) => env[v]);
  if (given.length === 0) return undefined;
  const tls = { cert: env[VARS.cert] ?? "", key: env[VARS.key] ?? "", ca: env[VARS.ca] ?? "" };
  for (const [field, name] of Object.entries(VARS) as [keyof NatsTls, string][]) {
    if (!tls[field]) throw invalidArgument(`${name}: required when ${given.join(", ")} is set`);
    if (!existsSync(tls[field])) throw invalidArgument(`${name}: no such file ${tls[field]}`);
  }
  return tls;
}

/** The environment that hands `tls` to a child process (`natsTlsFromEnv` reads it back). */
export function natsTlsEnv(tls: NatsTls | undefined): Record<string, string> {
  return tls ? { [VARS.cert]: tls.cert, [VARS.key]: tls.key, [VARS.ca]: tls.ca } : {};
}
