import { execFile } from "node:child_process";
import { chmod, chown, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { tmpfsSize, type PlannedFile } from "../core/task-files.js";

/*
 * Per-task host tmpfs for secret and config files (DESIGN §6), as dockerd does for swarm
 * secrets: `<base>/<taskId>` is a tmpfs (nodev, nosuid, noexec) holding one file per reference
 * with its owner and mode, remounted read-only once written; each file is then bind-mounted
 * read-only into the container. The payload lives only in memory and on that tmpfs. Needs root
 * (mount), as the agent does to run containers anyway.
 */

const run = promisify(execFile);

/** Mount points listed in /proc/mounts, octal escapes (`\040` for a space) decoded. */
async function mountPoints(): Promise<string[]> {
  const text = await readFile("/proc/mounts", "utf8");
  return text.split("\n").filter(Boolean).map((l) => l.split(" ")[1]!.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))));
}

export class HostFiles {
  /** `base`: the agent's directory for task files (created 0700). */
  constructor(readonly base: string) {}

  dirOf(taskId: string): string {
    return join(this.base, taskId);
  }

  /** Mounts the task's tmpfs, writes its files, remounts it read-only; returns its directory. */
  async write(taskId: string, files: readonly PlannedFile[]): Promise<string> {
    await mkdir(this.base, { recursive: true, mode: 0o700 });
    const dir = this.dirOf(taskId);
    await this.release(taskId); // a half-done earlier attempt (the agent died mid-way)
    await mkdir(dir, { mode: 0o700 });
    const payloads = files.map((f) => Buffer.from(f.data, "base64"));
    try {
      const size = tmpfsSize(payloads.map((p) => p.length));
      await run("mount", ["-t", "tmpfs", "-o", `nodev,nosuid,noexec,size=${size},mode=0755`, "tmpfs", dir]);
      for (const [i, f] of files.entries()) {
        const path = join(dir, f.file);
        await writeFile(path, payloads[i]!, { mode: 0o600 });
        await chown(path, f.uid, f.gid);
        await chmod(path, f.mode);
      }
      await run("mount", ["-o", "remount,ro,nodev,nosuid,noexec", dir]);
      return dir;
    } catch (err) {
      await this.release(taskId).catch(() => undefined);
      throw err;
    } finally {
      for (const p of payloads) p.fill(0);
    }
  }

  /** Unmounts and removes the task's directory; nothing there is not an error. */
  async release(taskId: string): Promise<void> {
    const dir = this.dirOf(taskId);
    if ((await mountPoints()).includes(dir)) {
      // A lazy unmount when busy: the stopped container's bind holds no reference, but be safe.
      await run("umount", [dir]).catch(() => run("umount", ["-l", dir]));
    }
    await rm(dir, { recursive: true, force: true });
  }

  /** Task ids that have a directory here (mounted or left over). */
  async tasks(): Promise<string[]> {
    try {
      return (await readdir(this.base, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
  }
}
