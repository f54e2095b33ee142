// A topology compiled into a running pipeline on any Transport:
//   source consumer (batches) → RxJS operators → agents as per-key actors → join → sinks.
// This file is the wiring and the lifecycle; each job has its own part: the consume loop and
// backpressure (consume-loop.ts), decoding (record-decoder.ts), agents (agent-runner.ts), the join
// and rollups (join.ts), sinks (sink-writer.ts), dead letters (dead-letter.ts) and commits
// (committer.ts). Every stateful node — agents, the join, rollups, dedupe — keeps its state in a
// store owned by the partition it reads, backed by a changelog topic, restored when the partition is
// assigned, dropped when it is revoked and flushed before every commit.
// At-least-once by default: an offset is committed only when every effect of it and of all earlier
// offsets in its partition is done. Exactly-once (delivery: exactly-once) wraps topic outputs,
// dead letters and changelog writes in a Kafka transaction that also carries the input offsets.
import { Subject, type Observable } from "rxjs";
import { systemClock, type Clock } from "../clock.ts";
import { KafkaError, WeirError, toWeirError, type WeirError as WeirErrorType } from "../errors.ts";
import { logger, type Logger } from "../log.ts";
import { metrics } from "../observability/metrics.ts";
import type { ConsumedMessage, Consumer, Producer, TopicPartition, Transport } from "../kafka/types.ts";
import type { AgentDefinition } from "../contracts/agent.ts";
import type { LlmClient } from "../contracts/llm.ts";
import { namedSchema } from "../schemas/registry.ts";
import { resolveEnvRef } from "../env-ref.ts";
import { durationMs, type Operator, type Sink as SinkSpec, type Topology } from "../../topology/schema.ts";
import { nodesOf } from "../../topology/load.ts";
import type { AggregatedResultShape as AggregatedResult } from "../aggregator/schema.ts";
import type { BaseRollup as Rollup } from "../contracts/rollup.ts";
import { rollupFold } from "../aggregator/rollup.ts";
import { AlertNotifier } from "../aggregator/alerts.ts";
import { DedupeState, KeyedState, WindowState, operatorFor } from "../operators/operators.ts";
import type { KeyedKind } from "../operators/aggregate.ts";
import { field, scalarKey } from "../operators/field.ts";
import { recordContext } from "../operators/record-context.ts";
import { loadAgentDefinition } from "./agent-module.ts";
import { loadModuleFunction, moduleOperator, type RecordFn } from "../operators/module-operator.ts";
import type { Sink, SinkRecord } from "../sinks/sink.ts";
import { StateStore } from "../state/state-store.ts";
import { SpanKind, traceparentOf as spanTraceparent, withSpan } from "../observability/tracing.ts";
import { AgentRunner } from "./agent-runner.ts";
import { Committer } from "./committer.ts";
import { ConsumeLoop } from "./consume-loop.ts";
import { DeadLetterWriter, type DeadLetterSource } from "./dead-letter.ts";
import { completion, type Envelope } from "./envelope.ts";
import { Join } from "./join.ts";
import { PartitionState } from "./partition-state.ts";
import { meters } from "./meters.ts";
import { OffsetTracker } from "./offset-tracker.ts";
import { RecordDecoder } from "./record-decoder.ts";
import { RetriesExhausted } from "./retry.ts";
import { SinkWriter, traceparentOf } from "./sink-writer.ts";

export type { AggregatedResult, Rollup };

const dec = new TextDecoder();

export interface PipelineOptions {
  topology: Topology;
  transport: Transport;
  agents: Record<string, AgentDefinition>;
  /** Sinks that are not Kafka topics, by sink name (postgres, websocket, ...). */
  sinks?: Record<string, Sink>;
  clock?: Clock;
  llm?: LlmClient;
  /** How often processed offsets are committed (default 1 s; 100 ms with exactly-once, as Kafka Streams does). */
  commitIntervalMs?: number;
  /** Called for every aggregated result and rollup (the API's live feed hooks in here). */
  onResult?: (r: AggregatedResult, rollup: Rollup | undefined) => void;
  /**
   * The pipeline cannot go on correctly (an exactly-once transaction was aborted under it). It has
   * stopped taking records and committed nothing more; `weir run` exits so a restart resumes from the
   * last commit. Default: log and stay stopped.
   */
  onFatal?: (err: unknown) => void;
}

