// OpenTelemetry tracing. The W3C traceparent travels in Kafka record headers, so one trace follows
// a message from HTTP ingestion through every topic hop, agent and LLM call to the sinks. Tracing is
// configured by the standard OTEL_* variables and costs next to nothing when it is off.
import { context, trace, SpanKind, SpanStatusCode, type Attributes, type Context, type Span } from "@opentelemetry/api";

export const tracer = () => trace.getTracer("weir");

let started = false;
/**
 * Starts the OpenTelemetry Node SDK when OTEL_TRACES_EXPORTER or OTEL_EXPORTER_OTLP_ENDPOINT is set
 * (the SDK reads OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_* and the sampler variables itself).
 */
export async function initTracing(env: Record<string, string | undefined> = process.env): Promise<boolean> {
  if (started || (!env.OTEL_TRACES_EXPORTER && !env.OTEL_EXPORTER_OTLP_ENDPOINT) || env.OTEL_SDK_DISABLED === "true") return false;
  const { NodeSDK } = await import("@opentelemetry/sdk-node");
  const sdk = new NodeSDK({ serviceName: env.OTEL_SERVICE_NAME ?? "weir" });
  sdk.start();
  started = true;
  process.once("beforeExit", () => void sdk.shutdown());
  return true;
}

const TRACEPARENT = /^([\da-f]{2})-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})$/;

/** The context a `traceparent` header describes (the root context when absent or malformed). */
export function contextFrom(traceparent: string | undefined | null): Context {
  const m = TRACEPARENT.exec(traceparent ?? "");
  if (!m || m[2] === "0".repeat(32)) return context.active();
  return trace.setSpanContext(context.active(), { traceId: m[2], spanId: m[3], traceFlags: parseInt(m[4], 16), isRemote: true });
}

/** The `traceparent` header value for a span, to put on a Kafka record or HTTP request. */
export function traceparentOf(span: Span): string {
  const c = span.spanContext();
  return `00-${c.traceId}-${c.spanId}-${c.traceFlags.toString(16).padStart(2, "0")}`;
}

/**
 * Runs `fn` in a span that is a child of `parent` (a traceparent string or a context); records
 * errors and ends the span. The span is passed to `fn` so it can add attributes or propagate itself.
 * @example
 * await withSpan("agent sentiment", { "weir.agent": "sentiment" }, (span) => run(), record.traceparent);
 */
/**
 * Whether a tracer provider is registered. Without one every span is a no-op, so hot paths skip
 * building span names and attributes altogether (the API's proxy provider has no delegate then).
 */
export function tracingActive(): boolean {
  const p = trace.getTracerProvider() as { getDelegateTracer?: (name: string) => unknown };
  return p.getDelegateTracer ? p.getDelegateTracer("weir") !== undefined : true;
}

export async function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T> | T, parent?: string | Context, kind: SpanKind = SpanKind.INTERNAL): Promise<T> {
  const ctx = typeof parent === "string" || parent === undefined ? contextFrom(parent) : parent;
  const span = tracer().startSpan(name, { attributes, kind }, ctx);
  try {
    const out = await fn(span);
    span.setStatus({ code: SpanStatusCode.OK });
    return out;
  } catch (e) {
    span.recordException(e as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
    throw e;
  } finally {
    span.end();
  }
}

export { SpanKind };
