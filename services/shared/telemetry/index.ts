export { createLogger, type Logger } from "./logger.js";
export { inSpan, startTelemetry, traceparentOf } from "./telemetry.js";