export class Pipeline {
  readonly log: Logger;
  private readonly topology: Topology;
  private readonly clock: Clock;
  private readonly tracker = new OffsetTracker();
  private consumer!: Consumer;
  private producer!: Producer;
  private readonly agents = new Map<string, AgentRunner>();
  private readonly subjects = new Map<string, Subject<Envelope>>();
  private readonly decoders = new Map<string, RecordDecoder>();
  private readonly dedupes = new Map<string, DedupeState>();
  private readonly windows = new Map<string, WindowState>();
  private join: Join | null = null;
  private alerts: AlertNotifier | null = null;
  private readonly sinkWriter: SinkWriter;
  private readonly deadLetters: DeadLetterWriter;
  private committer!: Committer;
  private loop!: ConsumeLoop;
  private running = false;
  private commitTimer: ReturnType<typeof setInterval> | null = null;
  private lagTimer: ReturnType<typeof setInterval> | null = null;
  private readonly groupId: string;
  private readonly high: number;
  private readonly low: number;
  private readonly eos: boolean;
  /** Set once the producer is closed: retry loops give up (the records stay uncommitted). */
  private closedOut = false;
  /** Every stateful node's stores, per owned partition (restore, release, flush). */
  private readonly state: PartitionState;
  /** Topics read from another stage that feed the join, and every topic read from another stage. */
  private readonly joinTopics = new Set<string>();
  private readonly crossingTopics = new Set<string>();
  /** Agent definitions named by module path in the topology, loaded at start. */
  private readonly customAgents = new Map<string, AgentDefinition>();
  /** Per-key state of count, reduce, aggregate and table operators, by operator name. */
  private readonly keyed = new Map<string, KeyedState>();
  /** Internal topics a groupBy repartitions through, with the source each is read as. */
  private readonly repartitions: Array<Topology["sources"][number]> = [];
  /** Functions of `module:` operators, loaded at start. */
  private readonly modules = new Map<string, RecordFn>();
  private readonly resultSinks: string[];
  /** The source spec of every topic read (sources and repartition topics), filled by readTopic. */
  private readonly sourceByTopic = new Map<string, Topology["sources"][number]>();

  /** Agents and sinks fed by each agent (resolved once at build). */
  private readonly targetsOf = new Map<string, Array<AgentRunner | SinkSpec>>();
  /** Counts for tests and the dashboard. */
  readonly stats = { consumed: 0, done: 0, deadLettered: 0, results: 0, commits: 0 };
  /** performance.now() of the first consumed batch and of the latest finished record (benches time runs with it). */
  readonly timing = { firstConsumedAt: 0, lastDoneAt: 0 };
  private uncollect?: () => void;

  constructor(private readonly opts: PipelineOptions) {
    this.topology = opts.topology;
    this.clock = opts.clock ?? systemClock;
    this.groupId = this.topology.sources[0].groupId ?? `weir-${this.topology.name}`;
    this.state = new PartitionState(this.groupId, opts.transport);
    this.log = logger("runtime", { topology: this.topology.name });
    this.high = this.topology.backpressure?.highWatermark ?? 5000;
    this.low = this.topology.backpressure?.lowWatermark ?? Math.floor(this.high / 2);
    this.eos = this.topology.delivery === "exactly-once";
    const closed = () => this.closedOut;
    const producer = () => this.producer;
    this.sinkWriter = new SinkWriter({ specs: this.topology.sinks, sinks: opts.sinks ?? {}, producer, clock: this.clock, log: this.log, closed });
    this.deadLetters = new DeadLetterWriter({
      topic: this.topology.deadLetter?.topic,
      producer,
      clock: this.clock,
      log: this.log,
      closed,
      onDeadLetter: (stage) => {
        this.stats.deadLettered++;
        meters.dlq.inc({ stage });
      },
    });
    this.resultSinks = this.topology.aggregator ? this.topology.sinks.filter((s) => s.input === this.topology.aggregator!.name).map((s) => s.name) : [];
  }

