import { REFUSED } from "./service-container-flags.js";

/*
 * Every flag of docker 28's `service create` (73) and `service update` (92) and what jetswarm does
 * with it. service-flag-table.test.ts compares this with docker's `--help` (fixtures/) and with
 * the flags the commands register, so a flag missing from either fails the test.
 *  - honoured: parsed into the spec and applied by the agent/orchestrator/scheduler;
 *  - refused: registered, and given it fails with the reason (nothing is changed);
 *  - elsewhere: another part's work (networks, jobs): not registered by this part.
 */
export type FlagStatus = { status: "honoured" } | { status: "refused"; reason: string } | { status: "elsewhere"; owner: string };

const H: FlagStatus = { status: "honoured" };
const refused = (flag: string): FlagStatus => ({ status: "refused", reason: REFUSED[flag]! });
const jobs: FlagStatus = { status: "elsewhere", owner: "h-jobs (replicated-job/global-job, --max-concurrent)" };

/** Flags both commands have, by the same name. */
const SHARED = [
  "cap-add", "cap-drop", "detach", "endpoint-mode", "entrypoint", "health-cmd", "health-interval", "health-retries",
  "health-start-interval", "health-start-period", "health-timeout", "hostname", "init", "limit-cpu", "limit-memory",
  "limit-pids", "log-driver", "log-opt", "no-healthcheck", "no-resolve-image", "oom-score-adj", "quiet", "read-only",
  "replicas", "replicas-max-per-node", "reserve-cpu", "reserve-memory", "restart-condition", "restart-delay",
  "restart-max-attempts", "restart-window", "rollback-delay", "rollback-failure-action", "rollback-max-failure-ratio",
  "rollback-monitor", "rollback-order", "rollback-parallelism", "stop-grace-period", "stop-signal", "tty",
  "update-delay", "update-failure-action", "update-max-failure-ratio", "update-monitor", "update-order",
  "update-parallelism", "user", "workdir",
] as const;

const COMMON: Record<string, FlagStatus> = {
  ...Object.fromEntries(SHARED.map((f) => [f, H])),
  "credential-spec": refused("--credential-spec"),
  isolation: refused("--isolation"),
  "with-registry-auth": refused("--with-registry-auth"),
  "max-concurrent": jobs,
};

const onCreate = [
  "config", "constraint", "container-label", "dns", "dns-option", "dns-search", "env", "env-file", "group", "host",
  "label", "mode", "mount", "name", "network", "placement-pref", "publish", "secret", "sysctl", "ulimit",
];
const onUpdate = [
  "args", "config-add", "config-rm", "constraint-add", "constraint-rm", "container-label-add", "container-label-rm",
  "dns-add", "dns-option-add", "dns-option-rm", "dns-rm", "dns-search-add", "dns-search-rm", "env-add", "env-rm",
  "force", "group-add", "group-rm", "host-add", "host-rm", "image", "label-add", "label-rm", "mount-add", "mount-rm",
  "network-add", "network-rm", "placement-pref-add", "placement-pref-rm", "publish-add", "publish-rm", "rollback",
  "secret-add", "secret-rm", "sysctl-add", "sysctl-rm", "ulimit-add", "ulimit-rm",
];

export const CREATE_FLAGS: Record<string, FlagStatus> = {
  ...COMMON,
  ...Object.fromEntries(onCreate.map((f) => [f, H])),
  "generic-resource": refused("--generic-resource"),
  // `--mode replicated|global` is honoured; the job modes are h-jobs' (the flag is registered).
};
export const UPDATE_FLAGS: Record<string, FlagStatus> = {
  ...COMMON,
  ...Object.fromEntries(onUpdate.map((f) => [f, H])),
  "generic-resource-add": refused("--generic-resource-add"),
  "generic-resource-rm": refused("--generic-resource-rm"),
};
