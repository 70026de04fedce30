import type { LogLine } from "../../../schemas/index.js";
import { FrameDecoder } from "../../shared/docker-stream/index.js";
import { errorMessage } from "../../shared/errors/index.js";

/**
 * One task's container log, read from the engine while somebody asks for it: lines are buffered
 * up to `maxBytes`, then the engine's stream is paused until `take` drains the buffer below half
 * of it. A slow or vanished reader therefore holds at most `maxBytes` here (plus one chunk the
 * engine had already sent), however much the container writes.
 */
export class TaskLogStream {
  private lines: LogLine[] = [];
  private bytes = 0;
  private ended = false;
  private paused = false;
  private failure: string | undefined;
  private wake: (() => void) | undefined;
  private readonly decoder = new FrameDecoder();
  /** When the stream was last asked for (ms, the caller's clock). */
  touched: number;

  constructor(private readonly source: NodeJS.ReadableStream, private readonly maxBytes: number, now: number) {
    this.touched = now;
    source.on("data", (chunk: Buffer) => this.onData(chunk));
    source.once("end", () => this.finish());
    source.once("close", () => this.finish());
    source.once("error", (err: unknown) => this.finish(errorMessage(err)));
  }

  private onData(chunk: Buffer): void {
    let frames;
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      this.finish(errorMessage(err));
      return;
    }
    for (const f of frames) {
      if (f.stream !== 1 && f.stream !== 2) continue;
      const text = f.payload.toString("utf8");
      // `timestamps=true`: every frame starts with the engine's RFC3339Nano time and a space.
      const sp = text.indexOf(" ");
      const line: LogLine = { s: f.stream, t: sp > 0 ? text.slice(0, sp) : "", d: sp > 0 ? text.slice(sp + 1) : text };
      this.lines.push(line);
      this.bytes += line.d.length + 48;
    }
    if (this.bytes >= this.maxBytes && !this.paused) {
      this.paused = true;
      this.source.pause();
    }
    this.signal();
  }

  private finish(failure?: string): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = failure;
    this.signal();
  }

  private signal(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** Up to `maxBytes` of buffered lines; waits up to `waitMs` when none is buffered and more may come. */
  async next(waitMs: number, maxBytes: number): Promise<{ lines: LogLine[]; done: boolean; failure?: string }> {
    if (this.lines.length === 0 && !this.ended && waitMs > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { this.wake = undefined; resolve(); }, waitMs);
        this.wake = () => { clearTimeout(t); resolve(); };
      });
    }
    const out = this.take(maxBytes);
    const done = this.ended && this.lines.length === 0;
    return { lines: out, done, ...(done && this.failure ? { failure: this.failure } : {}) };
  }

  private take(maxBytes: number): LogLine[] {
    let size = 0;
    let n = 0;
    while (n < this.lines.length && (n === 0 || size + this.lines[n]!.d.length + 48 <= maxBytes)) size += this.lines[n++]!.d.length + 48;
    const out = this.lines.splice(0, n);
    this.bytes -= size;
    if (this.paused && this.bytes < this.maxBytes / 2) {
      this.paused = false;
      this.source.resume();
    }
    return out;
  }

  close(): void {
    this.finish();
    const s = this.source as NodeJS.ReadableStream & { destroy?: () => void };
    s.destroy?.();
  }
}