  /** Creates topics, restores nothing yet (that happens per assigned partition), subscribes, and starts consuming. */
  async start(): Promise<void> {
    const { transport } = this.opts;
    const t = this.topology;
    for (const op of t.operators ?? []) if ("module" in op && op.module) this.modules.set(op.name, await loadModuleFunction(op as Operator & { module: string }, t.baseDir));
    // Agents named by module path (`./agents/tagger.ts#tagger`) are the user's own definitions.
    for (const spec of t.agents ?? []) if (spec.agent.includes("#") && !this.opts.agents[spec.agent]) this.customAgents.set(spec.agent, await loadAgentDefinition(spec.agent, t.baseDir));
    this.build();
    const partitions = Math.max(...t.sources.map((s) => s.partitions ?? 3));
    const admin = transport.admin();
    await admin.createTopics([
      ...t.sources.map((s) => ({ topic: s.topic, partitions: s.partitions ?? 3 })),
      ...this.repartitions.map((s) => ({ topic: s.topic, partitions })),
      ...t.sinks.filter((s) => s.type === "topic" && s.topic).map((s) => ({ topic: s.topic!, partitions })),
      ...(t.deadLetter ? [{ topic: t.deadLetter.topic, partitions: 1 }] : []),
      ...this.state.stores().map((s) => ({ topic: s.changelog, partitions, config: { "cleanup.policy": "compact" } })),
    ]);
    await admin.close();
    // linger.ms 1 rather than librdkafka's 5: a record crosses up to four topics in a staged topology,
    // and the batches come whole from the engine anyway (bench/engine: p50 26 → 14 ms, same throughput).
    // Exactly-once: a member that dies holds its open transaction until the coordinator times it
    // out, and read_committed readers of every topic it wrote (crossings, results) stop there until
    // then; Kafka Streams shortens the timeout to 10 s for the same reason (librdkafka: 60 s).
    const defaults: Record<string, number> = this.eos ? { "linger.ms": 1, "transaction.timeout.ms": 10_000 } : { "linger.ms": 1 };
    this.producer = transport.producer(this.eos ? { defaults, transactionalId: `${this.groupId}-${crypto.randomUUID().slice(0, 8)}` } : { defaults });
    if (this.eos) {
      await this.producer.initTransactions();
      this.producer.beginTransaction();
    }
    // A stage that joins a crossing topic with its own sources needs partition p of every source
    // topic in one member: the range assignor guarantees that (crossing records keep their source
    // partition, topology/stages.ts); cooperative-sticky does not.
    // A groupBy's repartition topic is read beside the sources: the range assignor also keeps partition
    // p of it with partition p of the sources, so one partition number means one owner for every store.
    const copartition = (!!t.aggregator && t.sources.length > 1 && t.sources.some((s) => s.serde === "envelope")) || this.repartitions.length > 0;
    // librdkafka prefetches per assigned partition, so the prefetch cap is what bounds memory while a
    // slow agent holds the loop at its high watermark: 16 MB a partition unless the topology says.
    const config: Record<string, string | number> = { "queued.max.messages.kbytes": t.backpressure?.prefetchKBytes ?? 16_384 };
    // Where a new group starts: every source says latest, or from the oldest retained record.
    if (t.sources.every((s) => s.startFrom === "latest")) config["auto.offset.reset"] = "latest";
    if (copartition) config["partition.assignment.strategy"] = "range";
    this.consumer = transport.consumer({ groupId: this.groupId, rebalanceTimeoutMs: 30_000, config });
    this.consumer.onRebalance((e) => (e.type === "assign" ? this.onAssign(e.partitions) : this.onRevoke(e.partitions)));
    this.committer = new Committer({ eos: this.eos, tracker: this.tracker, consumer: () => this.consumer, producer: () => this.producer, flushState: () => this.flushState(), log: this.log, onCommit: () => this.stats.commits++, onAborted: (e) => (e instanceof KafkaError && e.fatal ? this.fatal(e) : this.rewind(e)) });
    this.loop = new ConsumeLoop({
      consumer: () => this.consumer,
      joinTopics: this.joinTopics,
      crossingTopics: this.crossingTopics,
      ingest: (batch) => this.ingestBatch(batch),
      log: this.log,
      flow: { room: () => this.room(), canResume: () => this.canResume(), paused: () => this.committer.barrier || this.state.restoring.size > 0 || this.rewinding !== null },
    });
    this.consumer.subscribe([...t.sources, ...this.repartitions].map((s) => s.topic));
    this.running = true;
    // Per-agent gauges are read when /metrics renders rather than written per message.
    this.uncollect = metrics.onCollect(() => this.collectGauges());
    this.loop.start();
    // Exactly-once commits close a transaction: the other stages see its crossings only then, so the
    // interval is short (Kafka Streams uses 100 ms) or a join's deadline would fire on commit latency.
    this.commitTimer = setInterval(() => void this.committer.commit(), this.opts.commitIntervalMs ?? durationMs(t.commitInterval, this.eos ? 100 : 1000));
    // Lag per partition for /metrics and the dashboard, off the hot path.
    this.lagTimer = setInterval(() => void this.recordLag(), 10_000);
    (this.lagTimer as { unref?: () => void }).unref?.();
    this.log.info("pipeline started", { transport: transport.description, group: this.groupId, delivery: t.delivery, sources: t.sources.map((s) => s.topic) });
  }

