// A topology compiled into a running pipeline on any Transport:
//   source consumer (batches) → RxJS operators → agents as per-key actors → aggregator → sinks.
// At-least-once by default: an offset is committed only when every effect of it and of all earlier
// offsets in its partition is done. Exactly-once (delivery: exactly-once) wraps topic outputs,
// dead letters and changelog writes in a Kafka transaction that also carries the input offsets.
import { Subject, type Observable } from "rxjs";
import { TypeCompiler, type TypeCheck } from "@sinclair/typebox/compiler";
import type { TSchema } from "@sinclair/typebox";
import { systemClock, type Clock } from "../clock.ts";
import { ValidationError, WeirError, toWeirError } from "../errors.ts";
import { logger, type Logger } from "../log.ts";
import { metrics } from "../observability/metrics.ts";
import type { ConsumedMessage, Consumer, ProduceRecord, Producer, TopicPartition, Transport } from "../kafka/types.ts";
import type { AgentDefinition } from "../../agents/agent.ts";
import type { LlmClient } from "../../agents/llm/types.ts";
import { SupportMessage } from "../../agents/message.ts";
import { durationMs, type Agent as AgentSpec, type Sink as SinkSpec, type Topology } from "../../topology/schema.ts";
import { nodesOf } from "../../topology/load.ts";
import { ActorSystem } from "../actors/actor-system.ts";
import { Aggregator, updateRollup, type AggregatedResult, type Rollup } from "../aggregator/aggregator.ts";
import { AlertNotifier } from "../aggregator/alerts.ts";
import { operatorFor } from "../operators/operators.ts";
import { loadModuleFunction, moduleOperator, type RecordFn } from "../operators/module-operator.ts";
import type { Sink, SinkRecord } from "../sinks/sink.ts";
import { StateStore } from "../state/state-store.ts";
import { deadLetter } from "./dead-letter.ts";
import { SpanKind, traceparentOf as spanTraceparent, tracingActive, withSpan } from "../observability/tracing.ts";
import { completion, type Envelope, type StageEnvelope } from "./envelope.ts";
import { OffsetTracker } from "./offset-tracker.ts";
import { DEFAULT_RETRY, RetriesExhausted, withRetry } from "./retry.ts";

const m = {
  consumed: metrics.counter("weir_consumed_records_total", "Records consumed, per topic"),
  produced: metrics.counter("weir_produced_records_total", "Records produced, per topic"),
  inFlight: metrics.gauge("weir_agent_in_flight", "Messages being processed per agent"),
  mailbox: metrics.gauge("weir_agent_mailbox_depth", "Messages waiting in actor mailboxes per agent"),
  stateKeys: metrics.gauge("weir_state_keys", "Actor state keys per agent, in memory or spilled to local disk"),
  latency: metrics.histogram("weir_agent_latency_seconds", "Agent processing time"),
  retries: metrics.counter("weir_agent_retries_total", "Agent retries"),
  dlq: metrics.counter("weir_dead_letters_total", "Records sent to the dead-letter topic"),
  rebalances: metrics.counter("weir_rebalances_total", "Partition assignment changes"),
  commits: metrics.counter("weir_commits_total", "Offset commits"),
  lag: metrics.gauge("weir_consumer_lag", "Records behind the end of each assigned partition (committed offset to high watermark)"),
  backpressure: metrics.gauge("weir_backpressure_active", "1 while the consume loop waits for in-flight work to drain"),
};

function traceparentOf(env: Envelope): string | undefined {
  const h = env.headers.find(([k]) => k === "traceparent");
  return h ? dec.decode(h[1]) : undefined;
}

const NAMED_SCHEMAS: Record<string, TSchema> = { SupportMessage };
const dec = new TextDecoder();

export interface PipelineOptions {
  topology: Topology;
  transport: Transport;
  agents: Record<string, AgentDefinition>;
  /** Sinks that are not Kafka topics, by sink name (postgres, websocket, ...). */
  sinks?: Record<string, Sink>;
  clock?: Clock;
  llm?: LlmClient;
  /** How often processed offsets are committed. */
  commitIntervalMs?: number;
  /** Called for every aggregated result and rollup (the API's live feed hooks in here). */
  onResult?: (r: AggregatedResult, rollup: Rollup | undefined) => void;
}

interface AgentRuntime {
  spec: AgentSpec;
  def: AgentDefinition;
  actors: ActorSystem;
  store: StateStore;
  check: TypeCheck<TSchema>;
  inFlight: number;
  /** Messages this agent may hold (mailbox and running) before intake stops, and where it resumes. */
  maxInFlight: number;
  resumeAt: number;
  /** Agents and sinks fed by this agent, and whether it feeds the aggregator (resolved once at build). */
  children: AgentRuntime[];
  sinks: SinkSpec[];
  joins: boolean;
  latency: ReturnType<typeof m.latency.bind>;
}

