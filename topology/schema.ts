// The topology file format: one TypeBox schema is the type, the validator and the documentation.
// A topology is data — the YAML file and the TS builder (topology/builder.ts) produce the same value.
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { KNOWN_AGENTS } from "./known-agents.ts";

const Name = Type.String({ pattern: "^[a-zA-Z][a-zA-Z0-9_.-]{0,62}$", description: "a node name: letters, digits, _ . -" });
const TopicName = Type.String({ pattern: "^[a-zA-Z0-9._-]{1,249}$", description: "a Kafka topic name" });
/** Milliseconds, or a string such as "200ms", "5s", "10m", "1h". */
export const Duration = Type.Union([Type.Number({ minimum: 0 }), Type.String({ pattern: "^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$" })], {
  description: 'a duration: milliseconds, or "200ms", "5s", "10m", "1h"',
});
export { KNOWN_AGENTS };

export const Source = Type.Object(
  {
    name: Name,
    topic: TopicName,
    /** `envelope`: records written by another weir stage (a value plus the agent outputs so far). */
    serde: Type.Optional(Type.Union([Type.Literal("json"), Type.Literal("string"), Type.Literal("bytes"), Type.Literal("envelope")], { default: "json" })),
    /** A named schema (e.g. "SupportMessage") or an inline JSON schema that every record must match. */
    schema: Type.Optional(Type.Union([Type.String(), Type.Record(Type.String(), Type.Unknown())])),
    groupId: Type.Optional(Type.String({ minLength: 1 })),
    /** Record field whose value is the record's key (the actor key); unset: the Kafka record's key. */
    key: Type.Optional(Type.String({ minLength: 1 })),
    partitions: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
    /** Where a new consumer group starts reading: the oldest retained record (default) or only new ones. */
    startFrom: Type.Optional(Type.Union([Type.Literal("earliest"), Type.Literal("latest")], { default: "earliest" })),
  },
  { additionalProperties: false },
);

