// `weir run FILE`: the main job. Runs a topology with its agents, aggregator and sinks, and the HTTP
// API beside it. Without KAFKA_BROKERS it runs on the in-process transport (embedded mode) and
// says so; with KAFKA_BROKERS it joins that cluster's consumer group, so more processes scale out.
import type { Command } from "../command.ts";
import { parse, UsageError } from "../args.ts";
import { EXIT } from "../exit-codes.ts";
import { loadTopology } from "../../topology/load.ts";
import { logFormat, logger, setLogRedactor } from "../../engine/log.ts";
import { StagedPipeline } from "../../engine/runtime/staged-pipeline.ts";
import { AGENTS, redactText } from "../../agents/index.ts";
import { compose } from "../../app/compose.ts";
import { announce } from "../../app/banner.ts";
import { ProgressWatch } from "../../app/progress-watch.ts";

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
  PORT, HOST               API address (HOST default: 127.0.0.1 in embedded mode or with a
                           development key, else 0.0.0.0)
  WEIR_DEV_KEY_FILE        where the development key is kept (default .weir/dev-key)
  WEIR_LOG_FORMAT          json or pretty (default: pretty on a terminal, else json)
  WEIR_DRAIN_TIMEOUT_MS    how long a stop may take (default 30000)
  WEIR_READY_STALL_MS      /ready turns false after this long with lag and nothing finishing (default 60000)
Stops gracefully on SIGINT/SIGTERM: stop fetching, drain, commit, flush, close — within
WEIR_DRAIN_TIMEOUT_MS, or it exits anyway with code 1. A second signal exits at once (130).`,
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
    const env: Record<string, string | undefined> = { ...process.env, ...(values.port ? { PORT: String(values.port) } : {}) };
    const drainMs = Math.max(2_000, Number(env.WEIR_DRAIN_TIMEOUT_MS ?? 30_000) || 30_000);
    let pipeline: StagedPipeline | undefined;
    // /ready says no, with the reason, when records wait and none finishes (a frozen pipeline).
    const watch = new ProgressWatch({
      stallMs: Number(env.WEIR_READY_STALL_MS ?? 60_000) || 60_000,
      figures: () => ({ ...(pipeline?.stats ?? {}), inFlight: pipeline?.inFlight() ?? 0 }),
      sample: async () => {
        const ps = pipeline?.pipelines ?? [];
        let lag: number | undefined = 0;
        for (const { pipeline: p } of ps) {
          try {
            lag += (await p.lag()).reduce((n, l) => n + Math.max(0, l.lag), 0);
          } catch {
            lag = undefined;
            break;
          }
        }
        return { done: pipeline?.stats.done ?? 0, lag };
      },
    });
    const app = await compose({
      log,
      env,
      topology,
      api: !values["no-api"],
      // Without DATABASE_URL results live in a bounded in-memory store, so embedded mode still
      // answers insight queries and WebSocket catch-up (until the process exits).
      memoryStore: true,
      health: { pipeline: async () => watch.probe() },
    });
    if (app.api) {
      const { toSvg } = await import("../../topology/graph.ts");
      const { resolveEnvRef } = await import("../../engine/env-ref.ts");
      app.api.setDashboard({
        topology: topology.name,
        svg: toSvg(topology, { theme: "dark", disabledSinks: topology.sinks.filter((s) => !app.activeSinks.has(s.name)).map((s) => s.name) }),
        alerts: (topology.aggregator?.alerts ?? []).map((a) => ({ name: a.name, when: a.when, webhook: !!resolveEnvRef(a.webhook.url, env) })),
      });
    }
    const stages = values.stage ? String(values.stage).split(",").map((s) => s.trim()).filter(Boolean) : undefined;
    const onFatal = (error: unknown) => {
      log.error("pipeline failed; exiting so a restart resumes from the last commit", { error });
      process.exit(EXIT.FAILURE);
    };
    pipeline = new StagedPipeline({ topology, transport: app.transport, agents: AGENTS, sinks: app.sinks, llm: app.llm, stages, onFatal });
    const running = pipeline;
    await running.start();
    log.info("running", { topology: topology.name, embedded: app.embedded, stages: running.plans.map((p) => p.name) });
    announce(
      {
        topology: topology.name,
        stages: running.plans.map((p) => p.name),
        embedded: app.embedded,
        transport: app.transport.description,
        store: app.store ? (app.store.kind === "postgres" ? "postgres" : "memory") : "none",
        url: app.api?.url.href,
        devKey: app.api?.devKey,
        devKeyFile: app.api?.devKeyFile,
      },
      log,
      logFormat() === "pretty",
    );
    const sampler = setInterval(() => void watch.check().catch(() => {}), Math.max(250, Math.floor(watch.stallMs / 6)));
    sampler.unref?.();

    let stopping = false;
    // One Ctrl-C can arrive twice: the terminal signals the whole process group, and `bun run start`
    // forwards it to this process too. Only a signal after this window is the person asking again.
    let secondCounts = false;
    const stop = async (signal: string) => {
      if (stopping) {
        if (!secondCounts) return;
        // The person asked twice: no more waiting.
        log.warn(`second ${signal}: exiting now without finishing the drain`, { inFlight: running.inFlight() });
        process.exit(EXIT.INTERRUPTED);
      }
      stopping = true;
      clearInterval(sampler);
      log.info("stopping", { signal, drainTimeoutS: drainMs / 1000 });
      setTimeout(() => {
        secondCounts = true;
        if (running.inFlight() > 0) log.info("draining what is in flight; Ctrl-C again to exit at once", { inFlight: running.inFlight() });
        else log.debug("a second signal now exits at once", {});
      }, 300).unref?.();
      // Whatever hangs (a stream that died, a sink that never answers), the process is gone by the deadline.
      const deadline = setTimeout(() => {
        log.error(`did not stop within ${drainMs / 1000} s (WEIR_DRAIN_TIMEOUT_MS); exiting without a clean close`, { inFlight: running.inFlight() });
        process.exit(EXIT.FAILURE);
      }, drainMs);
      try {
        await running.stop(Math.max(1_000, drainMs - 3_000));
        await app.close();
      } catch (e) {
        log.error("stop failed", { err: e });
        process.exit(EXIT.FAILURE);
      }
      clearTimeout(deadline);
      log.info("stopped", { ...running.stats });
      process.exit(EXIT.OK);
    };
    process.on("SIGINT", () => void stop("SIGINT"));
    process.on("SIGTERM", () => void stop("SIGTERM"));
    await new Promise(() => {});
    return EXIT.OK;
  },
};
export default command;
