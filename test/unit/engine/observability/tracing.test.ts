// One trace follows a message from HTTP ingestion across a Kafka hop (the in-process transport)
// through every agent to the sinks. Spans are captured with OpenTelemetry's in-memory exporter.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { trace } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { createApp } from "../../../../api/app.ts";
import { loadApiConfig } from "../../../../api/config.ts";
import { Pipeline } from "../../../../engine/runtime/pipeline.ts";
import { createMemoryTransport } from "../../../../engine/transport/memory.ts";
import { TEST_AGENTS, testTopology } from "../../../helpers/pipeline.ts";
import { waitFor } from "../../../helpers/wait.ts";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
beforeAll(() => {
  trace.setGlobalTracerProvider(provider);
});
afterAll(async () => {
  trace.disable();
  await provider.shutdown();
});

describe("tracing", () => {
  test("HTTP ingestion → Kafka hop → agents → sinks share one trace with parent links", async () => {
    const t = createMemoryTransport();
    const topo = testTopology("traced", { in: "traced.in", out: "traced.out", dlq: "traced.dlq" });
    const pipeline = new Pipeline({ topology: topo, transport: t, agents: TEST_AGENTS, commitIntervalMs: 50 });
    await pipeline.start();
    const producer = t.producer();
    const app = createApp({ config: loadApiConfig({ WEIR_API_KEYS: "acme:k", WEIR_INGEST_TOPIC: "traced.in" }), producer });
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const res = await app.handle(
      new Request("http://weir.local/v1/messages", {
        method: "POST",
        headers: { authorization: "Bearer k", "content-type": "application/json", traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
        body: JSON.stringify({ conversationId: "c1", text: "hello there" }),
      }),
    );
    expect(res.status).toBe(202);
    expect(((await res.json()) as { traceId: string }).traceId).toBe(traceId);
    await waitFor(() => exporter.getFinishedSpans().some((s) => s.name.startsWith("sinks")), "the sinks span");
    const spans = exporter.getFinishedSpans();
    const byName = (n: string) => spans.find((s) => s.name === n)!;
    const ingest = byName("ingest message");
    expect(spans.every((s) => s.spanContext().traceId === traceId)).toBe(true);
    for (const agent of ["agent count", "agent shout", "sinks out"]) {
      const s = byName(agent);
      expect(s).toBeDefined();
      expect(s.parentSpanContext?.spanId).toBe(ingest.spanContext().spanId);
    }
    expect(byName("agent count").attributes["weir.agent"]).toBe("count");
    await pipeline.stop();
  });
});
