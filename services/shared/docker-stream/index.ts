export { encodeFrame, FrameDecoder, STREAM, type Frame, type StreamType } from "./frames.js";
