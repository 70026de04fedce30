import { execFile } from "node:child_process";

/*
 * The host tools the service-networking shell drives (DESIGN §6b: nftables, conntrack, iproute2;
 * installed by the project's set-up). Each call is bounded; a failure carries the tool's stderr.
 */

const TIMEOUT_MS = 10_000;

export class NetCommandError extends Error {
  constructor(readonly command: string, readonly stderr: string, options?: { cause?: unknown }) {
    super(`${command} failed: ${stderr.trim() || "no output"}`, options);
    this.name = "NetCommandError";
  }
}

/** Runs `file args…` with `input` on stdin; resolves with stdout, rejects with NetCommandError. */
export function runTool(file: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, [...args], { timeout: TIMEOUT_MS, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new NetCommandError([file, ...args].join(" "), String(stderr) || err.message, { cause: err }));
      else resolve(String(stdout));
    });
    // A tool that exits without reading stdin makes the write fail (EPIPE): its exit code tells.
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(input ?? "");
  });
}

/** Loads an nftables script atomically, in the host's namespace or a container's (by its pid). */
export function nftLoad(script: string, pid?: number): Promise<string> {
  return pid === undefined ? runTool("nft", ["-f", "-"], script) : runTool("nsenter", ["-t", String(pid), "-n", "nft", "-f", "-"], script);
}

/**
 * Deletes the conntrack entries of flows whose reply comes from `ip` (a backend that left: after
 * DNAT the original destination is the VIP, so the backend is the reply source) in the namespace
 * of `pid` (the host's when undefined). conntrack exits 1 when nothing matched: not an error.
 */
export async function conntrackFlush(ip: string, pid?: number): Promise<void> {
  const args = ["conntrack", "-D", "--reply-src", ip];
  try {
    await (pid === undefined ? runTool(args[0]!, args.slice(1)) : runTool("nsenter", ["-t", String(pid), "-n", ...args]));
  } catch (err) {
    if (err instanceof NetCommandError && /0 flow entries have been deleted/.test(err.stderr)) return;
    throw err;
  }
}