export class Pipeline {
  readonly log: Logger;
  private readonly t: Topology;
  private readonly clock: Clock;
  private readonly tracker = new OffsetTracker();
  private consumer!: Consumer;
  private producer!: Producer;
  private readonly agents = new Map<string, AgentRuntime>();
  private readonly subjects = new Map<string, Subject<Envelope>>();
  private aggregator: Aggregator | null = null;
  private alerts: AlertNotifier | null = null;
  private readonly rollups = new Map<string, Rollup>();
  /** Wakes the consume loop when in-flight work falls below the low watermark. */
  private belowLow: (() => void) | null = null;
  /** How often the loop stopped pulling for backpressure (tests and the dashboard read it). */
  backpressured = 0;
  /** Source records that arrived while their partitions were held and waited for the hold to end. */
  deferredRecords = 0;
  private running = false;
  private loopDone: Promise<void> | null = null;
  private commitTimer: ReturnType<typeof setInterval> | null = null;
  private lagTimer: ReturnType<typeof setInterval> | null = null;
  private committing: Promise<void> | null = null;
  private readonly pendingAgg = new Map<string, { release(): void; traceparent?: string }>();
  private readonly schemaChecks = new Map<string, TypeCheck<TSchema>>();
  private readonly sourceByTopic: Map<string, Topology["sources"][number]>;
  private readonly sinkSpecs: Map<string, SinkSpec>;
  private readonly app: string;
  private readonly groupId: string;
  private readonly high: number;
  private readonly low: number;
  private readonly eos: boolean;
  private barrier = false;
  /** Set once the producer is closed: retry loops give up (the records stay uncommitted). */
  private closedOut = false;
  private restoring = new Set<number>();
  /** Topics read from another stage that only feed the aggregator's join (see holdSources). */
  private joinTopics = new Set<string>();
  private heldSources: TopicPartition[] = [];
  /** Source records consumed while their partitions were held: ingested first once the hold ends. */
  private deferred: ConsumedMessage[] = [];
  /** Functions of `module:` operators, loaded at start. */
  private readonly modules = new Map<string, RecordFn>();
  /** Set while the aggregator is offered an output: claims a branch of the record for the emission it may trigger. */
  private emitHold: (() => () => void) | null = null;
  /** Counts for tests and the dashboard. */
  readonly stats = { consumed: 0, done: 0, deadLettered: 0, results: 0, commits: 0 };
  /** performance.now() of the first consumed batch and of the latest finished record (benches time runs with it). */
  readonly timing = { firstConsumedAt: 0, lastDoneAt: 0 };

  constructor(private readonly opts: PipelineOptions) {
    this.t = opts.topology;
    this.clock = opts.clock ?? systemClock;
    this.app = this.t.name;
    this.groupId = this.t.sources[0].groupId ?? `weir-${this.app}`;
    this.log = logger("runtime", { topology: this.app });
    this.high = this.t.backpressure?.highWatermark ?? 5000;
    this.low = this.t.backpressure?.lowWatermark ?? Math.floor(this.high / 2);
    this.eos = this.t.delivery === "exactly-once";
    this.sourceByTopic = new Map(this.t.sources.map((s) => [s.topic, s]));
    this.sinkSpecs = new Map(this.t.sinks.map((s) => [s.name, s]));
  }

  /** Creates topics, subscribes, and starts consuming. */
  async start(): Promise<void> {
    const { transport } = this.opts;
    const admin = transport.admin();
    const partitions = Math.max(...this.t.sources.map((s) => s.partitions ?? 3));
    const topics = [
      ...this.t.sources.map((s) => ({ topic: s.topic, partitions: s.partitions ?? 3 })),
      ...this.t.sinks.filter((s) => s.type === "topic" && s.topic).map((s) => ({ topic: s.topic!, partitions })),
      ...(this.t.deadLetter ? [{ topic: this.t.deadLetter.topic, partitions: 1 }] : []),
      ...(this.t.agents ?? []).map((a) => ({ topic: this.changelog(a.name), partitions, config: { "cleanup.policy": "compact" } })),
    ];
    await admin.createTopics(topics);
    await admin.close();
    // linger.ms 1 rather than librdkafka's 5: a record crosses up to four topics in a staged topology,
    // and the batches come whole from the engine anyway (bench/engine: p50 26 → 14 ms, same throughput).
    const defaults = { "linger.ms": 1 };
    this.producer = transport.producer(this.eos ? { defaults, transactionalId: `${this.groupId}-${crypto.randomUUID().slice(0, 8)}` } : { defaults });
    if (this.eos) {
      await this.producer.initTransactions();
      this.producer.beginTransaction();
    }
    for (const op of this.t.operators ?? [])
      if ((op.type === "filter" || op.type === "map") && op.module) this.modules.set(op.name, await loadModuleFunction(op, this.t.baseDir));
    this.build();
    // A stage that joins a crossing topic with its own sources in the aggregator needs partition p of
    // every source topic in one member: the range assignor guarantees that (crossing records keep
    // their source partition, topology/stages.ts); cooperative-sticky does not.
    const copartition = !!this.t.aggregator && this.t.sources.length > 1 && this.t.sources.some((s) => s.serde === "envelope");
    // librdkafka prefetches per assigned partition, so the prefetch cap is what bounds memory while a
    // slow agent holds the loop at its high watermark: 16 MB a partition unless the topology says.
    const config: Record<string, string | number> = { "queued.max.messages.kbytes": this.t.backpressure?.prefetchKBytes ?? 16_384 };
    if (copartition) config["partition.assignment.strategy"] = "range";
    this.consumer = transport.consumer({ groupId: this.groupId, rebalanceTimeoutMs: 30_000, config });
    this.consumer.onRebalance((e) => (e.type === "assign" ? this.onAssign(e.partitions) : this.onRevoke(e.partitions)));
    this.consumer.subscribe(this.t.sources.map((s) => s.topic));
    this.running = true;
    // Per-agent gauges are read when /metrics renders rather than written per message.
    this.uncollect = metrics.onCollect(() => this.collectAgentGauges());
    this.loopDone = this.loop();
    this.commitTimer = setInterval(() => void this.commit(), this.opts.commitIntervalMs ?? 1000);
    // Lag per partition for /metrics and the dashboard, off the hot path.
    this.lagTimer = setInterval(() => void this.recordLag(), 10_000);
    (this.lagTimer as { unref?: () => void }).unref?.();
    this.log.info("pipeline started", { transport: transport.description, group: this.groupId, delivery: this.t.delivery, sources: this.t.sources.map((s) => s.topic) });
  }

  /**
   * An agent's changelog topic, named after the consumer group (as Kafka Streams names its after the
   * application.id): two deployments of one topology under different groups must not share state.
   */
  private changelog(agent: string) {
    return `${this.groupId.replace(/[^a-zA-Z0-9._-]/g, "_")}-${agent}-changelog`;
  }

