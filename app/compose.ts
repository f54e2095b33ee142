// The one composition root: builds what a weir process runs on from the environment — the
// transport, the insight store (and the API's idempotency keys), the sinks a topology names, the
// LLM client and the HTTP API — for both `weir run` (cli/commands/run.ts) and the API-only process
// (api/main.ts), so the two cannot drift apart. It is also where the application's pieces plug into
// the engine's contracts (named source schemas, the store behind the sinks).
// Heavy modules are imported dynamically: embedded mode never loads librdkafka, and a process
// without DATABASE_URL never loads the PostgreSQL driver.
import { resolve } from "node:path";
import type { ApiDeps } from "../api/app.ts";
import type { ServerHandle } from "../api/server.ts";
import type { InsightStore } from "../engine/contracts/insight-store.ts";
import type { JobStore } from "../engine/contracts/job-store.ts";
import type { LlmClient } from "../engine/contracts/llm.ts";
import { envRefName, resolveEnvRef } from "../engine/env-ref.ts";
import { kafkaFromEnv } from "../engine/kafka/env.ts";
import { kafkaProbe } from "../engine/kafka/health.ts";
import type { Producer, Transport } from "../engine/kafka/types.ts";
import type { Logger } from "../engine/log.ts";
import { registerBuiltIns } from "../agents/register.ts";
import type { ElasticsearchSink } from "../engine/sinks/elasticsearch-sink.ts";
import type { QdrantSink } from "../engine/sinks/qdrant-sink.ts";
import type { Sink } from "../engine/sinks/sink.ts";
import type { IdempotencyStore } from "../persistence/idempotency.ts";
import type { Sink as SinkSpec, Topology } from "../topology/schema.ts";

export type Env = Record<string, string | undefined>;
type Health = NonNullable<ApiDeps["health"]>;

export interface ComposeOptions {
  log: Logger;
  env?: Env;
  /**
   * The topology whose sinks to build (`weir run`). Without one (the API-only process) the search
   * backends come from ELASTICSEARCH_URL and QDRANT_URL alone.
   */
  topology?: Topology;
  /** Serve the HTTP/WebSocket API (default true). */
  api?: boolean;
  /**
   * Without DATABASE_URL: keep results in a bounded in-memory store (`weir run`, whose sinks write
   * there) instead of having no store (the API-only process, where nothing would fill it).
   */
  memoryStore?: boolean;
  /** Extra /health probes (weir run: the pipeline's). */
  health?: Health;
}

export interface Composition {
  transport: Transport;
  /** true on the in-process transport (no KAFKA_BROKERS). */
  embedded: boolean;
  /** The API's producer (ingest), closed with the composition. */
  producer: Producer;
  store?: InsightStore;
  api?: ServerHandle;
  /** Non-topic sinks by sink name, for the pipeline. */
  sinks: Record<string, Sink>;
  /** Names of the topology's sinks that write in this process (topic sinks, and those built here); the rest are off. */
  activeSinks: Set<string>;
  /** The search backends, also in `sinks` under their names when a topology named them. */
  search: { elasticsearch?: ElasticsearchSink; qdrant?: QdrantSink };
  /** The /health probes the API serves (add to it: the API reads it per request). */
  health: Health;
  /** The LLM gateway when any provider is configured (OPENAI_*, ANTHROPIC_*, GEMINI_*). */
  llm?: LlmClient;
  /** Generation jobs and samples, when this process serves or runs them (topology/generation.yaml). */
  jobs?: JobStore;
  /** Stops the API, closes the sinks, the producer, the transport and the store (stop the pipeline first). */
  close(): Promise<void>;
}

/** Makes the application's named source schemas (`schema: SupportMessage`) known to the engine. */
export function registerAppSchemas(): void {
  registerBuiltIns();
}

