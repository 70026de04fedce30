import type { Actor } from "../../../schemas/index.js";
import { failedPrecondition, invalidArgument, SwarmError, unavailable } from "../../shared/errors/index.js";
import { formatUnlockKey, newUnlockKey, parseUnlockKey, unlockKeyCheck } from "../../shared/pki/index.js";
import { decideAutolock } from "../core/autolock-decide.js";
import { requireCluster } from "../core/decide.js";
import { commitAs, fresh, stateOf, type AppDeps } from "./context.js";

/*
 * Autolock (DESIGN §6), as Swarm has it: `init --autolock`, `update --autolock=true|false`,
 * `unlock-key [--rotate]`, `unlock`. The unlock key is drawn here, handed to the secret-stores (which
 * wrap the keys at rest with it) and shown to the user; the log records only its check value. It
 * is never stored: `unlock-key` asks a secret-store that holds it in memory.
 */

/** Swarm's words (moby's errSwarmLocked, and the unlock refusals), with jetswarm's commands. */
export const AUTOLOCK_MESSAGES = {
  locked: "Swarm is encrypted and needs to be unlocked before it can be used. Please use \"swarm unlock\" to unlock it.",
  invalidKey: "swarm could not be unlocked: invalid key",
  notLocked: "swarm is not locked",
  notOn: "cannot rotate because autolock is not turned on",
} as const;

/** The secret-stores, over rpc (shell/autolock-rpc.ts). */
export interface AutolockKeys {
  /** This api knows its manager's keys dir (`SWARM_KEYS_DIR`). */
  hasKeyring: boolean;
  status(): Promise<{ locked: boolean; autolock: boolean }>;
  /** How many instances were unlocked by it. */
  unlock(key: Buffer): Promise<number>;
  unlockKey(): Promise<Buffer | undefined>;
  rekey(key: Buffer | undefined): Promise<{ instances: number; refused: string[] }>;
}

function autolockOf(deps: AppDeps): AutolockKeys {
  if (!deps.autolock) throw unavailable("this api cannot reach the secret-store's keys");
  return deps.autolock;
}

/**
 * Wraps (a new key) or unwraps (undefined) every manager's keys, then records it. When the record
 * fails the keys are put back under `previous`, so the files never hold a key the log does not know.
 */
async function rekeyAndRecord(deps: AppDeps, actor: Actor, key: Buffer | undefined, previous: Buffer | undefined): Promise<void> {
  const a = autolockOf(deps);
  const r = await a.rekey(key);
  if (r.instances === 0) throw unavailable(`no secret-store could ${key ? "wrap" : "unwrap"} the keys${r.refused.length ? `: ${r.refused[0]}` : ""}`);
  try {
    await commitAs(deps, actor, (s) => decideAutolock(s, key ? unlockKeyCheck(key) : undefined, fresh()));
  } catch (err) {
    await a.rekey(previous).catch(() => undefined);
    throw err;
  }
}

/** `--autolock=true|false`; turning it on returns nothing (the CLI then asks `unlockKey`). */
export async function setAutolock(deps: AppDeps, actor: Actor, on: boolean): Promise<void> {
  const current = requireCluster(stateOf(deps)).autolockKeyCheck;
  if (on === (current !== undefined)) return;
  if (on) return rekeyAndRecord(deps, actor, newUnlockKey(), undefined);
  const previous = await autolockOf(deps).unlockKey();
  return rekeyAndRecord(deps, actor, undefined, previous);
}

/** `swarm unlock-key --rotate`: a new key wraps every manager's keys; the old one opens nothing any more. */
export async function rotateUnlockKey(deps: AppDeps, actor: Actor): Promise<void> {
  if (requireCluster(stateOf(deps)).autolockKeyCheck === undefined) throw failedPrecondition(AUTOLOCK_MESSAGES.notOn);
  const previous = await autolockOf(deps).unlockKey();
  await rekeyAndRecord(deps, actor, newUnlockKey(), previous);
}

/** `GET /swarm/unlockkey`: "" when autolock is off. */
export async function unlockKey(deps: AppDeps): Promise<{ UnlockKey: string }> {
  if (requireCluster(stateOf(deps)).autolockKeyCheck === undefined) return { UnlockKey: "" };
  const key = await autolockOf(deps).unlockKey();
  return { UnlockKey: key ? formatUnlockKey(key) : "" };
}

/** Autolock on in the log, and whether this manager's keys are still locked. */
export async function autolockStatus(deps: AppDeps): Promise<{ AutoLock: boolean; Locked: boolean }> {
  const on = stateOf(deps).cluster?.autolockKeyCheck !== undefined;
  const a = deps.autolock;
  if (!a?.hasKeyring) return { AutoLock: on, Locked: false };
  try {
    return { AutoLock: on, Locked: (await a.status()).locked };
  } catch (err) {
    if (err instanceof SwarmError && err.code === "unavailable") return { AutoLock: on, Locked: false };
    throw err;
  }
}

/** `swarm unlock`: checked against the log's check value first, then given to this manager's secret-stores. */
export async function unlock(deps: AppDeps, text: string): Promise<void> {
  const check = requireCluster(stateOf(deps)).autolockKeyCheck;
  const key = parseUnlockKey(text);
  if (!key || check === undefined || unlockKeyCheck(key) !== check) {
    if (check === undefined || !(await autolockStatus(deps)).Locked) throw failedPrecondition(AUTOLOCK_MESSAGES.notLocked);
    throw invalidArgument(AUTOLOCK_MESSAGES.invalidKey);
  }
  if ((await autolockOf(deps).unlock(key)) === 0 && (await autolockStatus(deps)).Locked) throw invalidArgument(AUTOLOCK_MESSAGES.invalidKey);
}
