/*
 * The Docker Engine API versions this api speaks, and version negotiation as moby does it: a
 * client reads `API-Version` from `/_ping` and uses the lower of it and its own; a request under
 * `/vX.Y/` outside [MIN, CURRENT] is refused in moby's words (400, its InvalidParameter).
 */

/** The oldest Engine API version served (swarm mode's fields jetswarm relies on are 1.41's). */
export const MIN_API_VERSION = "1.41";
/** The newest: docker CLI 28's. */
export const CURRENT_API_VERSION = "1.51";

/** `1.41` < `1.9`? No: versions compare part by part, as numbers. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** Moby's refusal for a version outside the range, or undefined when it is served. */
export function apiVersionProblem(version: string): string | undefined {
  if (compareVersions(version, MIN_API_VERSION) < 0) {
    return `client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`;
  }
  if (compareVersions(version, CURRENT_API_VERSION) > 0) {
    return `client version ${version} is too new. Maximum supported API version is ${CURRENT_API_VERSION}`;
  }
  return undefined;
}

/** Docker's `Swarm` header of `/_ping`: what this endpoint is (the api only ever answers as a manager). */
export function swarmStatus(initialised: boolean): "inactive" | "active/manager" {
  return initialised ? "active/manager" : "inactive";
}

/** The headers of `/_ping` (GET and HEAD), as moby's ping handler and version middleware set them. */
export function pingHeaders(initialised: boolean): Record<string, string> {
  return {
    "API-Version": CURRENT_API_VERSION,
    "OSType": "linux",
    "Docker-Experimental": "false",
    "Swarm": swarmStatus(initialised),
    "Cache-Control": "no-cache, no-store, must-revalidate",
    "Pragma": "no-cache",
  };
}