  /**
   * A node's changelog topic, named after the consumer group (as Kafka Streams names its after the
   * application.id): two deployments of one topology under different groups must not share state.
   */
  private changelog(node: string, kind = "") {
    return `${this.groupId.replace(/[^a-zA-Z0-9._-]/g, "_")}-${node}${kind ? `-${kind}` : ""}-changelog`;
  }

  /** Wires node observables: sources are Subjects, operators pipe them, agents and sinks subscribe. */
  private build() {
    const t = this.topology;
    const producer = () => this.producer;
    const streams = new Map<string, Observable<Envelope>>();
    for (const s of t.sources) {
      streams.set(s.name, this.readTopic(s));
      if (s.serde === "envelope") this.crossingTopics.add(s.topic);
    }
    const ops = t.operators ?? [];
    const opContext = {
      clock: this.clock,
      window: (op: { name: string; kind: string; size: string | number; advance?: string | number; grace?: string | number; aggregate?: string; emit?: string }) => {
        const size = durationMs(op.size, 60_000);
        const spec = { sizeMs: size, advanceMs: op.kind === "hopping" ? durationMs(op.advance, size) : size, graceMs: durationMs(op.grace, 0), collect: op.aggregate === "collect", emit: (op.emit ?? "onClose") as "onClose" | "onUpdate" };
        const state = new WindowState(new StateStore(this.changelog(op.name, "window"), this.opts.transport, producer), spec);
        this.windows.set(op.name, state);
        this.state.register([state.store], state);
        return state;
      },
      fn: (name: string) => this.modules.get(name) as ((...args: never[]) => unknown) | undefined,
      keyed: (name: string, spec?: KeyedKind) => {
        let k = this.keyed.get(name);
        if (!k) {
          this.keyed.set(name, (k = new KeyedState(new StateStore(this.changelog(name, "store"), this.opts.transport, producer), spec ?? { kind: "table" })));
          this.state.register([k.store]);
        }
        return k;
      },
      dedupe: (op: { name: string; ttl?: string | number; maxKeys?: number }) => {
        const state = new DedupeState(new StateStore(this.changelog(op.name, "dedupe"), this.opts.transport, producer), durationMs(op.ttl, 600_000), op.maxKeys ?? 100_000, this.clock);
        this.dedupes.set(op.name, state);
        this.state.register([state.store], state);
        return state;
      },
    };
    // Operators in dependency order (their inputs are sources or earlier operators).
    const pending = [...ops];
    while (pending.length) {
      const i = pending.findIndex((o) => streams.has(o.input));
      if (i < 0) throw new WeirError("TOPOLOGY_INVALID", `operator inputs cannot be resolved: ${pending.map((o) => o.name).join(", ")}`);
      const [op] = pending.splice(i, 1);
      if (op.type === "groupBy") {
        streams.set(op.name, this.repartition(op, streams.get(op.input)!));
        continue;
      }
      const fn = this.modules.get(op.name);
      // A record an operator throws on is dead-lettered; the partition flows on.
      const onError = (env: Envelope, err: WeirErrorType) => void this.deadLetters.write(DeadLetterWriter.sourceOf(env), op.name, err, 1).finally(() => env.release());
      streams.set(op.name, streams.get(op.input)!.pipe(fn && (op.type === "filter" || op.type === "map") ? moduleOperator(op.type, fn, onError) : operatorFor(op, { ...opContext, onError })));
    }
    for (const spec of t.agents ?? []) {
      const def = this.opts.agents[spec.agent] ?? this.customAgents.get(spec.agent);
      if (!def) throw new WeirError("TOPOLOGY_INVALID", `agent "${spec.name}" uses unknown agent kind "${spec.agent}"`);
      const runner = new AgentRunner(spec, def, { changelog: this.changelog(spec.name), transport: this.opts.transport, producer, clock: this.clock, log: this.log, llm: this.opts.llm, high: this.high, low: this.low });
      this.agents.set(spec.name, runner);
      this.state.register([runner.store]);
    }
    if (t.aggregator) {
      const a = t.aggregator;
      this.join = new Join({
        inputs: a.inputs,
        deadlineMs: durationMs(a.deadline, 5000),
        retentionMs: durationMs(a.retention, 3_600_000),
        conversationField: a.rollup?.by ?? "conversationId",
        rollup: a.rollup ? rollupFold(a.rollup.fold, a.rollup.keep) : undefined,
        changelog: (kind) => this.changelog(a.name, kind),
        transport: this.opts.transport,
        producer,
        clock: this.clock,
        log: this.log,
        emit: (r, rollup, tp) => this.emitResult(r, rollup, tp),
        closed: () => this.closedOut,
      });
      this.state.register(this.join.stores(), this.join);
      const rules = (a.alerts ?? []).flatMap((rule) => {
        // A URL written as `env:NAME` is read from the environment; rules whose URL is unset are
        // skipped with a warning rather than failing the pipeline.
        const url = resolveEnvRef(rule.webhook.url);
        if (!url) {
          this.log.warn("alert rule has no webhook URL; skipped", { rule: rule.name, url: rule.webhook.url });
          return [];
        }
        return [{ ...rule, webhook: { ...rule.webhook, url } }];
      });
      if (rules.length) this.alerts = new AlertNotifier(rules, { clock: this.clock });
    }
    for (const rt of this.agents.values())
      this.targetsOf.set(rt.spec.name, [...[...this.agents.values()].filter((a) => a.spec.input === rt.spec.name), ...t.sinks.filter((s) => s.input === rt.spec.name)]);
    const children = new Map<string, string[]>();
    for (const n of nodesOf(t)) for (const i of n.inputs) children.set(i, [...(children.get(i) ?? []), n.name]);
    const sinkByName = new Map(t.sinks.map((s) => [s.name, s]));
    const isOp = (k: string) => ops.some((o) => o.name === k);
    // Every stream that is not only an operator input fans out to agents, sinks and the join.
    for (const [name, stream] of streams) {
      const targets = (children.get(name) ?? []).filter((k) => !isOp(k) && (this.agents.has(k) || sinkByName.has(k)));
      const feedsOperator = (children.get(name) ?? []).some(isOp);
      // A source read from another stage may carry a join input (the agent ran there).
      const joins = !!this.join && t.aggregator!.inputs.includes(name) && !this.agents.has(name);
      const joinSource = t.sources.find((s) => s.name === name && s.serde === "envelope");
      if (joins && joinSource) this.joinTopics.add(joinSource.topic);
      if (!targets.length && feedsOperator && !joins) continue;
      stream.subscribe((env) => {
        // An agent that failed in another stage: the join records the failure; nothing downstream runs on it.
        const failedThere = !!env.failed?.includes(name);
        if (joins) this.offer(name, env, failedThere ? null : env.outputs[name], failedThere);
        if (!targets.length || failedThere) return env.release();
        this.fanOut(env, targets.map((k) => this.agents.get(k) ?? sinkByName.get(k)!));
      });
    }
  }