/** The operators a `where` condition may use. `matches` takes a JavaScript RegExp (docs/topology.md). */
export const CONDITION_OPS = ["eq", "ne", "gt", "gte", "lt", "lte", "exists", "nonEmpty", "matches", "in"] as const;
export const Condition = Type.Object(
  {
    field: Type.String({ minLength: 1 }),
    op: Type.Union(CONDITION_OPS.map((o) => Type.Literal(o))),
    value: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);
export type Condition = Static<typeof Condition>;

const OperatorBase = { name: Name, input: Name };
/** Custom code for filter/map: `./transforms.ts#redactSubject`, resolved relative to the topology file. */
const Module = Type.String({ pattern: "^[^#]+#[A-Za-z_$][A-Za-z0-9_$]*$", description: "path/to/module.ts#exportName" });

export const FilterOp = Type.Object(
  {
    ...OperatorBase,
    type: Type.Literal("filter"),
    where: Type.Optional(Type.Union([Condition, Type.Object({ all: Type.Array(Condition, { minItems: 1 }) }, { additionalProperties: false }), Type.Object({ any: Type.Array(Condition, { minItems: 1 }) }, { additionalProperties: false })])),
    module: Type.Optional(Module),
  },
  { additionalProperties: false },
);
export const MapOp = Type.Object(
  {
    ...OperatorBase,
    type: Type.Literal("map"),
    set: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    pick: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
    rename: Type.Optional(Type.Record(Type.String(), Type.String({ minLength: 1 }))),
    module: Type.Optional(Module),
  },
  { additionalProperties: false },
);
export const KeyByOp = Type.Object({ ...OperatorBase, type: Type.Literal("keyBy"), field: Type.String({ minLength: 1 }) }, { additionalProperties: false });
export const DedupeOp = Type.Object(
  { ...OperatorBase, type: Type.Literal("dedupe"), by: Type.String({ minLength: 1 }), ttl: Duration, maxKeys: Type.Optional(Type.Integer({ minimum: 1, default: 100_000 })) },
  { additionalProperties: false },
);
export const WindowOp = Type.Object(
  {
    ...OperatorBase,
    type: Type.Literal("window"),
    kind: Type.Union([Type.Literal("tumbling"), Type.Literal("hopping")]),
    size: Duration,
    advance: Type.Optional(Duration),
    aggregate: Type.Optional(Type.Union([Type.Literal("count"), Type.Literal("collect")], { default: "count" })),
    /** How long after its end a window still takes late records, in stream time (default 0). */
    grace: Type.Optional(Duration),
    /** onClose (default): one result per window once stream time passes end + grace; onUpdate: the running result on every record. */
    emit: Type.Optional(Type.Union([Type.Literal("onClose"), Type.Literal("onUpdate")], { default: "onClose" })),
  },
  { additionalProperties: false },
);
/** One record in, any number out: a module returning an array (or nothing), or `split` of a text field. */
export const FlatMapOp = Type.Object(
  {
    ...OperatorBase,
    type: Type.Literal("flatMap"),
    module: Type.Optional(Module),
    split: Type.Optional(
      Type.Object(
        {
          field: Type.String({ minLength: 1 }),
          /** A JavaScript RegExp the text is split on (default: runs of non-word characters). */
          pattern: Type.Optional(Type.String({ minLength: 1, default: "\\W+" })),
          /** The field each output record holds its token in. */
          as: Type.String({ minLength: 1 }),
          lowerCase: Type.Optional(Type.Boolean({ default: false })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
/** Re-keys by a field (or a module) and repartitions through `<group>-<name>-repartition`, so every record of a key lands in one partition. */
export const GroupByOp = Type.Object({ ...OperatorBase, type: Type.Literal("groupBy"), field: Type.Optional(Type.String({ minLength: 1 })), module: Type.Optional(Module) }, { additionalProperties: false });
/** Records per key, changelogged; emits `{ key, count }` on every update. */
export const CountOp = Type.Object({ ...OperatorBase, type: Type.Literal("count") }, { additionalProperties: false });
/** Folds each key's records with a module `(acc, value, record) => acc` (reduce starts from the first value, aggregate from `initial`); emits `{ key, value }`. */
export const ReduceOp = Type.Object({ ...OperatorBase, type: Type.Literal("reduce"), module: Module }, { additionalProperties: false });
export const AggregateOp = Type.Object({ ...OperatorBase, type: Type.Literal("aggregate"), module: Module, initial: Type.Unknown() }, { additionalProperties: false });
/** The latest value per key, changelogged and queryable; passes every record on. */
export const TableOp = Type.Object({ ...OperatorBase, type: Type.Literal("table") }, { additionalProperties: false });
/** Enriches each record with the latest value of its key in a table (co-partitioned: same key, same partition count); `inner` drops records with none. */
export const JoinOp = Type.Object(
  { ...OperatorBase, type: Type.Literal("join"), table: Name, as: Type.String({ minLength: 1 }), kind: Type.Optional(Type.Union([Type.Literal("left"), Type.Literal("inner")], { default: "left" })) },
  { additionalProperties: false },
);
export const OPERATOR_SCHEMAS: Record<string, TSchema> = { filter: FilterOp, map: MapOp, keyBy: KeyByOp, dedupe: DedupeOp, window: WindowOp, flatMap: FlatMapOp, groupBy: GroupByOp, count: CountOp, reduce: ReduceOp, aggregate: AggregateOp, table: TableOp, join: JoinOp };
export const Operator = Type.Union([FilterOp, MapOp, KeyByOp, DedupeOp, WindowOp, FlatMapOp, GroupByOp, CountOp, ReduceOp, AggregateOp, TableOp, JoinOp]);
export type Operator = Static<typeof Operator>;

export const Retry = Type.Object(
  {
    attempts: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, default: 3 })),
    initialBackoffMs: Type.Optional(Type.Integer({ minimum: 0, default: 100 })),
    maxBackoffMs: Type.Optional(Type.Integer({ minimum: 0, default: 10_000 })),
  },
  { additionalProperties: false },
);

export const Agent = Type.Object(
  {
    name: Name,
    /** A built-in agent kind, or your own definition: `./agents/tagger.ts#tagger` (resolved against the topology file). */
    agent: Type.Union([...KNOWN_AGENTS.map((a) => Type.Literal(a)), Module]),
    input: Name,
    implementation: Type.Optional(Type.Union([Type.Literal("offline"), Type.Literal("llm")], { default: "offline" })),
    provider: Type.Optional(Type.Union(["openai", "gemini", "anthropic", "openai-compatible"].map((p) => Type.Literal(p)))),
    config: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    /** Keys processed at once (each key is strictly ordered). */
    concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 16 })),
    /** Messages this agent may hold (mailbox and running); past it the pipeline stops taking records. Default: the high watermark. */
    maxInFlight: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    /** Record field whose value is the actor key (default: the record's key). */
    keyBy: Type.Optional(Type.String({ minLength: 1 })),
    retry: Type.Optional(Retry),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1, default: 30_000 })),
    /** Whether the agent receives the pii agent's redacted text (default true). */
    redacted: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);
export type Agent = Static<typeof Agent>;

