import { context, propagation, trace, SpanStatusCode, type Attributes, type Span } from "@opentelemetry/api";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { ConsoleSpanExporter, SimpleSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace-base";

/*
 * OpenTelemetry tracing. Every process registers a tracer provider so that each decision has a
 * trace id, recorded as the W3C `traceparent` of the events it appends (the audit log can then
 * group the events of one request). Spans are exported only when asked:
 * `SWARM_OTEL=console` prints them on stderr.
 */

let provider: NodeTracerProvider | undefined;

/** Registers the global tracer provider once per process; returns its shutdown. */
export function startTelemetry(serviceName: string, env: NodeJS.ProcessEnv = process.env): () => Promise<void> {
  if (provider) return async () => {};
  const spanProcessors: SpanProcessor[] = env.SWARM_OTEL === "console" ? [new SimpleSpanProcessor(new ConsoleSpanExporter())] : [];
  provider = new NodeTracerProvider({ spanProcessors });
  provider.register();
  trace.getTracer("jetswarm").startSpan("process.start", { attributes: { "service.name": serviceName } }).end();
  return async () => { await provider?.shutdown(); provider = undefined; };
}

const tracer = () => trace.getTracer("jetswarm");

/** Runs `fn` inside a span; an error marks the span and is rethrown. */
export async function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** The active span's W3C traceparent, when tracing is registered. */
export function currentTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}