  /**
   * groupBy: each record is re-keyed and written to `<group>-<op>-repartition` under its new key (its
   * offset commits once the write is acknowledged), and what follows the groupBy reads that topic, so
   * every record of a key reaches the one partition its state lives in — as Kafka Streams does.
   */
  private repartition(op: Extract<Operator, { type: "groupBy" }>, upstream: Observable<Envelope>): Observable<Envelope> {
    const topic = this.changelog(op.name, "repartition").replace(/-changelog$/, "");
    const source = { name: op.name, topic, serde: "json" as const, groupId: this.groupId };
    this.repartitions.push(source);
    const read = this.readTopic(source);
    const fn = op.module ? (this.modules.get(op.name) as RecordFn | undefined) : undefined;
    const spec = { name: op.name, input: op.input, type: "topic" as const, topic };
    upstream.subscribe((env) => {
      let key: string | undefined;
      try {
        const k = fn ? fn(env.value, recordContext(env)) : field(env.value, op.field ?? "");
        key = scalarKey(k);
        if (key === undefined) throw new WeirError("OPERATOR_FAILED", `groupBy ${op.name}: the new key is ${k === undefined || k === null ? "missing" : `a ${typeof k}, not a string or number`}`);
      } catch (e) {
        void this.deadLetters.write(DeadLetterWriter.sourceOf(env), op.name, toWeirError(e, "OPERATOR_FAILED"), 1).finally(() => env.release());
        return;
      }
      this.sinkWriter.writeTopic(spec, { key, tenant: String(env.value.tenant ?? "default"), version: 1, kind: "record", value: env.value, headers: recordContext(env).headers, timestamp: env.timestamp }, env.release);
    });
    return read;
  }

  /** A topic this pipeline reads (a source, or a groupBy's repartition topic): its stream, decoder and source spec. */
  private readTopic(source: Topology["sources"][number]): Subject<Envelope> {
    const subj = new Subject<Envelope>();
    this.subjects.set(source.topic, subj);
    this.decoders.set(source.topic, new RecordDecoder(source, namedSchema));
    this.sourceByTopic.set(source.topic, source);
    return subj;
  }

