import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { encodeFrame, STREAM } from "../../shared/docker-stream/index.js";
import { TaskLogStream } from "./task-log-stream.js";

const frame = (stream: 1 | 2, i: number) => encodeFrame(stream === 1 ? STREAM.stdout : STREAM.stderr, `2026-12-07T03:00:00.${String(i).padStart(9, "0")}Z line ${i}\n`);

describe("a task's log stream on the agent", () => {
  it("lines come out with their stream and timestamp; done once the engine's stream ended and all were taken", async () => {
    const src = new PassThrough();
    const s = new TaskLogStream(src, 1 << 20, 0);
    src.write(Buffer.concat([frame(1, 1), frame(2, 2)]));
    src.end();
    const lines = [];
    for (let n = 0; n < 10; n++) {
      const r = await s.next(1000, 1 << 20);
      lines.push(...r.lines);
      if (r.done) break;
    }
    assert.deepEqual(lines, [{ s: 1, t: "2026-12-07T03:00:00.000000001Z", d: "line 1\n" }, { s: 2, t: "2026-12-07T03:00:00.000000002Z", d: "line 2\n" }]);
    assert.equal((await s.next(0, 1 << 20)).done, true);
  });

  it("a reader that does not ask pauses the engine's stream at the bound; taking resumes it", async () => {
    const src = new PassThrough({ highWaterMark: 1024 });
    const s = new TaskLogStream(src, 4096, 0);
    let i = 0;
    // Write until the source refuses more: the stream stopped reading (paused), so the buffer is bounded.
    while (src.write(frame(1, i++)) && i < 100_000) await new Promise((r) => setImmediate(r));
    assert.ok(i < 100_000, "the source was paused: the agent stopped reading the engine");
    assert.equal(src.isPaused(), true);
    const first = await s.next(0, 1 << 20);
    assert.ok(first.lines.length > 0 && first.lines.length < i);
    assert.equal(src.isPaused(), false, "taking the lines resumed the engine's stream");
    s.close();
  });

  it("a chunk holds at most maxBytes (but always one line)", async () => {
    const src = new PassThrough();
    const s = new TaskLogStream(src, 1 << 20, 0);
    src.write(Buffer.concat(Array.from({ length: 10 }, (_, k) => frame(1, k))));
    await new Promise((r) => setImmediate(r));
    assert.equal((await s.next(0, 1)).lines.length, 1);
    assert.equal((await s.next(0, 2 * (7 + 48))).lines.length, 2);
    s.close();
  });
});
