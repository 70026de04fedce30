/*
 * Docker's human durations (go-units `HumanDuration`), one copy for everything that prints them:
 * the api's `docker ps` status (`Up 13 months`) and the CLI's `ago`, `service ps`, `control-plane
 * ls`. Pure arithmetic on a millisecond count; the boundaries are go-units' own (seconds and
 * minutes truncated, hours rounded, then days below 2 weeks, weeks below 2 months of 30 days,
 * months below 2 years of 365 days).
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const HOURS_PER_DAY = 24;

/** `Less than a second`, `5 seconds`, `About a minute`, `2 minutes`, `About an hour`, `3 hours`, `4 days`, `3 weeks`, `2 months`, `3 years`. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return "Less than a second";
  if (seconds === 1) return "1 second";
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / MINUTE_MS);
  if (minutes === 1) return "About a minute";
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(ms / HOUR_MS + 0.5);
  if (hours === 1) return "About an hour";
  if (hours < 48) return `${hours} hours`;
  const days = Math.floor(hours / HOURS_PER_DAY);
  if (hours < HOURS_PER_DAY * 7 * 2) return `${days} days`;
  if (hours < HOURS_PER_DAY * 30 * 2) return `${Math.floor(days / 7)} weeks`;
  if (hours < HOURS_PER_DAY * 365 * 2) return `${Math.floor(days / 30)} months`;
  // Years count whole elapsed hours, not the rounded ones (go-units: int(d.Hours())/24/365).
  return `${Math.floor(Math.floor(ms / HOUR_MS) / HOURS_PER_DAY / 365)} years`;
}