export const AlertRule = Type.Object(
  {
    name: Name,
    when: Type.Object(
      {
        sentiment: Type.Optional(Type.Union([Type.Literal("negative"), Type.Literal("neutral"), Type.Literal("positive")])),
        urgency: Type.Optional(Type.Array(Type.Union(["low", "normal", "high", "critical"].map((u) => Type.Literal(u))), { minItems: 1 })),
        piiSeen: Type.Optional(Type.Boolean()),
        intent: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
      },
      { additionalProperties: false, minProperties: 1 },
    ),
    webhook: Type.Object({ url: Type.String({ minLength: 1 }), secretEnv: Type.Optional(Type.String({ minLength: 1 })) }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

export const Aggregator = Type.Object(
  {
    name: Name,
    inputs: Type.Array(Name, { minItems: 1 }),
    by: Type.Optional(Type.String({ default: "id" })),
    deadline: Type.Optional(Duration),
    /** How long a published join is remembered, so late copies and replays amend it rather than start again (default 1h). */
    retention: Type.Optional(Duration),
    quorum: Type.Optional(Type.Integer({ minimum: 1 })),
    rollup: Type.Optional(
      Type.Object(
        {
          by: Type.String({ default: "conversationId" }),
          /** How results fold into the rollup: `latest` (the engine's: message count and each agent's latest output) or a registered fold such as `support`. */
          fold: Type.Optional(Type.String({ minLength: 1, default: "latest" })),
          /** For `latest`: the agents whose latest output the rollup keeps (default: every input). */
          keep: Type.Optional(Type.Array(Name)),
        },
        { additionalProperties: false },
      ),
    ),
    alerts: Type.Optional(Type.Array(AlertRule)),
  },
  { additionalProperties: false },
);

export const SINK_TYPES = ["topic", "postgres", "elasticsearch", "qdrant", "websocket", "webhook", "jobs", "sample-index"] as const;
export const Sink = Type.Object(
  {
    name: Name,
    input: Name,
    type: Type.Union(SINK_TYPES.map((s) => Type.Literal(s))),
    topic: Type.Optional(TopicName),
    /** URL or the name of an environment variable holding it (`env:DATABASE_URL`). */
    url: Type.Optional(Type.String({ minLength: 1 })),
    index: Type.Optional(Type.String({ minLength: 1 })),
    collection: Type.Optional(Type.String({ minLength: 1 })),
    /** Topic sinks: `value` writes the record, `envelope` the record with its agent outputs (read by a stage). */
    format: Type.Optional(Type.Union([Type.Literal("value"), Type.Literal("envelope")])),
    /** Topic sinks: the record field written as the value (default: the whole record). */
    value: Type.Optional(Type.String({ minLength: 1 })),
    /** Topic sinks: how the value is written: json (default), string, number (decimal text) or bytes (from base64). */
    serde: Type.Optional(Type.Union([Type.Literal("json"), Type.Literal("string"), Type.Literal("number"), Type.Literal("bytes")])),
    /** Topic sinks: the record field used as the Kafka key (default: the record's key, after any keyBy/groupBy). */
    key: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
export type Sink = Static<typeof Sink>;

export const Stage = Type.Object(
  {
    name: Name,
    nodes: Type.Array(Name, { minItems: 1 }),
    /** Edges into this stage from another cross topics named `<via>.<node>`; default `<topology>.<stage>`. */
    via: Type.Optional(TopicName),
  },
  { additionalProperties: false },
);

export const Topology = Type.Object(
  {
    name: Name,
    version: Type.Literal(1),
    description: Type.Optional(Type.String()),
    sources: Type.Array(Source, { minItems: 1 }),
    operators: Type.Optional(Type.Array(Type.Unknown())),
    agents: Type.Optional(Type.Array(Agent)),
    aggregator: Type.Optional(Aggregator),
    sinks: Type.Array(Sink, { minItems: 1 }),
    deadLetter: Type.Optional(Type.Object({ topic: TopicName }, { additionalProperties: false })),
    delivery: Type.Optional(Type.Union([Type.Literal("at-least-once"), Type.Literal("exactly-once")], { default: "at-least-once" })),
    backpressure: Type.Optional(
      Type.Object(
        {
          highWatermark: Type.Integer({ minimum: 1 }),
          lowWatermark: Type.Integer({ minimum: 0 }),
          /** librdkafka's prefetch per assigned partition (queued.max.messages.kbytes); default 16384. */
          prefetchKBytes: Type.Optional(Type.Integer({ minimum: 64, maximum: 2_097_151 })),
        },
        { additionalProperties: false },
      ),
    ),
    stages: Type.Optional(Type.Array(Stage)),
    /** How often processed offsets (and state) are committed: default 1s, 100ms with exactly-once. */
    commitInterval: Type.Optional(Duration),
  },
  { additionalProperties: false },
);

/**
 * A validated topology; `operators` holds operator objects checked per type by topology/load.ts.
 * `baseDir` (set by the loader, not part of the file) is where `module:` paths are resolved from.
 */
export type Topology = Omit<Static<typeof Topology>, "operators"> & { operators?: Operator[]; baseDir?: string };

/** Parses a Duration into milliseconds. */
export function durationMs(d: number | string | undefined, fallback: number): number {
  if (d === undefined) return fallback;
  if (typeof d === "number") return d;
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)$/.exec(d);
  if (!m) return fallback;
  const n = Number(m[1]);
  return Math.round(n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"]);
}