  /** Sends one record to several agents and sinks; each takes one branch of it. */
  private fanOut(env: Envelope, targets: Array<AgentRunner | SinkSpec>, output?: Record<string, unknown>) {
    env.fork(targets.length - 1);
    for (const k of targets) {
      if (k instanceof AgentRunner) void this.runAgent(k, { ...env, outputs: env.outputs });
      else if (k.type === "topic") this.sinkWriter.writeTopic(k, SinkWriter.record(k, env, output), env.release);
      else void this.sinkWriter.write([k.name], SinkWriter.record(k, env, output)).finally(() => env.release());
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
    for (const [topic, n] of perTopic) meters.consumed.inc({ topic }, n);
  }

  private ingest(msg: ConsumedMessage) {
    this.stats.consumed++;
    this.tracker.begin(msg.topic, msg.partition, msg.offset);
    const done = completion(() => this.finished(msg.topic, msg.partition, msg.offset));
    const source = this.sourceByTopic.get(msg.topic)!;
    let decoded;
    try {
      decoded = this.decoders.get(msg.topic)!.decode(msg);
    } catch (e) {
      void this.deadLetters.write(msg, "source", toWeirError(e, "SERDE_FAILED"), 1).finally(() => done.release());
      return;
    }
    const { value, crossing } = decoded;
    const env: Envelope = {
      value,
      // The record's key: a source's `key` field, else the Kafka key (a repartition topic's is the new key).
      key: crossing?.key ?? (source.key ? scalarKey(value[source.key]) : undefined) ?? (msg.key ? dec.decode(msg.key) : ""),
      topic: msg.topic,
      partition: msg.partition,
      offset: msg.offset,
      headers: msg.headers,
      timestamp: msg.timestamp,
      outputs: crossing?.outputs ?? {},
      origin: crossing?.origin ?? { topic: msg.topic, partition: msg.partition, offset: msg.offset },
      raw: msg,
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
    this.loop.wake();
  }

  /**
   * How many more records the loop may take: the room under the high watermark — counting records in
   * flight and joins waiting for inputs — and under every agent's maxInFlight (an agent whose
   * messages pile up stops the intake even when the pipeline as a whole is below its watermark).
   */
  private room(): number {
    let room = this.high - this.tracker.inFlight() - (this.join?.openJoins() ?? 0);
    for (const rt of this.agents.values()) room = Math.min(room, rt.maxInFlight - rt.inFlight);
    return room;
  }

  /** Below the low watermark, and every agent as far below its maxInFlight as low is below high. */
  private canResume(): boolean {
    if (this.tracker.inFlight() + (this.join?.openJoins() ?? 0) > this.low) return false;
    for (const rt of this.agents.values()) if (rt.inFlight > rt.resumeAt) return false;
    return true;
  }

  /** The join key of a record: the aggregator's `by` field (default `id`). */
  private messageIdOf(env: Envelope): string | undefined {
    const v = env.value[this.topology.aggregator?.by ?? "id"];
    return typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
  }

  /**
   * Offers one input's output (or failure) to the join, in the partition of the message's source
   * record. If the offer publishes a result, this record stays uncommitted until it is written.
   */
  private offer(input: string, env: Envelope, output: unknown, failed = false) {
    const messageId = this.messageIdOf(env);
    if (!messageId || !this.join) return;
    const emission = this.join.offer(env.origin.partition, messageId, input, output, failed, env.value, traceparentOf(env));
    if (emission) {
      env.fork(1);
      void emission.finally(() => env.release());
    }
  }

  private async runAgent(rt: AgentRunner, env: Envelope) {
    const name = rt.spec.name;
    const messageId = this.messageIdOf(env);
    const joins = !!this.topology.aggregator?.inputs.includes(name);
    rt.inFlight++;
    try {
      const { output, record } = await rt.run(env, messageId);
      env.outputs = { ...env.outputs, [name]: output };
      // An agent that rewrites the record (a redaction step) does so for everything downstream of it.
      if (record) {
        env.value = record;
        env.rewrittenBy = name;
      }
      if (joins) this.offer(name, env, output);
      const targets = this.targetsOf.get(name)!;
      if (targets.length) {
        env.fork(1);
        this.fanOut(env, targets, { [name]: output });
      }
    } catch (e) {
      const exhausted = e instanceof RetriesExhausted ? e : new RetriesExhausted(toWeirError(e), 1);
      this.log.warn("agent failed; dead-lettering", { agent: name, messageId, code: exhausted.last.code, error: exhausted.last.message, attempts: exhausted.attempts });
      if (joins) this.offer(name, env, null, true);
      // A join in another stage waits for this agent: tell it, over the crossing, that nothing will come.
      for (const s of this.topology.sinks) {
        if (s.input !== name || s.format !== "envelope") continue;
        env.fork(1);
        this.sinkWriter.writeTopic(s, SinkWriter.record(s, { ...env, failed: [...(env.failed ?? []), name] }), env.release);
      }
      await this.deadLetters.write(DeadLetterWriter.sourceOf(env), name, exhausted.last, exhausted.attempts);
    } finally {
      rt.inFlight--;
      env.release();
      this.loop.wake();
    }
  }

  /** Writes one published result, and the rollup it changed, to the aggregator's sinks. */
  private emitResult(r: AggregatedResult, rollup: { value: Rollup; revision: number } | undefined, traceparent: string | undefined): Promise<void> {
    this.stats.results++;
    this.opts.onResult?.(r, rollup?.value);
    // Alerts are delivered with their own retries and never hold up the result.
    if (rollup && this.alerts) void this.alerts.evaluate(rollup.value, r).catch((e) => this.log.error("alert evaluation failed", { error: e }));
    const now = this.clock.now();
    // The W3C trace context of the ingested message follows its results to every sink.
    const headers: Record<string, string> = traceparent ? { traceparent } : {};
    const records: SinkRecord[] = [{ key: r.messageId, tenant: r.tenant, version: r.version, kind: "message", value: r as unknown as Record<string, unknown>, headers, timestamp: now }];
    if (rollup) records.push({ key: r.conversationId, tenant: r.tenant, version: rollup.revision, kind: "rollup", value: rollup.value as unknown as Record<string, unknown>, headers: { ...headers }, timestamp: now });
    const sinks = this.resultSinks;
    return withSpan(
      `sinks ${sinks.join(",")}`,
      { "weir.message_id": r.messageId, "weir.result.version": r.version, "weir.result.status": r.status },
      (span) => {
        // Results carry the sink span's context onward (WebSocket subscribers, downstream topics).
        if (traceparent) for (const rec of records) rec.headers.traceparent = spanTraceparent(span);
        return Promise.all(records.map((rec) => this.sinkWriter.write(sinks, rec))).then(() => {});
      },
      traceparent,
      SpanKind.PRODUCER,
    );
  }

  private async onAssign(parts: TopicPartition[]) {
    meters.rebalances.inc({ type: "assign" });
    await this.rewinding;
    // State for these partitions must be back before their records are processed.
    await this.state.assign([...new Set(parts.map((p) => p.partition))].filter((p) => !this.state.owned.has(p)));
  }

  private async onRevoke(parts: TopicPartition[]) {
    meters.rebalances.inc({ type: "revoke" });
    await this.rewinding;
    this.loop.revoked(parts);
    const still = new Set(this.consumer.assignment().filter((a) => !parts.some((p) => p.topic === a.topic && p.partition === a.partition)).map((a) => a.partition));
    const leaving = [...new Set(parts.map((x) => x.partition))].filter((p) => !still.has(p));
    // Deadlines of the leaving partitions stop first: a version published after the final commit
    // below could land after the new owner restored, which would then publish its own.
    for (const p of leaving) this.join?.revoked(p);
    // Drain what is in flight for the revoked partitions and the results being written (bounded),
    // commit, then let them go. Open joins do not hold records: their state is in the changelog, and
    // the next owner carries them on.
    const deadline = Date.now() + 20_000;
    while ((parts.some((p) => this.tracker.inFlight(p) > 0) || (this.join?.inProgress() ?? 0) > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await this.committer.commit(true);
    this.tracker.drop(parts);
    for (const p of leaving) this.state.release(p);
  }

  /** Commits what is finished (see committer.ts); `fresh` includes everything finished before the call. */
  commit(fresh = false): Promise<void> {
    return this.committer.commit(fresh);
  }

  private flushState(): Promise<void> {
    return this.state.flush();
  }

  inFlight(): number {
    return this.tracker.inFlight();
  }

  /** Joins waiting for inputs, and results being written (a graceful stop waits for both). */
  pendingResults(): number {
    return (this.join?.openJoins() ?? 0) + (this.join?.inProgress() ?? 0);
  }

  /** Messages one agent holds now (mailbox and running). */
  agentInFlight(name: string): number {
    return this.agents.get(name)?.inFlight ?? 0;
  }

  get backpressured(): number {
    return this.loop?.backpressured ?? 0;
  }

  get deferredRecords(): number {
    return this.loop?.deferredRecords ?? 0;
  }

  private async recordLag() {
    if (!this.running) return;
    try {
      for (const l of await this.consumer.lag(2_000)) meters.lag.set({ group: this.groupId, topic: l.topic, partition: l.partition }, l.lag);
    } catch (e) {
      this.log.debug("lag not available", { error: e });
    }
  }

  /** Partitions this instance owns now. */
  assignment(): TopicPartition[] {
    return this.consumer?.assignment() ?? [];
  }

  /** A conversation's rollup, if this member owns its partition. */
  rollup(tenant: string, conversationId: string): Rollup | undefined {
    return this.join?.rollup(tenant, conversationId, this.state.owned);
  }

  async lag() {
    return this.consumer.lag();
  }

  /**
   * Interactive query of a table (or a count, reduce or aggregate) operator: the value of `key` if this
   * member owns the partition the key's records land in, else undefined. The key's partition is
   * where its records were read (after a groupBy, the repartition topic's).
   */
  query(operator: string, key: string): unknown {
    const state = this.keyed.get(operator);
    if (!state) throw new WeirError("NOT_FOUND", `no table, count, reduce or aggregate operator "${operator}" in ${this.topology.name}`);
    for (const p of this.state.owned) {
      const v = state.get(p, key);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  private collectGauges() {
    for (const [name, rt] of this.agents) {
      meters.inFlight.set({ agent: name }, rt.inFlight);
      meters.mailbox.set({ agent: name }, rt.actors.depth());
    }
    for (const store of this.state.stores()) {
      meters.stateKeys.set({ store: store.changelog, where: "memory" }, store.keysInMemory());
      meters.stateKeys.set({ store: store.changelog, where: "disk" }, store.keysSpilled());
    }
    if (this.join) meters.openJoins.set({ group: this.groupId }, this.join.openJoins());
  }

  private failed = false;
  /** Set while the pipeline goes back to its last commit after an aborted transaction. */
  private rewinding: Promise<void> | null = null;

  /**
   * Exactly-once, an aborted transaction (a rebalance fenced its offsets: ILLEGAL_GENERATION) takes
   * away everything processed since the last commit: outputs, state and offsets. The pipeline goes
   * back there, as Kafka Streams re-initialises a migrated task: every owned partition's state comes
   * back from its changelog and the consumer returns to the committed offsets. Nothing is lost (the
   * records are read again) and nothing is published twice (the aborted outputs were never visible).
   */
  private rewind(err: unknown): Promise<void> {
    if (this.rewinding) return this.rewinding;
    this.log.warn("exactly-once transaction aborted; going back to the last commit", { error: err });
    const run = (async () => {
      try {
        this.producer.beginTransaction();
        const parts = this.consumer.assignment();
        this.loop.revoked(parts);
        this.tracker.drop(parts);
        const ps = [...new Set(parts.map((p) => p.partition))];
        for (const p of ps) this.state.release(p);
        const committed = await this.consumer.committed(parts, 10_000);
        for (const c of committed) await this.consumer.seek(c.offset >= 0 ? c : { ...c, offset: -2 }, 5_000);
        await this.state.assign(ps);
      } catch (e) {
        // Going back failed too: only a restart from the last commit is safe now.
        this.fatal(e);
      } finally {
        this.rewinding = null;
      }
    })();
    this.rewinding = run;
    return run;
  }

  private fatal(err: unknown) {
    if (this.failed) return;
    this.failed = true;
    this.log.error("exactly-once transaction aborted: stopping; a restart resumes from the last commit", { error: err });
    this.loop.drain();
    if (this.commitTimer) clearInterval(this.commitTimer);
    this.commitTimer = null;
    this.opts.onFatal?.(err);
  }

  /** Stops taking records from the sources; crossings from other stages are still read, so what is in flight can finish. */
  drain(): void {
    this.loop?.drain();
  }

  /** Graceful stop: stop fetching, let in-flight records and results finish (bounded), commit, flush, close. */
  async stop(drainTimeoutMs = 30_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.loop.drain();
    const deadline = Date.now() + drainTimeoutMs;
    while ((this.tracker.inFlight() > 0 || (this.join?.inProgress() ?? 0) > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await this.loop.stop();
    if (this.tracker.inFlight() > 0) this.log.warn("stopping with records still in flight; they will be reprocessed", { inFlight: this.tracker.inFlight() });
    // Open joins stay in the changelog; the next owner re-arms their deadlines.
    this.join?.stop();
    if (this.commitTimer) clearInterval(this.commitTimer);
    if (this.lagTimer) clearInterval(this.lagTimer);
    this.collectGauges();
    this.uncollect?.();
    this.sinkWriter.flush();
    // After an aborted transaction nothing more may be committed: the next start resumes before it.
    if (!this.failed) await this.committer.commit(true);
    this.state.close();
    for (const s of this.subjects.values()) s.complete();
    await this.consumer.close();
    await this.producer.flush().catch(() => {});
    this.closedOut = true;
    await this.producer.close();
    this.log.info("pipeline stopped", { ...this.stats });
  }
}
