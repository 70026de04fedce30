/*
 * Docker's multiplexed stream (the Engine API's framing of a non-TTY container's output, and of
 * `/services/{id}/logs`): each frame is an 8-byte header — the stream (0 stdin, 1 stdout,
 * 2 stderr, 3 the daemon's own error), three zero bytes, the payload's size as a big-endian
 * uint32 — then the payload. Docker's `stdcopy` on both sides; this is the one copy here.
 */

export const STREAM = { stdin: 0, stdout: 1, stderr: 2, systemErr: 3 } as const;
export type StreamType = (typeof STREAM)[keyof typeof STREAM];

export interface Frame { stream: number; payload: Buffer }

const HEADER = 8;

/** One frame: header and payload. */
export function encodeFrame(stream: StreamType, payload: Buffer | string): Buffer {
  const body = typeof payload === "string" ? Buffer.from(payload, "utf8") : payload;
  const out = Buffer.allocUnsafe(HEADER + body.length);
  out.writeUInt32BE(0, 0);
  out[0] = stream;
  out.writeUInt32BE(body.length, 4);
  body.copy(out, HEADER);
  return out;
}

/**
 * Splits a byte stream into frames, whatever the chunk boundaries (a header or a payload may
 * arrive in pieces). A header whose reserved bytes are not zero, or whose stream is not 0–3, is
 * not Docker's framing: `push` throws, naming the offset.
 */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);
  private offset = 0;

  push(chunk: Buffer): Frame[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const frames: Frame[] = [];
    let at = 0;
    while (this.pending.length - at >= HEADER) {
      const stream = this.pending[at]!;
      if (stream > 3 || this.pending[at + 1] !== 0 || this.pending[at + 2] !== 0 || this.pending[at + 3] !== 0) {
        throw new Error(`not Docker's multiplexed stream: bad frame header at byte ${this.offset + at}`);
      }
      const size = this.pending.readUInt32BE(at + 4);
      if (this.pending.length - at - HEADER < size) break;
      frames.push({ stream, payload: this.pending.subarray(at + HEADER, at + HEADER + size) });
      at += HEADER + size;
    }
    this.offset += at;
    this.pending = this.pending.subarray(at);
    return frames;
  }

  /** Bytes of an unfinished frame (a stream that ends with some left was cut). */
  get leftover(): number {
    return this.pending.length;
  }
}
