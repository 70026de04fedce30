import { humanDuration } from "../../schemas/human-duration.js";

/** `5 seconds ago`; `Less than a second ago` (a future time counts as now). */
export function ago(then: Date | string, now: Date): string {
  const t = typeof then === "string" ? new Date(then) : then;
  return `${humanDuration(Math.max(0, now.getTime() - t.getTime()))} ago`;
}