/** KAFKA_BROKERS (+ WEIR_KAFKA_CONFIG[_FILE]), waiting for the cluster; else the in-process transport. */
export async function composeTransport(env: Env, log: Logger, topologyName?: string): Promise<{ transport: Transport; embedded: boolean }> {
  const kafka = kafkaFromEnv(env);
  if (kafka) {
    const { createKafkaTransport } = await import("../engine/kafka/index.ts");
    const transport = createKafkaTransport(kafka);
    const { waitForKafka } = await import("../engine/kafka/health.ts");
    const timeoutMs = Number(env.WEIR_KAFKA_CONNECT_TIMEOUT_MS ?? 60_000);
    await waitForKafka(transport, kafka.brokers, timeoutMs, (elapsedMs, error) => log.warn("waiting for Kafka", { brokers: kafka.brokers, elapsedS: Math.round(elapsedMs / 1000), timeoutS: Math.round(timeoutMs / 1000), error }));
    return { transport, embedded: false };
  }
  const { createMemoryTransport, MemoryBroker } = await import("../engine/transport/memory.ts");
  // Records every group has committed past are dropped beyond the last 10 000 of a partition, so a
  // long embedded run does not grow without bound (changelogs keep each key's latest state).
  const transport = createMemoryTransport(new MemoryBroker({ retainRecords: Number(env.WEIR_EMBEDDED_RETAIN_RECORDS ?? 1_000) }));
  log.warn("KAFKA_BROKERS is not set: embedded mode on the in-process transport (data lives in this process only)", { topology: topologyName });
  return { transport, embedded: true };
}

/** PostgreSQL (with its idempotency keys) from DATABASE_URL; else memory, or nothing. */
export async function composeStore(env: Env, log: Logger, opts: { memoryStore: boolean; topologyName?: string; postgresSink?: boolean }): Promise<{ store?: InsightStore; idempotency?: IdempotencyStore }> {
  const url = env.DATABASE_URL;
  if (url) {
    const { connect } = await import("../persistence/db.ts");
    const { Store } = await import("../persistence/store.ts");
    const { PgIdempotencyStore } = await import("../persistence/idempotency.ts");
    const store = new Store(connect({ url }), { reconnect: () => connect({ url }) });
    // Several API processes must agree on Idempotency-Key owners: the keys live beside the results.
    return { store, idempotency: new PgIdempotencyStore(store) };
  }
  if (!opts.memoryStore) return {};
  const { MemoryStore } = await import("../persistence/memory-store.ts");
  log.warn(`DATABASE_URL is not set: results are kept in memory (bounded, lost on exit)${opts.postgresSink ? "; the postgres sink writes there" : ""}`, { topology: opts.topologyName });
  return { store: new MemoryStore() };
}

type SearchSpec = Pick<SinkSpec, "name" | "url" | "index" | "collection"> & { type: "elasticsearch" | "qdrant" };

/**
 * Elasticsearch and Qdrant sinks, each from its URL (`env:NAME` allowed; default ELASTICSEARCH_URL /
 * QDRANT_URL), started. Both are optional: one without a URL is left out, said once, calmly.
 * GET /v1/search answers from the first Elasticsearch sink, /similar from the first Qdrant sink.
 */
export async function composeSearchSinks(specs: SearchSpec[], env: Env, log: Logger): Promise<{ sinks: Record<string, Sink>; search: Composition["search"] }> {
  const sinks: Record<string, Sink> = {};
  const search: Composition["search"] = {};
  for (const spec of specs) {
    const raw = spec.url ?? (spec.type === "elasticsearch" ? "env:ELASTICSEARCH_URL" : "env:QDRANT_URL");
    const url = resolveEnvRef(raw, env);
    if (!url) {
      const name = envRefName(raw);
      log.info(`${spec.type} sink off: ${name ? `${name} is not set` : "no URL"}`, { sink: spec.name });
      continue;
    }
    if (spec.type === "elasticsearch") {
      const { ElasticsearchSink } = await import("../engine/sinks/elasticsearch-sink.ts");
      const sink = new ElasticsearchSink({ url, prefix: spec.index ?? env.WEIR_ES_PREFIX });
      await sink.start();
      search.elasticsearch ??= sink;
      sinks[spec.name] = sink;
    } else {
      const { QdrantSink } = await import("../engine/sinks/qdrant-sink.ts");
      // The vectors are the embedding agent's: the collection must have its dimensions.
      const { embed, DIMENSIONS } = await import("../agents/embedding.ts");
      const sink = new QdrantSink({ url, collection: spec.collection ?? env.WEIR_QDRANT_COLLECTION, dimensions: DIMENSIONS, embed: async (text) => embed(text) });
      await sink.start();
      search.qdrant ??= sink;
      sinks[spec.name] = sink;
    }
  }
  return { sinks, search };
}

