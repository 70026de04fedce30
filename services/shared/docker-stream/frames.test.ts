import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeFrame, FrameDecoder, STREAM } from "./frames.js";

describe("Docker's multiplexed stream", () => {
  it("a frame is the stream byte, three zeros, the big-endian size, the payload", () => {
    assert.deepEqual([...encodeFrame(STREAM.stderr, "hi\n")], [2, 0, 0, 0, 0, 0, 0, 3, 0x68, 0x69, 0x0a]);
  });

  it("frames split across chunks at every byte come out whole and in order", () => {
    const bytes = Buffer.concat([encodeFrame(STREAM.stdout, "one\n"), encodeFrame(STREAM.stderr, ""), encodeFrame(STREAM.systemErr, "x".repeat(300))]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const d = new FrameDecoder();
      const frames = [...d.push(bytes.subarray(0, cut)), ...d.push(bytes.subarray(cut))];
      assert.deepEqual(frames.map((f) => [f.stream, f.payload.toString()]), [[1, "one\n"], [2, ""], [3, "x".repeat(300)]], `cut at ${cut}`);
      assert.equal(d.leftover, 0);
    }
  });

  it("bytes that are not the framing are refused with their offset", () => {
    const d = new FrameDecoder();
    d.push(encodeFrame(STREAM.stdout, "ok"));
    assert.throws(() => d.push(Buffer.from("hello world\n")), /bad frame header at byte 10/);
  });
});
