// `weir run FILE`: the main job. Runs a topology with its agents, aggregator and sinks, and the HTTP
// API beside it. Without KAFKA_BROKERS it runs on the in-process transport (embedded mode) and
// says so; with KAFKA_BROKERS it joins that cluster's consumer group, so more processes scale out.
import type { Command } from "../command.ts";
import { parse, UsageError } from "../args.ts";
import { EXIT } from "../exit-codes.ts";
import { loadTopology } from "../../topology/load.ts";
import { logger, setLogRedactor } from "../../engine/log.ts";
import { StagedPipeline } from "../../engine/runtime/staged-pipeline.ts";
import { AGENTS, redactText } from "../../agents/index.ts";
import { compose } from "../../app/compose.ts";

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
    // Transport, store, API, sinks and LLM client from the environment, as the API-only process builds them.
    const env = { ...process.env, ...(values.port ? { PORT: String(values.port) } : {}) };
    const app = await compose({
      log,
      env,
      topology,
      api: !values["no-api"],
      // Without DATABASE_URL results live in a bounded in-memory store, so embedded mode still
      // answers insight queries and WebSocket catch-up (until the process exits).
      memoryStore: true,
      health: { pipeline: async () => ({ name: "pipeline", ok: true, detail: JSON.stringify(pipeline.stats) }) },
    });
    if (app.api) {
      log.info("API listening", { url: app.api.url.toString(), dashboard: new URL("/dashboard", app.api.url).toString() });
      const { setDashboardGraph } = await import("../../api/dashboard/index.ts");
      const { toSvg } = await import("../../topology/graph.ts");
      setDashboardGraph(toSvg(topology));
    }
    const stages = values.stage ? String(values.stage).split(",").map((s) => s.trim()).filter(Boolean) : undefined;
    const onFatal = (error: unknown) => {
      log.error("pipeline failed; exiting so a restart resumes from the last commit", { error });
      process.exit(EXIT.FAILURE);
    };
    const pipeline = new StagedPipeline({ topology, transport: app.transport, agents: AGENTS, sinks: app.sinks, llm: app.llm, stages, onFatal });
    await pipeline.start();
    log.info("running", { topology: topology.name, embedded: app.embedded, stages: pipeline.plans.map((p) => p.name) });

    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info("stopping", { signal });
      await pipeline.stop();
      await app.close();
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
