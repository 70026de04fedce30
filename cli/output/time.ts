/**
 * Docker's human durations (go-units HumanDuration): `Less than a second`, `5 seconds`,
 * `About a minute`, `2 minutes`, `About an hour`, `3 hours`, `4 days`, `3 weeks`, `2 months`, `3 years`.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return "Less than a second";
  if (seconds === 1) return "1 second";
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes === 1) return "About a minute";
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(ms / 3_600_000 + 0.5);
  if (hours === 1) return "About an hour";
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

/** `5 seconds ago`; `Less than a second ago` (a future time counts as now). */
export function ago(then: Date | string, now: Date): string {
  const t = typeof then === "string" ? new Date(then) : then;
  return `${humanDuration(Math.max(0, now.getTime() - t.getTime()))} ago`;
}