  /** Wires node observables: sources are Subjects, operators pipe them, agents and sinks subscribe. */
  private build() {
    const { t } = this;
    const streams = new Map<string, Observable<Envelope>>();
    for (const s of t.sources) {
      const subj = new Subject<Envelope>();
      this.subjects.set(s.topic, subj);
      streams.set(s.name, subj);
      if (typeof s.schema === "string" && NAMED_SCHEMAS[s.schema]) this.schemaChecks.set(s.topic, TypeCompiler.Compile(NAMED_SCHEMAS[s.schema]));
      else if (s.schema && typeof s.schema === "object") this.schemaChecks.set(s.topic, TypeCompiler.Compile(s.schema as TSchema));
    }
    const ops = t.operators ?? [];
    // Operators in dependency order (their inputs are sources or earlier operators).
    const pending = [...ops];
    while (pending.length) {
      const i = pending.findIndex((o) => streams.has(o.input));
      if (i < 0) throw new WeirError("TOPOLOGY_INVALID", `operator inputs cannot be resolved: ${pending.map((o) => o.name).join(", ")}`);
      const [op] = pending.splice(i, 1);
      const fn = this.modules.get(op.name);
      const onError = (env: Envelope, err: WeirError) => void this.toDeadLetter(this.original(env), op.name, err, 1).finally(() => env.release());
      streams.set(op.name, streams.get(op.input)!.pipe(fn && (op.type === "filter" || op.type === "map") ? moduleOperator(op.type, fn, onError) : operatorFor(op, this.clock)));
    }
    for (const spec of t.agents ?? []) {
      const def = this.opts.agents[spec.agent];
      if (!def) throw new WeirError("TOPOLOGY_INVALID", `agent "${spec.name}" uses unknown agent kind "${spec.agent}"`);
      this.agents.set(spec.name, {
        spec,
        def,
        actors: new ActorSystem({ concurrency: spec.concurrency ?? 16 }),
        store: new StateStore(this.changelog(spec.name), this.opts.transport, () => this.producer),
        check: TypeCompiler.Compile(def.output),
        inFlight: 0,
        maxInFlight: spec.maxInFlight ?? this.high,
        resumeAt: Math.floor(((spec.maxInFlight ?? this.high) * this.low) / this.high),
        children: [],
        sinks: t.sinks.filter((s) => s.input === spec.name),
        joins: !!t.aggregator?.inputs.includes(spec.name),
        latency: m.latency.bind({ agent: spec.name }),
      });
    }
    for (const rt of this.agents.values()) rt.children = [...this.agents.values()].filter((a) => a.spec.input === rt.spec.name);
    if (t.aggregator) {
      const a = t.aggregator;
      this.aggregator = new Aggregator({ inputs: a.inputs, deadlineMs: durationMs(a.deadline, 5000), quorum: a.quorum ?? a.inputs.length, conversationField: a.rollup?.by }, this.clock, (r) => this.onAggregated(r));
      // Alert rules: a URL written as `env:NAME` is read from the environment; rules whose URL is
      // unset are skipped with a warning rather than failing the pipeline.
      const rules = (a.alerts ?? []).flatMap((rule) => {
        const url = rule.webhook.url.startsWith("env:") ? process.env[rule.webhook.url.slice(4)] : rule.webhook.url;
        if (!url) {
          this.log.warn("alert rule has no webhook URL; skipped", { rule: rule.name, url: rule.webhook.url });
          return [];
        }
        return [{ ...rule, webhook: { ...rule.webhook, url } }];
      });
      if (rules.length) this.alerts = new AlertNotifier(rules, { clock: this.clock });
    }
    // Children of each node.
    const children = new Map<string, string[]>();
    for (const n of nodesOf(t)) for (const i of n.inputs) children.set(i, [...(children.get(i) ?? []), n.name]);
    const sinkByName = new Map(t.sinks.map((s) => [s.name, s]));
    // Every stream that is not an operator input fans out to agents and sinks.
    for (const [name, stream] of streams) {
      const kids = (children.get(name) ?? []).filter((k) => !ops.some((o) => o.name === k));
      const targets = kids.filter((k) => this.agents.has(k) || sinkByName.has(k));
      const feedsOperator = (children.get(name) ?? []).some((k) => ops.some((o) => o.name === k));
      // A source read from another stage's topic may carry an aggregator input (the agent ran there).
      const joins = !!this.aggregator && this.t.aggregator!.inputs.includes(name) && !this.agents.has(name);
      const joinSource = this.t.sources.find((s) => s.name === name && s.serde === "envelope");
      if (joins && joinSource) this.joinTopics.add(joinSource.topic);
      if (!targets.length && feedsOperator && !joins) continue;
      stream.subscribe((env) => {
        // An agent that failed in another stage: the join records the failure; nothing downstream runs on it.
        const failedThere = !!env.failed?.includes(name);
        if (joins) this.join(name, env, failedThere ? null : env.outputs[name], failedThere);
        if (!targets.length || failedThere) return env.release();
        env.fork(targets.length - 1);
        for (const k of targets) {
          const sink = sinkByName.get(k);
          if (!sink) void this.runAgent(k, env);
          else if (sink.type === "topic") this.writeTopic(sink, this.sinkRecord(sink, env), env.release);
          else void this.writeSinks([k], this.sinkRecord(sink, env)).finally(() => env.release());
        }
      });
    }
  }

