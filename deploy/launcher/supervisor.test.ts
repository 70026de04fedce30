import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Supervisor } from "./supervisor.js";

/*
 * The launcher's supervisor with real child processes (not a node script: an executable, as
 * nats-server is): a child that dies is started again with back-off, and the supervisor says so.
 */

const dir = mkdtempSync(join(tmpdir(), "jetswarm-supervisor-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function until<T>(f: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("supervisor: any child, with back-off", () => {
  it("given a supervised executable, when it is killed -9, then it is restarted and the supervisor says so", async () => {
    const said: string[] = [];
    const s = new Supervisor((m) => said.push(m));
    s.start({ name: "sleeper", command: "sleep", args: ["60"], env: {}, logFile: join(dir, "sleeper.log"), backoff: { firstMs: 50, maxMs: 400, healthyMs: 60_000 } });
    try {
      const first = await until(() => s.get("sleeper")?.child?.pid, "the first start");
      assert.equal(s.kill("sleeper", "SIGKILL"), first);
      const second = await until(() => { const p = s.get("sleeper")?.child?.pid; return p !== first ? p : undefined; }, "the restart");
      assert.notEqual(second, first);
      assert.deepEqual(said, ["sleeper exited (signal SIGKILL); restarting in 0.05 s", `sleeper restarted (pid ${second}, restart 1)`]);
    } finally {
      await s.stop();
    }
  });

  it("given a child that keeps failing, then each restart waits twice as long, up to the maximum", async () => {
    const said: string[] = [];
    const s = new Supervisor((m) => said.push(m));
    s.start({ name: "crasher", command: "sh", args: ["-c", "exit 3"], env: {}, logFile: join(dir, "crasher.log"), backoff: { firstMs: 20, maxMs: 80, healthyMs: 60_000 } });
    try {
      await until(() => s.get("crasher")!.restarts >= 5 || undefined, "five restarts");
      const delays = said.filter((m) => m.startsWith("crasher exited")).slice(0, 5);
      assert.deepEqual(delays, [0.02, 0.04, 0.08, 0.08, 0.08].map((d) => `crasher exited (code 3); restarting in ${d} s`));
    } finally {
      await s.stop();
    }
  });

  it("after stop(), a child that exits is not restarted", async () => {
    const s = new Supervisor();
    s.start({ name: "sleeper", command: "sleep", args: ["60"], env: {}, logFile: join(dir, "stop.log") });
    const pid = await until(() => s.get("sleeper")?.child?.pid, "the start");
    await s.stop();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(s.get("sleeper")?.child?.pid, pid);
    assert.equal(s.get("sleeper")?.restarts, 0);
  });
});