/** The non-topic sinks `topology` names, writing to `store` and publishing through `api`'s hub. */
async function composeSinks(topology: Topology, c: { env: Env; log: Logger; store?: InsightStore; api?: ServerHandle; jobs?: JobStore }) {
  const sinks: Record<string, Sink> = {};
  const searchSpecs: SearchSpec[] = [];
  for (const s of topology.sinks) {
    if (s.type === "postgres") {
      if (!c.store) continue;
      const { PostgresSink } = await import("../engine/sinks/postgres-sink.ts");
      const sink = new PostgresSink(c.store, s.name);
      await sink.start();
      sinks[s.name] = sink;
    } else if (s.type === "jobs") {
      if (!c.jobs) continue;
      const { JobSink } = await import("../engine/sinks/job-sink.ts");
      const hub = c.api?.hub;
      const sink = new JobSink(c.jobs, s.input, s.name, (b) => hub?.publishJob(b.tenant, b.jobId, { type: "progress", jobId: b.jobId, status: b.status, ...(b.reason ? { reason: b.reason } : {}), batch: b.batch, progress: b.progress, samples: b.samples.length }));
      await sink.start();
      sinks[s.name] = sink;
    } else if (s.type === "sample-index") {
      // Optional, like the search sinks: off (said once) without a URL.
      const url = resolveEnvRef(s.url ?? "env:ELASTICSEARCH_URL", c.env);
      if (!url) {
        c.log.info("sample-index sink off: no Elasticsearch URL", { sink: s.name, url: s.url ?? "env:ELASTICSEARCH_URL" });
        continue;
      }
      const { SampleIndexSink } = await import("../engine/sinks/sample-index-sink.ts");
      const sink = new SampleIndexSink({ url, prefix: s.index ?? c.env.WEIR_ES_PREFIX }, s.input, s.name);
      await sink.start();
      sinks[s.name] = sink;
    } else if (s.type === "websocket") {
      if (!c.api) continue;
      const { WebSocketSink } = await import("../engine/sinks/websocket-sink.ts");
      sinks[s.name] = new WebSocketSink(c.api.hub, c.store, s.name);
    } else if (s.type === "elasticsearch" || s.type === "qdrant") {
      searchSpecs.push({ ...s, type: s.type });
    } else if (s.type === "webhook") {
      const url = resolveEnvRef(s.url, c.env);
      if (!url) {
        c.log.warn("webhook sink skipped: no URL", { sink: s.name });
        continue;
      }
      const { WebhookSink } = await import("../engine/sinks/webhook-sink.ts");
      sinks[s.name] = new WebhookSink({ url, secret: c.env.WEIR_WEBHOOK_SECRET ?? "" }, s.name);
    }
  }
  const found = await composeSearchSinks(searchSpecs, c.env, c.log);
  return { sinks: { ...sinks, ...found.sinks }, search: found.search };
}

/**
 * Generation jobs (api/routes/jobs.ts and the `jobs` sink): on when the topology has a `jobs` sink
 * (its first source is the task topic), or — the API-only process in front of generation workers —
 * when DATABASE_URL is set (task topic WEIR_JOBS_TOPIC, default generation.tasks). The store is
 * PostgreSQL beside the insight store, else memory shared by the API and the sink of this process.
 */
export async function composeJobs(env: Env, topology: Topology | undefined, store: InsightStore | undefined) {
  const runs = topology?.sinks.some((s) => s.type === "jobs");
  if (!runs && (topology || !env.DATABASE_URL)) return undefined;
  const topic = runs ? topology!.sources[0].topic : (env.WEIR_JOBS_TOPIC ?? "generation.tasks");
  let jobStore: JobStore;
  if (store?.kind === "postgres") {
    const { PgJobStore } = await import("../persistence/job-store.ts");
    const pg = store as unknown as { sql: import("postgres").Sql };
    jobStore = new PgJobStore(() => pg.sql);
  } else {
    const { MemoryJobStore } = await import("../persistence/memory-job-store.ts");
    jobStore = new MemoryJobStore();
  }
  const { templates } = await import("../agents/generation/templates.ts");
  const { providersFromEnv } = await import("../agents/llm/index.ts");
  return { store: jobStore, templates: templates(), topic, providers: providersFromEnv(env).map((p) => p.name) };
}

