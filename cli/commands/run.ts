// `weir run FILE`: the main job. Runs a topology with its agents, aggregator and sinks, and the HTTP
// API beside it. Without KAFKA_BROKERS it runs on the in-process transport (embedded mode) and
// says so; with KAFKA_BROKERS it joins that cluster's consumer group, so more processes scale out.
import type { Command } from "../command.ts";
import { parse, UsageError } from "../args.ts";
import { EXIT } from "../exit-codes.ts";
import { loadTopology } from "../../topology/load.ts";
import { logger } from "../../engine/log.ts";
import { kafkaFromEnv } from "../../engine/kafka/env.ts";
import { kafkaProbe } from "../../engine/kafka/health.ts";
import type { Transport } from "../../engine/kafka/types.ts";
import type { Sink } from "../../engine/sinks/sink.ts";
import { StagedPipeline } from "../../engine/runtime/staged-pipeline.ts";
import { AGENTS, redactText } from "../../agents/index.ts";
import { setLogRedactor } from "../../engine/log.ts";

const command: Command = {
  name: "run",
  summary: "run a topology (and the API) — embedded when KAFKA_BROKERS is unset",
  help: `Usage: weir run FILE [--stage NAME[,NAME]] [--no-api] [--port N]

Runs the topology FILE: consumes its sources, runs operators and agents as per-key actors,
aggregates, and writes the sinks; serves the HTTP/WebSocket API (PORT, default 3000).
A topology with stages runs each stage as its own consumer group joined by topics; --stage runs
only the named stages here, so a slow stage (an LLM agent) scales out in processes of its own.

Environment:
  KAFKA_BROKERS            Kafka bootstrap servers; unset = embedded in-process transport
  WEIR_EMBEDDED_RETAIN_RECORDS  records an embedded partition keeps once consumed (default 10000)
  WEIR_KAFKA_CONFIG        extra librdkafka properties as JSON
  WEIR_KAFKA_CONNECT_TIMEOUT_MS  how long to wait for Kafka at start-up (default 60000)
  DATABASE_URL             PostgreSQL for the postgres sink and the API's store (unset: results kept in memory)
  WEIR_API_KEYS            tenant:key,... (unset = a generated development key)
  PORT, HOST               API address
Stops gracefully on SIGINT/SIGTERM: stop fetching, drain, commit, flush, close.`,
  async run(argv) {
    const { values, positionals } = parse(argv, { "no-api": { type: "boolean" }, port: { type: "string" }, stage: { type: "string" } });
    const file = positionals[0];
    if (!file) throw new UsageError("missing FILE");
    const log = logger("run");
    setLogRedactor((s) => redactText(s));
    const { initTracing } = await import("../../engine/observability/tracing.ts");
    if (await initTracing()) log.info("OpenTelemetry tracing on (OTEL_* variables)");
    const topology = loadTopology(file);
    const kafka = kafkaFromEnv();
    let transport: Transport;
    if (kafka) {
      const { createKafkaTransport } = await import("../../engine/kafka/index.ts");
      transport = createKafkaTransport(kafka);
      const { waitForKafka } = await import("../../engine/kafka/health.ts");
      const timeoutMs = Number(process.env.WEIR_KAFKA_CONNECT_TIMEOUT_MS ?? 60_000);
      await waitForKafka(transport, kafka.brokers, timeoutMs, (elapsedMs, error) => log.warn("waiting for Kafka", { brokers: kafka.brokers, elapsedS: Math.round(elapsedMs / 1000), timeoutS: Math.round(timeoutMs / 1000), error }));
    } else {
      const { createMemoryTransport, MemoryBroker } = await import("../../engine/transport/memory.ts");
      // Records every group has committed past are dropped beyond the last 10 000 of a partition, so a
      // long embedded run does not grow without bound (changelogs keep each key's latest state).
      transport = createMemoryTransport(new MemoryBroker({ retainRecords: Number(process.env.WEIR_EMBEDDED_RETAIN_RECORDS ?? 10_000) }));
      log.warn("KAFKA_BROKERS is not set: embedded mode on the in-process transport (data lives in this process only)", { topology: topology.name });
    }
    log.info("starting", { topology: topology.name, transport: transport.description });

    // PostgreSQL when DATABASE_URL is set; otherwise results live in a bounded in-memory store, so
    // embedded mode still answers insight queries and WebSocket catch-up (until the process exits).
    let store: import("../../persistence/insight-store.ts").InsightStore;
    if (process.env.DATABASE_URL) {
      const { connect } = await import("../../persistence/db.ts");
      const { Store } = await import("../../persistence/store.ts");
      const url = process.env.DATABASE_URL;
      store = new Store(connect({ url }), { reconnect: () => connect({ url }) });
    } else {
      const { MemoryStore } = await import("../../persistence/memory-store.ts");
      store = new MemoryStore();
      log.warn("DATABASE_URL is not set: results are kept in memory (bounded, lost on exit); the postgres sink writes there", { topology: topology.name });
    }

    const sinks: Record<string, Sink> = {};
    let api: import("../../api/server.ts").ServerHandle | undefined;
    const producer = transport.producer();
    if (!values["no-api"]) {
      const { startServer } = await import("../../api/server.ts");
      const { loadApiConfig } = await import("../../api/config.ts");
      const env = { ...process.env, ...(values.port ? { PORT: String(values.port) } : {}) };
      const config = loadApiConfig(env);
      api = await startServer({
        config,
        producer,
        store,
        health: {
          kafka: kafkaProbe(transport),
          [store.kind === "postgres" ? "postgres" : "store"]: async () => (await store.ping(), true),
          pipeline: async () => ({ name: "pipeline", ok: true, detail: JSON.stringify(pipeline.stats) }),
        },
      });
      log.info("API listening", { url: api.url.toString(), dashboard: new URL("/dashboard", api.url).toString() });
      const { setDashboardGraph } = await import("../../api/dashboard/index.ts");
      const { toSvg } = await import("../../topology/graph.ts");
      setDashboardGraph(toSvg(topology));
    }
    for (const s of topology.sinks) {
      if (s.type === "postgres") {
        const { PostgresSink } = await import("../../engine/sinks/postgres-sink.ts");
        const sink = new PostgresSink(store, s.name);
        await sink.start();
        sinks[s.name] = sink;
      } else if (s.type === "websocket") {
        if (!api) continue;
        const { WebSocketSink } = await import("../../engine/sinks/websocket-sink.ts");
        sinks[s.name] = new WebSocketSink(api.hub, store, s.name);
      } else if (s.type === "elasticsearch" || s.type === "qdrant") {
        // URL from the sink (`env:NAME` allowed) or ELASTICSEARCH_URL / QDRANT_URL.
        const raw = s.url ?? (s.type === "elasticsearch" ? "env:ELASTICSEARCH_URL" : "env:QDRANT_URL");
        const url = raw.startsWith("env:") ? process.env[raw.slice(4)] : raw;
        if (!url) {
          // Optional services: say so once, calmly (support.yaml names both; most laptops run neither).
          log.info(`${s.type} sink off: ${raw.startsWith("env:") ? `${raw.slice(4)} is not set` : "no URL"}`, { sink: s.name });
          continue;
        }
        if (s.type === "elasticsearch") {
          const { ElasticsearchSink } = await import("../../engine/sinks/elasticsearch-sink.ts");
          const sink = new ElasticsearchSink({ url, prefix: s.index ?? process.env.WEIR_ES_PREFIX });
          await sink.start?.();
          sinks[s.name] = sink;
          // GET /v1/search answers from the first Elasticsearch sink.
          api?.setSearch((tenant, q, limit) => sink.search(tenant, q, limit));
        } else {
          const { QdrantSink } = await import("../../engine/sinks/qdrant-sink.ts");
          const { embed, DIMENSIONS } = await import("../../agents/embedding.ts");
          const sink = new QdrantSink({ url, collection: s.collection ?? process.env.WEIR_QDRANT_COLLECTION, dimensions: DIMENSIONS, embed: async (text) => embed(text) });
          await sink.start?.();
          sinks[s.name] = sink;
          api?.setSimilar((tenant, conversationId, limit) => sink.similarConversations(tenant, conversationId, limit));
        }
      } else if (s.type === "webhook") {
        const url = s.url?.startsWith("env:") ? process.env[s.url.slice(4)] : s.url;
        if (!url) {
          log.warn("webhook sink skipped: no URL", { sink: s.name });
          continue;
        }
        const { WebhookSink } = await import("../../engine/sinks/webhook-sink.ts");
        sinks[s.name] = new WebhookSink({ url, secret: process.env.WEIR_WEBHOOK_SECRET ?? "" }, s.name);
      }
    }

    // LLM-backed agents get the gateway when any provider is configured (OPENAI_*, ANTHROPIC_*, GEMINI_*).
    const { providersFromEnv, createLlmClient } = await import("../../agents/llm/index.ts");
    const llm = providersFromEnv(process.env).length ? createLlmClient() : undefined;
    if (!llm && topology.agents?.some((a) => a.implementation === "llm")) log.warn("some agents use implementation: llm but no LLM provider is configured; they will dead-letter", {});
    const stages = values.stage ? String(values.stage).split(",").map((s) => s.trim()).filter(Boolean) : undefined;
    const pipeline = new StagedPipeline({ topology, transport, agents: AGENTS, sinks, llm, stages });
    await pipeline.start();
    log.info("running", { topology: topology.name, embedded: !kafka, stages: pipeline.plans.map((p) => p.name) });

    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info("stopping", { signal });
      await pipeline.stop();
      await api?.stop();
      await producer.close();
      await transport.close();
      await store.close();
      log.info("stopped", { ...pipeline.stats });
      process.exit(EXIT.OK);
    };
    process.once("SIGINT", () => void stop("SIGINT"));
    process.once("SIGTERM", () => void stop("SIGTERM"));
    await new Promise(() => {});
    return EXIT.OK;
  },
};
export default command;
