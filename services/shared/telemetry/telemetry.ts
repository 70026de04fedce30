import { context, trace, SpanStatusCode, type Attributes, type Span } from "@opentelemetry/api";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { ConsoleSpanExporter, SimpleSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace-base";

/*
 * OpenTelemetry tracing. Every process registers a tracer provider so that each decision has a
 * trace id, recorded as the W3C `traceparent` of the events it appends (the audit log can then
 * group the events of one request). Spans are exported only when asked:
 * `SWARM_OTEL=console` prints them on stderr.
 *
 * No context manager: a span's trace is handed on explicitly (`inSpan`'s `parent`, `traceparentOf`),
 * not through async context. On Node 20 AsyncLocalStorage hooks every promise the process creates
 * (measured at ~6 % of the dispatcher's CPU in the scale benchmark, where it makes hundreds of
 * thousands), to carry a context that only the commit loop reads.
 */

let provider: NodeTracerProvider | undefined;

/** Registers the global tracer provider once per process; returns its shutdown. */
export function startTelemetry(serviceName: string, env: NodeJS.ProcessEnv = process.env): () => Promise<void> {
  if (provider) return async () => {};
  const spanProcessors: SpanProcessor[] = env.SWARM_OTEL === "console" ? [new SimpleSpanProcessor(new ConsoleSpanExporter())] : [];
  provider = new NodeTracerProvider({ spanProcessors });
  provider.register({ contextManager: null });
  trace.getTracer("jetswarm").startSpan("process.start", { attributes: { "service.name": serviceName } }).end();
  return async () => { await provider?.shutdown(); provider = undefined; };
}

const tracer = () => trace.getTracer("jetswarm");

/** Runs `fn` inside a span (a child of `parent` when given); an error marks the span and is rethrown. */
export async function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>, parent?: Span): Promise<T> {
  const span = tracer().startSpan(name, { attributes }, parent ? trace.setSpan(context.active(), parent) : undefined);
  try {
    return await fn(span);
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
    throw err;
  } finally {
    span.end();
  }
}

/** The span's W3C traceparent; undefined when tracing is not registered (a non-recording span). */
export function traceparentOf(span: Span): string | undefined {
  const c = span.spanContext();
  if (!trace.isSpanContextValid(c)) return undefined;
  return `00-${c.traceId}-${c.spanId}-0${(c.traceFlags & 1).toString(16)}`;
}
