import type { Command } from "commander";

/*
 * Registration of the flags `service create` and `service update` share (their parsing is in
 * service-spec-flags.ts). Scheduling flags live in service-placement-flags.ts and are added next to
 * these by the command definitions.
 */

const CONFIG_FLAGS = (kind: "update" | "rollback", actions: string): [string, string][] => [
  [`--${kind}-parallelism <n>`, `maximum number of tasks ${kind === "update" ? "updated" : "rolled back"} simultaneously (0 to do all at once)`],
  [`--${kind}-delay <duration>`, `delay between ${kind}s (ns|us|ms|s|m|h)`],
  [`--${kind}-failure-action <action>`, `action on ${kind} failure (${actions})`],
  [`--${kind}-monitor <duration>`, `duration after each task ${kind} to monitor for failure (ns|us|ms|s|m|h)`],
  [`--${kind}-max-failure-ratio <ratio>`, `failure rate to tolerate during an ${kind}`],
  [`--${kind}-order <order>`, `${kind} order ("start-first"|"stop-first")`],
];

export function addSpecOptions(cmd: Command): Command {
  const flags: [string, string][] = [
    ["--stop-grace-period <duration>", "time to wait before force killing a container (ns|us|ms|s|m|h)"],
    ["--stop-signal <signal>", "signal to stop the container"],
    ...CONFIG_FLAGS("update", `"pause"|"continue"|"rollback"`),
    ...CONFIG_FLAGS("rollback", `"pause"|"continue"`),
    ["--restart-condition <condition>", `restart when condition is met ("none"|"on-failure"|"any")`],
    ["--restart-delay <duration>", "delay between restart attempts (ns|us|ms|s|m|h)"],
    ["--restart-max-attempts <n>", "maximum number of restarts before giving up"],
    ["--restart-window <duration>", "window used to evaluate the restart policy (ns|us|ms|s|m|h)"],
    ["--health-cmd <command>", "command to run to check health"],
    ["--health-interval <duration>", "time between running the check (ms|s|m|h)"],
    ["--health-timeout <duration>", "maximum time to allow one check to run (ms|s|m|h)"],
    ["--health-retries <n>", "consecutive failures needed to report unhealthy"],
    ["--health-start-period <duration>", "start period for the container to initialize before counting retries (ms|s|m|h)"],
    ["--health-start-interval <duration>", "time between running the check during the start period (ms|s|m|h)"],
    ["--no-healthcheck", "disable any container-specified HEALTHCHECK"],
  ];
  for (const [flag, description] of flags) cmd.option(flag, description);
  return cmd
    .option("-d, --detach", "exit immediately instead of waiting for the service to converge")
    .option("-q, --quiet", "suppress progress output");
}