/**
 * The LLM gateway when a provider is configured; warns when the topology needs one and has none.
 * On PostgreSQL (`store`), usage goes to `llm_usage` and budgets count every process's spend.
 */
export async function composeLlm(env: Env, log: Logger, topology?: Topology, store?: InsightStore): Promise<LlmClient | undefined> {
  const { providersFromEnv, createLlmClient } = await import("../agents/llm/index.ts");
  let usage: import("../agents/llm/usage-store.ts").UsageStore | undefined;
  if (store?.kind === "postgres" && providersFromEnv(env).length) {
    const { PgUsageStore } = await import("../agents/llm/usage-store.ts");
    await store.prepare(); // llm_usage is one of the store's migrations
    usage = new PgUsageStore(store as unknown as { readonly sql: import("postgres").Sql });
  }
  const llm = providersFromEnv(env).length ? createLlmClient({ env, usage }) : undefined;
  if (!llm && topology?.agents?.some((a) => a.implementation === "llm")) log.warn("some agents use implementation: llm but no LLM provider is configured; they will dead-letter", {});
  return llm;
}

/**
 * Builds a weir process from the environment.
 * @example
 * const app = await compose({ log, topology, health: { pipeline: async () => true } });
 * const pipeline = new StagedPipeline({ topology, transport: app.transport, agents: AGENTS, sinks: app.sinks, llm: app.llm });
 * // ... on SIGTERM: await pipeline.stop(); await app.close();
 */
export async function compose(opts: ComposeOptions): Promise<Composition> {
  const env = opts.env ?? process.env;
  const { log, topology } = opts;
  registerAppSchemas();
  const { transport, embedded } = await composeTransport(env, log, topology?.name);
  log.info("starting", { topology: topology?.name, transport: transport.description });
  const { store, idempotency } = await composeStore(env, log, { memoryStore: opts.memoryStore ?? false, topologyName: topology?.name, postgresSink: topology?.sinks.some((s) => s.type === "postgres") });

  const producer = transport.producer();
  const health: Health = { kafka: kafkaProbe(transport) };
  if (store) health[store.kind === "postgres" ? "postgres" : "store"] = async () => (await store.ping(), true);
  Object.assign(health, opts.health);

  const jobs = await composeJobs(env, topology, store);

  // The API starts before the sinks: the WebSocket sink publishes through its hub; search and
  // similarity are wired into it once their sinks exist.
  let api: ServerHandle | undefined;
  if (opts.api !== false) {
    const { startServer } = await import("../api/server.ts");
    const { loadApiConfig } = await import("../api/config.ts");
    // The development key stays the same across restarts (a git-ignored file); embedded mode is a
    // development setup, so it listens on this machine only unless HOST says otherwise.
    const config = loadApiConfig(env, { devKeyFile: resolve(env.WEIR_DEV_KEY_FILE || ".weir/dev-key"), defaultHost: embedded ? "127.0.0.1" : undefined });
    api = await startServer({ config, producer, store, idempotency, health, jobs, embedded: embedded ? { transport } : undefined });
  }

  let sinks: Record<string, Sink> = {};
  let search: Composition["search"];
  if (topology) ({ sinks, search } = await composeSinks(topology, { env, log, store, api, jobs: jobs?.store }));
  else ({ search } = await composeSearchSinks([{ name: "elasticsearch", type: "elasticsearch" }, { name: "qdrant", type: "qdrant" }], env, log));
  const { elasticsearch: es, qdrant: qd } = search;
  if (es) api?.setSearch((tenant, q, limit) => es.search(tenant, q, limit));
  if (qd) api?.setSimilar((tenant, conversationId, limit) => qd.similarConversations(tenant, conversationId, limit));

  const llm = topology ? await composeLlm(env, log, topology, store) : undefined;

  const activeSinks = new Set((topology?.sinks ?? []).filter((s) => s.type === "topic" || sinks[s.name]).map((s) => s.name));
  const closing = new Set<Sink>([...Object.values(sinks), ...[es, qd].filter((s): s is NonNullable<typeof s> => !!s)]);
  return {
    transport,
    embedded,
    producer,
    store,
    api,
    sinks,
    activeSinks,
    search,
    health,
    llm,
    jobs: jobs?.store,
    async close() {
      await api?.stop();
      for (const s of closing) await s.close();
      await producer.close();
      await transport.close();
      await store?.close();
    },
  };
}