  private async loop() {
    while (this.running) {
      if (this.barrier || this.restoring.size) {
        // A real-time yield, not pipeline time: a ManualClock must not be able to stall the loop.
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      // Backpressure: past the high watermark, stop pulling until in-flight work falls below the
      // low one. librdkafka's prefetch queue is bounded (queued.max.messages.kbytes), so the broker
      // is held off too. (Pausing partitions instead makes librdkafka discard their prefetched
      // records; in the engine bench that cost three quarters of the throughput.)
      const room = this.room();
      if (room <= 0 && !this.joinTopics.size) {
        m.backpressure.set(undefined, 1);
        this.backpressured++;
        await new Promise<void>((r) => (this.belowLow = r));
        m.backpressure.set(undefined, 0);
        continue;
      }
      // A stage whose in-flight records wait for outputs coming back from another stage must keep
      // reading those while it holds back: it holds only its own sources (waiting for everything
      // would deadlock until the aggregator's deadline).
      if (this.joinTopics.size) {
        const full = room <= 0 || (this.heldSources.length > 0 && !this.canResume());
        // Deferred records come in first, no faster than the watermark allows; the sources stay held
        // until they are all in, so the partitions' order is kept.
        if (!full && this.deferred.length) this.ingestBatch(this.deferred.splice(0, Math.min(room, 5000)));
        this.holdSources(full || this.deferred.length > 0);
      }
      let batch: ConsumedMessage[];
      try {
        batch = await this.consumer.consume(this.heldSources.length ? 5000 : Math.min(5000, room), 200);
      } catch (e) {
        this.log.error("consume failed", { error: e });
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      if (this.heldSources.length && batch.length) {
        // Records of held sources that were already on their way out wait here, in order, until the hold ends.
        const crossing: ConsumedMessage[] = [];
        for (const msg of batch) (this.joinTopics.has(msg.topic) ? crossing : this.deferred).push(msg);
        this.deferredRecords += batch.length - crossing.length;
        batch = crossing;
      }
      this.ingestBatch(batch);
    }
  }

  private ingestBatch(batch: ConsumedMessage[]) {
    // Metrics are counted per batch: label lookups per record cost more than the record's own bookkeeping.
    if (!this.timing.firstConsumedAt && batch.length) this.timing.firstConsumedAt = performance.now();
    const perTopic = new Map<string, number>();
    for (const msg of batch) {
      perTopic.set(msg.topic, (perTopic.get(msg.topic) ?? 0) + 1);
      this.ingest(msg);
    }
    for (const [topic, n] of perTopic) m.consumed.inc({ topic }, n);
  }

  /**
   * Holds (or releases) delivery of the assigned partitions of every topic that is not a join
   * crossing. Holding keeps what librdkafka prefetched (pause() would drop it and wait on each
   * partition's broker thread: ~5 % of the support topology's time in a profile).
   */
  private holdSources(hold: boolean) {
    if (hold) {
      const more = this.consumer.assignment().filter((tp) => !this.joinTopics.has(tp.topic) && !this.heldSources.some((h) => h.topic === tp.topic && h.partition === tp.partition));
      if (!more.length) return;
      if (!this.heldSources.length) {
        m.backpressure.set(undefined, 1);
        this.backpressured++;
      }
      this.consumer.holdDelivery(more);
      this.heldSources.push(...more);
    } else if (this.heldSources.length) {
      const still = new Set(this.consumer.assignment().map((tp) => `${tp.topic}\u0000${tp.partition}`));
      this.consumer.resumeDelivery(this.heldSources.filter((tp) => still.has(`${tp.topic}\u0000${tp.partition}`)));
      this.heldSources = [];
      m.backpressure.set(undefined, 0);
    }
  }

  private ingest(msg: ConsumedMessage) {
    this.stats.consumed++;
    this.tracker.begin(msg.topic, msg.partition, msg.offset);
    const done = completion(() => this.finished(msg.topic, msg.partition, msg.offset));
    const source = this.sourceByTopic.get(msg.topic)!;
    let value: Record<string, unknown>;
    let crossing: StageEnvelope | undefined;
    try {
      const text = msg.value ? dec.decode(msg.value) : "";
      if (source.serde === "envelope") {
        crossing = JSON.parse(text) as StageEnvelope;
        if (!crossing || typeof crossing.value !== "object" || !crossing.value || typeof crossing.outputs !== "object") throw new Error("a stage envelope {value, outputs} was expected");
        value = crossing.value;
      } else if (source.serde === "json" || !source.serde) value = JSON.parse(text);
      // Non-JSON records become { value }: the text, or for bytes the base64 of the raw value.
      else value = { value: source.serde === "bytes" ? Buffer.from(msg.value ?? new Uint8Array()).toString("base64") : text };
      if (!value || typeof value !== "object" || Array.isArray(value)) throw new Error("a JSON object was expected");
      const check = this.schemaChecks.get(msg.topic);
      if (check && !check.Check(value)) {
        const issues = [...check.Errors(value)].slice(0, 10).map((e) => ({ path: e.path, message: e.message }));
        throw new ValidationError("VALIDATION_FAILED", `record does not match schema: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`, issues);
      }
    } catch (e) {
      const err = e instanceof WeirError ? e : new WeirError("SERDE_FAILED", `cannot decode record: ${(e as Error).message}`);
      void this.toDeadLetter(msg, "source", err, 1).finally(() => done.release());
      return;
    }
    const keyField = source.key ?? "conversationId";
    const env: Envelope = {
      value,
      key: crossing?.key ?? String(value[keyField] ?? (msg.key ? dec.decode(msg.key) : "")),
      topic: msg.topic,
      partition: msg.partition,
      offset: msg.offset,
      headers: msg.headers,
      timestamp: msg.timestamp,
      outputs: crossing?.outputs ?? {},
      origin: crossing?.origin ?? { topic: msg.topic, partition: msg.partition, offset: msg.offset },
      ...(crossing?.failed?.length ? { failed: crossing.failed } : {}),
      fork: done.fork,
      release: done.release,
    };
    this.subjects.get(msg.topic)!.next(env);
  }

  private finished(topic: string, partition: number, offset: number) {
    this.tracker.done(topic, partition, offset);
    this.stats.done++;
    this.timing.lastDoneAt = performance.now();
    this.wakeIfResumable();
  }

  /**
   * How many more records the loop may take: the room under the high watermark and under every
   * agent's maxInFlight (an agent whose messages pile up stops the intake even when the pipeline
   * as a whole is below its watermark).
   */
  private room(): number {
    let room = this.high - this.tracker.inFlight();
    for (const rt of this.agents.values()) room = Math.min(room, rt.maxInFlight - rt.inFlight);
    return room;
  }

  /** Below the low watermark, and every agent as far below its maxInFlight as low is below high. */
  private canResume(): boolean {
    if (this.tracker.inFlight() > this.low) return false;
    for (const rt of this.agents.values()) if (rt.inFlight > rt.resumeAt) return false;
    return true;
  }

  private wakeIfResumable() {
    if (this.belowLow && this.canResume()) {
      const wake = this.belowLow;
      this.belowLow = null;
      wake();
    }
  }

  private agentInput(rt: AgentRuntime, env: Envelope): Record<string, unknown> {
    const pii = env.outputs.pii as { redacted?: string } | undefined;
    if (rt.spec.redacted !== false && pii?.redacted !== undefined) return { ...env.value, text: pii.redacted };
    return env.value;
  }

  private async runAgent(name: string, env: Envelope) {
    const rt = this.agents.get(name)!;
    const key = String(env.value[rt.spec.keyBy ?? "conversationId"] ?? env.key);
    const messageId = this.messageIdOf(env);
    if (this.aggregator && rt.joins) this.openJoin(env);
    rt.inFlight++;
    try {
      const call = () => this.invoke(rt, key, env);
      const { output, record } = await rt.actors.tell(
        key,
        tracingActive()
          ? () => withSpan(`agent ${name}`, { "weir.agent": name, "weir.agent.kind": rt.spec.agent, "weir.message_id": String(messageId ?? ""), "messaging.kafka.partition": env.partition }, call, traceparentOf(env), SpanKind.CONSUMER)
          : call,
      );
      env.outputs = { ...env.outputs, [name]: output };
      // An agent that rewrites the record (a redaction step) does so for everything downstream of it,
      // including the join's copy of the message, which was taken before the agent ran.
      if (record) {
        env.value = record;
        const id = this.messageIdOf(env);
        if (this.aggregator && id) this.aggregator.replaceMessage(id, record);
      }
      if (this.aggregator && rt.joins) this.join(name, env, output);
      // Downstream agents and sinks fed by this agent.
      const kids = rt.children;
      const sinks = rt.sinks;
      env.fork(kids.length + sinks.length);
      for (const k of kids) void this.runAgent(k.spec.name, { ...env, outputs: env.outputs });
      for (const s of sinks) void this.writeSinks([s.name], this.sinkRecord(s, env, { [name]: output })).finally(() => env.release());
    } catch (e) {
      const exhausted = e instanceof RetriesExhausted ? e : new RetriesExhausted(toWeirError(e), 1);
      this.log.warn("agent failed; dead-lettering", { agent: name, messageId, code: exhausted.last.code, error: exhausted.last.message, attempts: exhausted.attempts });
      if (this.aggregator && rt.joins) this.join(name, env, null, true);
      // A join in another stage waits for this agent: tell it, over the crossing, that nothing will come.
      for (const s of rt.sinks) {
        if (s.format !== "envelope") continue;
        env.fork(1);
        this.writeTopic(s, this.sinkRecord(s, { ...env, failed: [...(env.failed ?? []), name] }), env.release);
      }
      await this.toDeadLetter(this.original(env), name, exhausted.last, exhausted.attempts);
    } finally {
      rt.inFlight--;
      env.release();
      this.wakeIfResumable();
    }
  }

  private async invoke(rt: AgentRuntime, key: string, env: Envelope): Promise<{ output: unknown; record?: Record<string, unknown> }> {
    const { spec, def } = rt;
    const stop = rt.latency.startTimer();
    const policy = { ...DEFAULT_RETRY, ...spec.retry };
    const impl = spec.implementation === "llm" && def.llm ? def.llm : def.offline;
    const input = this.agentInput(rt, env);
    try {
      return await withRetry(
        async (attempt) => {
          const state = rt.store.get(env.partition, key) ?? def.initialState();
          // Made only for agents that read their signal (LLM calls); offline agents never do.
          let ac: AbortController | undefined;
          const signal = () => (ac ??= new AbortController()).signal;
          const timeout = spec.timeoutMs ?? 30_000;
          let timer: unknown;
          const result = await Promise.race([
            Promise.resolve(impl(input as never, this.agentContext(spec, key, env, state, attempt, signal), (spec.config ?? {}) as never)),
            new Promise<never>((_, reject) => {
              timer = this.clock.setTimeout(() => {
                ac?.abort();
                reject(new WeirError("AGENT_TIMEOUT", `agent ${spec.name} took longer than ${timeout} ms`, { retriable: true }));
              }, timeout);
            }),
          ]).finally(() => this.clock.clearTimeout(timer));
          if (!rt.check.Check(result.output)) {
            const first = [...rt.check.Errors(result.output)][0];
            throw new WeirError("VALIDATION_FAILED", `agent ${spec.name} output does not match its schema: ${first?.path} ${first?.message}`);
          }
          if (result.state !== undefined) rt.store.put(env.partition, key, result.state);
          if (result.record !== undefined && (typeof result.record !== "object" || result.record === null || Array.isArray(result.record))) throw new WeirError("VALIDATION_FAILED", `agent ${spec.name} returned a record that is not an object`);
          return { output: result.output, record: result.record };
        },
        policy,
        this.clock,
        (err, attempt, delay) => {
          m.retries.inc({ agent: spec.name });
          this.log.info("agent retry", { agent: spec.name, attempt, delayMs: delay, code: err.code });
        },
      );
    } finally {
      stop();
    }
  }

  private readonly llmBySpec = new Map<string, LlmClient | undefined>();

  /** The LLM client for an agent: the gateway, preferring the `provider` and `config.model` the topology gives the agent. */
  private llmFor(spec: AgentSpec): LlmClient | undefined {
    const llm = this.opts.llm;
    const model = typeof spec.config?.model === "string" ? spec.config.model : undefined;
    if (!llm || (!spec.provider && !model)) return llm;
    let c = this.llmBySpec.get(spec.name);
    if (!c) this.llmBySpec.set(spec.name, (c = { complete: (req) => llm.complete({ ...req, provider: spec.provider, model }) }));
    return c;
  }

  /** What an agent sees besides its input; the logger is made on first use (most calls never log). */
  private agentContext(spec: AgentSpec, key: string, env: Envelope, state: unknown, attempt: number, signal: () => AbortSignal) {
    const traceparent = traceparentOf(env);
    const log = this.log;
    let child: Logger | undefined;
    return {
      key,
      tenant: String(env.value.tenant ?? "default"),
      state: state as never,
      clock: this.clock,
      get log() {
        return (child ??= log.child({ agent: spec.name, messageId: env.value.id, traceId: traceparent?.split("-")[1] }));
      },
      llm: this.llmFor(spec),
      attempt,
      get signal() {
        return signal();
      },
      upstream: env.outputs,
      traceparent,
    };
  }

  private original(env: Envelope) {
    return { topic: env.topic, partition: env.partition, offset: env.offset, key: env.key, value: JSON.stringify(env.value), headers: env.headers };
  }

  private async toDeadLetter(src: { topic: string; partition: number; offset: number; key: Uint8Array | string | null; value: Uint8Array | string | null; headers: Array<[string, Uint8Array]> }, stage: string, err: WeirError, attempts: number) {
    this.stats.deadLettered++;
    m.dlq.inc({ stage });
    if (!this.t.deadLetter) {
      this.log.error("record failed and no deadLetter topic is configured; it is skipped", { stage, topic: src.topic, partition: src.partition, offset: src.offset, error: err.message });
      return;
    }
    const record = deadLetter(this.t.deadLetter.topic, src, stage, err, attempts);
    for (let i = 0; ; i++) {
      if (this.closedOut) return;
      const [r] = await this.producer.send([record]).catch((e) => [{ error: toWeirError(e) }]);
      if (!r.error) return void m.produced.inc({ topic: record.topic });
      // Losing a dead letter would lose the record: keep trying, the partition stays uncommitted meanwhile.
      if (this.closedOut) return;
      this.log.error("dead-letter produce failed; retrying", { error: r.error, attempt: i + 1 });
      await this.clock.sleep(Math.min(5000, 100 * 2 ** i));
    }
  }

  /**
   * What a sink fed by a source, operator or agent writes: the record (with the agent's output
   * merged in), or for a stage crossing the whole envelope, keyed and partitioned like its source.
   */
  private sinkRecord(spec: SinkSpec, env: Envelope, output: Record<string, unknown> = {}): SinkRecord {
    const base = { tenant: String(env.value.tenant ?? "default"), version: 1, timestamp: env.timestamp };
    if (spec.format === "envelope") {
      const traceparent = traceparentOf(env);
      const crossing: StageEnvelope = { v: 1, key: env.key, value: env.value, outputs: env.outputs, origin: env.origin, ...(env.failed?.length ? { failed: env.failed } : {}) };
      return { ...base, key: env.key, kind: "envelope", value: crossing as unknown as Record<string, unknown>, headers: traceparent ? { traceparent } : {}, partition: env.origin.partition };
    }
    return { ...base, key: String(env.value.id ?? `${env.topic}-${env.partition}-${env.offset}`), kind: "record", value: { ...env.value, ...output }, headers: {} };
  }

  /** The join key of a record: the aggregator's `by` field (default `id`). */
  private messageIdOf(env: Envelope): string | undefined {
    const v = env.value[this.t.aggregator?.by ?? "id"];
    return typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
  }

  /** The first aggregator input to see a message opens its join, holding one branch of the record until the first emission is written. */
  private openJoin(env: Envelope) {
    const messageId = this.messageIdOf(env);
    if (!messageId || this.pendingAgg.has(messageId) || this.aggregator!.has(messageId)) return;
    env.fork(1);
    this.pendingAgg.set(messageId, { release: env.release, traceparent: traceparentOf(env) });
    this.aggregator!.expect(messageId, env.value);
  }

  /**
   * Offers one input's output to the aggregator. If the offer completes the join or amends an emitted
   * result, this record stays uncommitted until that emission is written, so a crash cannot lose it.
   */
  private join(input: string, env: Envelope, output: unknown, failed = false) {
    const messageId = this.messageIdOf(env);
    if (!messageId) return;
    // An output from another stage for a message whose join is not open here (this process restarted
    // after emitting a partial) opens one, so the output is still published.
    if (!this.agents.has(input)) this.openJoin(env);
    env.fork(1);
    let claimed = false;
    this.emitHold = () => ((claimed = true), env.release);
    try {
      this.aggregator!.offer(messageId, input, output, failed);
    } finally {
      this.emitHold = null;
      if (!claimed) env.release();
    }
  }

  private onAggregated(r: AggregatedResult) {
    this.stats.results++;
    const convKey = `${r.tenant}\u0000${r.conversationId}`;
    const rollup = this.t.aggregator?.rollup ? updateRollup(this.rollups.get(convKey), r, this.clock.now()) : undefined;
    if (rollup) {
      this.rollups.set(convKey, rollup);
      if (this.rollups.size > 50_000) this.rollups.delete(this.rollups.keys().next().value!);
    }
    this.opts.onResult?.(r, rollup);
    // Alerts are delivered with their own retries and never hold up the record's commit.
    if (rollup && this.alerts) void this.alerts.evaluate(rollup, r).catch((e) => this.log.error("alert evaluation failed", { error: e }));
    const sinks = this.t.sinks.filter((s) => s.input === this.t.aggregator!.name).map((s) => s.name);
    const pending = this.pendingAgg.get(r.messageId);
    const held = this.emitHold?.();
    // The W3C trace context of the ingested message follows its results to every sink.
    const headers: Record<string, string> = pending?.traceparent ? { traceparent: pending.traceparent } : {};
    const records: SinkRecord[] = [{ key: r.messageId, tenant: r.tenant, version: r.version, kind: "message", value: r as unknown as Record<string, unknown>, headers, timestamp: this.clock.now() }];
    if (rollup) records.push({ key: r.conversationId, tenant: r.tenant, version: rollup.messages * 1000 + r.version, kind: "rollup", value: rollup as unknown as Record<string, unknown>, headers, timestamp: this.clock.now() });
    this.pendingAgg.delete(r.messageId);
    void withSpan(`sinks ${sinks.join(",")}`, { "weir.message_id": r.messageId, "weir.result.version": r.version, "weir.result.status": r.status }, (span) => {
      // Results carry the sink span's context onward (WebSocket subscribers, downstream topics).
      if (pending?.traceparent) for (const rec of records) rec.headers.traceparent = spanTraceparent(span);
      return Promise.all(records.map((rec) => this.writeSinks(sinks, rec)));
    }, pending?.traceparent, SpanKind.PRODUCER).finally(() => {
      pending?.release();
      held?.();
    });
  }

  private topicQueue: Array<{ record: ProduceRecord; done: (err: unknown) => void }> = [];
  private topicFlush: ReturnType<typeof setImmediate> | null = null;

  /**
   * Topic outputs from one turn of the event loop go to the producer as one batch (one FFI call).
   * `done` gets null once the record is acknowledged, or the error.
   */
  private enqueueTopic(record: ProduceRecord, done: (err: unknown) => void) {
    this.topicQueue.push({ record, done });
    if (this.topicQueue.length >= 5000) this.flushTopics();
    else this.topicFlush ??= setImmediate(() => this.flushTopics());
  }

  private produceBatched(record: ProduceRecord): Promise<void> {
    return new Promise((resolve, reject) => this.enqueueTopic(record, (err) => (err ? reject(err) : resolve())));
  }

  /** One record to one topic sink, then `release` — with no promise per record on the hot path. */
  private writeTopic(spec: SinkSpec, rec: SinkRecord, release: () => void) {
    this.enqueueTopic(this.topicRecord(spec, rec), (err) => {
      if (!err) return release();
      if (this.sinkFailed(spec, err, 0)) void this.writeSink(spec, rec, 1).finally(release);
      else release();
    });
  }

  private flushTopics() {
    if (this.topicFlush) clearImmediate(this.topicFlush);
    this.topicFlush = null;
    const batch = this.topicQueue;
    this.topicQueue = [];
    if (!batch.length) return;
    this.producer.send(batch.map((b) => b.record)).then(
      (reports) => {
        const perTopic = new Map<string, number>();
        reports.forEach((r, i) => {
          if (r.error) return batch[i].done(r.error);
          perTopic.set(r.topic, (perTopic.get(r.topic) ?? 0) + 1);
          batch[i].done(null);
        });
        for (const [topic, n] of perTopic) m.produced.inc({ topic }, n);
      },
      (e) => batch.forEach((b) => b.done(e ?? new Error("produce failed"))),
    );
  }

  /** Writes one record to the named sinks, retrying retriable failures without end (nothing is dropped). */
  private writeSinks(names: string[], rec: SinkRecord): Promise<void> {
    // The common case — one topic sink — goes straight to the producer batch; retries only on failure.
    if (names.length === 1) {
      const spec = this.sinkSpecs.get(names[0])!;
      if (spec.type === "topic") return this.produceBatched(this.topicRecord(spec, rec)).catch((e) => (this.sinkFailed(spec, e, 0) ? this.writeSink(spec, rec, 1) : undefined));
      return this.writeSink(spec, rec, 0);
    }
    return Promise.all(names.map((name) => this.writeSink(this.sinkSpecs.get(name)!, rec, 0))).then(() => {});
  }

  /**
   * A topic sink's record. Results (per-message, rollup) carry their kind, version and tenant as
   * headers for consumers that route on them; a plain record passes through with its own headers only.
   */
  private topicRecord(spec: SinkSpec, rec: SinkRecord): ProduceRecord {
    const headers = rec.kind === "record" ? rec.headers : { ...rec.headers, "weir.kind": rec.kind, "weir.version": String(rec.version), "weir.tenant": rec.tenant };
    return { topic: spec.topic!, key: rec.key, value: JSON.stringify(rec.value), ...(rec.partition !== undefined ? { partition: rec.partition } : {}), headers };
  }

  private async writeSink(spec: SinkSpec, rec: SinkRecord, firstAttempt: number): Promise<void> {
    for (let i = firstAttempt; ; i++) {
      if (i > 0) await this.clock.sleep(Math.min(10_000, 100 * 2 ** Math.min(i - 1, 7)));
      try {
        if (spec.type === "topic") await this.produceBatched(this.topicRecord(spec, rec));
        else await this.opts.sinks?.[spec.name]?.write([rec]);
        return;
      } catch (e) {
        if (!this.sinkFailed(spec, e, i)) return;
      }
    }
  }

  /** Logs a failed sink write; false once the pipeline has closed (the record stays uncommitted). */
  private sinkFailed(spec: SinkSpec, e: unknown, attempt: number): boolean {
    if (this.closedOut) return false;
    const err = toWeirError(e, "SINK_FAILED");
    this.log.warn("sink write failed; retrying", { sink: spec.name, attempt: attempt + 1, code: err.code, error: err.message });
    return true;
  }

  private async onAssign(parts: TopicPartition[]) {
    m.rebalances.inc({ type: "assign" });
    // State for these partitions must be back before their records are processed.
    const ps = [...new Set(parts.map((p) => p.partition))];
    for (const p of ps) this.restoring.add(p);
    try {
      for (const rt of this.agents.values()) for (const p of ps) await rt.store.restore(p, this.groupId);
    } finally {
      for (const p of ps) this.restoring.delete(p);
    }
  }

  private async onRevoke(parts: TopicPartition[]) {
    m.rebalances.inc({ type: "revoke" });
    // Deferred records of these partitions are another member's now (nothing of them was begun or committed).
    if (this.deferred.length) this.deferred = this.deferred.filter((msg) => !parts.some((p) => p.topic === msg.topic && p.partition === msg.partition));
    // Drain what is in flight for the revoked partitions (bounded), commit, then let them go.
    const deadline = Date.now() + 20_000;
    while (parts.some((p) => this.tracker.inFlight(p) > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await this.commit(true);
    this.tracker.drop(parts);
    const still = new Set(this.consumer.assignment().filter((a) => !parts.some((p) => p.topic === a.topic && p.partition === a.partition)).map((a) => a.partition));
    for (const p of new Set(parts.map((x) => x.partition))) if (!still.has(p)) for (const rt of this.agents.values()) rt.store.drop(p);
  }

  /**
   * Commits the contiguous processed prefix of each partition (after flushing state). With `fresh`,
   * a commit already under way is awaited and another one started, so everything finished before
   * the call is included (revoke and stop need that; the periodic timer does not).
   */
  commit(fresh = false): Promise<void> {
    if (this.committing) return fresh ? this.committing.then(() => this.commit(true)) : this.committing;
    const run = async () => {
      // Yield first so `committing` is set before the body can finish (and clear it).
      await Promise.resolve();
      try {
        if (this.eos) await this.commitTransaction();
        else {
          // Offsets first, then state: the flush writes every state change made so far, which
          // covers every record behind these offsets.
          const offsets = this.tracker.committable();
          await this.flushState();
          if (!offsets.length) return;
          await this.consumer.commit(offsets);
          this.tracker.markCommitted(offsets);
          this.stats.commits++;
          m.commits.inc();
        }
      } catch (e) {
        this.log.warn("commit failed; will retry", { error: e });
      } finally {
        this.committing = null;
      }
    };
    this.committing = run();
    return this.committing;
  }

  /** Exactly-once: stop taking new records, let in-flight ones finish, commit them atomically with their outputs. */
  private async commitTransaction() {
    this.barrier = true;
    try {
      const deadline = Date.now() + 30_000;
      while (this.tracker.inFlight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
      const offsets = this.tracker.committable();
      await this.flushState();
      if (offsets.length) await this.producer.sendOffsetsToTransaction(offsets, this.consumer);
      await this.producer.commitTransaction();
      this.tracker.markCommitted(offsets);
      this.stats.commits++;
      m.commits.inc();
      this.producer.beginTransaction();
    } finally {
      this.barrier = false;
    }
  }

  inFlight(): number {
    return this.tracker.inFlight();
  }

  /** Messages one agent holds now (mailbox and running). */
  agentInFlight(name: string): number {
    return this.agents.get(name)?.inFlight ?? 0;
  }

  private async flushState() {
    await Promise.all([...this.agents.values()].map((rt) => rt.store.flush()));
  }

  private async recordLag() {
    if (!this.running) return;
    try {
      for (const l of await this.consumer.lag(2_000)) m.lag.set({ group: this.groupId, topic: l.topic, partition: l.partition }, l.lag);
    } catch (e) {
      this.log.debug("lag not available", { error: e });
    }
  }
  /** Partitions this instance owns now. */
  assignment(): TopicPartition[] {
    return this.consumer?.assignment() ?? [];
  }
  rollup(tenant: string, conversationId: string): Rollup | undefined {
    return this.rollups.get(`${tenant}\u0000${conversationId}`);
  }
  async lag() {
    return this.consumer.lag();
  }

  private uncollect?: () => void;
  private collectAgentGauges() {
    for (const [name, rt] of this.agents) {
      m.inFlight.set({ agent: name }, rt.inFlight);
      m.mailbox.set({ agent: name }, rt.actors.depth());
      m.stateKeys.set({ agent: name, where: "memory" }, rt.store.keysInMemory());
      m.stateKeys.set({ agent: name, where: "disk" }, rt.store.keysSpilled());
    }
  }

  /** Graceful stop: stop fetching, drain, commit, flush, close. */
  async stop(drainTimeoutMs = 30_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.belowLow?.();
    await this.loopDone;
    const deadline = Date.now() + drainTimeoutMs;
    while (this.tracker.inFlight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    if (this.tracker.inFlight() > 0) this.log.warn("stopping with records still in flight; they will be reprocessed", { inFlight: this.tracker.inFlight() });
    if (this.commitTimer) clearInterval(this.commitTimer);
    if (this.lagTimer) clearInterval(this.lagTimer);
    this.collectAgentGauges();
    this.uncollect?.();
    this.flushTopics();
    await this.commit(true);
    for (const rt of this.agents.values()) rt.store.close();
    for (const s of this.subjects.values()) s.complete();
    await this.consumer.close();
    await this.producer.flush().catch(() => {});
    this.closedOut = true;
    await this.producer.close();
    this.log.info("pipeline stopped", { ...this.stats });
  }
}
