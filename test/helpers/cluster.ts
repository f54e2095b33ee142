// N real `weir run topology/support.yaml` processes in one consumer group on a real broker, with a
// per-cluster PostgreSQL schema and a private copy of the topology (unique topics, stage `via`
// prefixes and groupId), so trials never share state. Used by the multi-worker e2e tests and by
// bench/recovery. The worker is the shipped CLI, not a test-only pipeline: what is checked is what
// an operator runs.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import postgres, { type Sql } from "postgres";
import { createKafkaTransport } from "../../engine/kafka/index.ts";
import type { Producer, Transport } from "../../engine/kafka/types.ts";
import { connect } from "../../persistence/db.ts";
import { migrate } from "../../persistence/migrate.ts";
import { SupportTraffic, type TrafficOptions } from "./support-traffic.ts";
import { checkOutcome, type Outcome } from "./user-view.ts";
import { WeirProcess } from "./weir-process.ts";

const ROOT = resolve(import.meta.dir, "../..");
const SUPPORT_YAML = resolve(ROOT, "topology/support.yaml");

export interface ClusterOptions {
  /** Workers created (not started). Default 2. */
  workers?: number;
  /** `delivery: exactly-once` instead of the file's at-least-once. */
  exactlyOnce?: boolean;
  /** Bootstrap servers. Default WEIR_TEST_KAFKA or 127.0.0.1:9092. */
  brokers?: string;
  /** PostgreSQL server URL (a schema is created in it). Default WEIR_TEST_DATABASE_URL. */
  databaseUrl?: string;
  /**
   * librdkafka properties for the workers (WEIR_KAFKA_CONFIG). Default DEFAULT_WORKER_KAFKA_CONFIG.
   */
  kafkaConfig?: Record<string, string | number | boolean>;
  /** Extra environment for every worker. */
  env?: Record<string, string | undefined>;
  name?: string;
}

/**
 * Workers' extra librdkafka settings: none. The runtime's own defaults are what an operator gets
 * (session.timeout.ms 10 000 / heartbeat 3 000 for group members, transaction.timeout.ms 10 000 for
 * exactly-once producers, so a killed member's open transaction stalls read_committed readers for
 * 10 s rather than librdkafka's 60 s), and the recovery times measured here are those of the product.
 */
export const DEFAULT_WORKER_KAFKA_CONFIG: Record<string, string | number | boolean> = {};

/** Topic names and group of one cluster's topology copy. */
export interface ClusterNames {
  tag: string;
  source: string;
  results: string;
  dlq: string;
  groupId: string;
}

/**
 * Writes a copy of topology/support.yaml with every shared name made unique. Each replacement must
 * match exactly once, so a change to support.yaml that this misses fails loudly instead of sharing topics.
 */
export function writeTopologyCopy(dir: string, tag: string, exactlyOnce: boolean): { file: string; names: ClusterNames } {
  let yaml = readFileSync(SUPPORT_YAML, "utf8");
  const replace = (from: RegExp, to: string) => {
    const n = (yaml.match(new RegExp(from.source, "gm")) ?? []).length;
    if (n !== 1) throw new Error(`topology copy: expected one match of ${from} in support.yaml, found ${n}`);
    yaml = yaml.replace(new RegExp(from.source, "m"), to);
  };
  const names: ClusterNames = { tag, source: `${tag}.messages`, results: `${tag}.insights`, dlq: `${tag}.dlq`, groupId: tag };
  replace(/^(\s+topic:) support\.messages\b/, `$1 ${names.source}`);
  replace(/^(\s+groupId:) weir-support\b/, `$1 ${names.groupId}`);
  replace(/^(\s+topic:) support\.insights\b/, `$1 ${names.results}`);
  replace(/^(\s+topic:) support\.dlq\b/, `$1 ${names.dlq}`);
  replace(/^(\s+via:) support\.fast\b/, `$1 ${tag}.fast`);
  replace(/^(\s+via:) support\.llm\b/, `$1 ${tag}.llm`);
  if (exactlyOnce) replace(/^delivery: at-least-once\b/, "delivery: exactly-once");
  const file = join(dir, "support.yaml");
  writeFileSync(file, yaml);
  return { file, names };
}

/**
 * A cluster of `weir run` workers sharing one group, topics and database.
 * @example
 * await using cluster = await Cluster.create({ workers: 2 });
 * await cluster.startAll();
 * const traffic = cluster.traffic({ rate: 200 }).start(600);
 * await cluster.workers[0].kill9();
 * await cluster.workers[0].start();
 * await traffic.done;
 * const outcome = await cluster.check(traffic.acked.keys());
 */
export class Cluster {
  readonly workers: WeirProcess[] = [];
  readonly transport: Transport;
  readonly producer: Producer;
  private closed = false;

  private constructor(
    readonly names: ClusterNames,
    readonly file: string,
    readonly dir: string,
    readonly sql: Sql,
    readonly databaseUrl: string,
    private readonly schema: string,
    private readonly serverUrl: string,
    readonly brokers: string,
    opts: ClusterOptions,
  ) {
    this.transport = createKafkaTransport({ brokers, config: { "client.id": "weir-cluster-harness", "reconnect.backoff.max.ms": 500 } });
    this.producer = this.transport.producer({ config: { "message.timeout.ms": 120_000, "linger.ms": 5 } });
    const env = {
      KAFKA_BROKERS: brokers,
      DATABASE_URL: databaseUrl,
      WEIR_KAFKA_CONFIG: JSON.stringify(opts.kafkaConfig ?? DEFAULT_WORKER_KAFKA_CONFIG),
      // Optional sinks and LLM providers off: the job under test is Kafka + PostgreSQL.
      ELASTICSEARCH_URL: "",
      QDRANT_URL: "",
      WEIR_ALERT_WEBHOOK_URL: "",
      OPENAI_API_KEY: "",
      ANTHROPIC_API_KEY: "",
      GEMINI_API_KEY: "",
      ...opts.env,
    };
    for (let i = 0; i < (opts.workers ?? 2); i++) this.workers.push(new WeirProcess({ file, env, logFile: join(dir, "workers.log"), name: `w${i}` }));
  }

  static async create(opts: ClusterOptions = {}): Promise<Cluster> {
    const tag = `weir-${opts.name ?? "cluster"}-${crypto.randomUUID().slice(0, 8)}`.replace(/[^a-zA-Z0-9-]/g, "-");
    const dir = mkdtempSync(join(tmpdir(), `${tag}-`));
    const { file, names } = writeTopologyCopy(dir, tag, !!opts.exactlyOnce);
    const serverUrl = opts.databaseUrl ?? process.env.WEIR_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
    const schema = tag.replace(/-/g, "_").toLowerCase();
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE SCHEMA ${schema}`);
    await admin.end({ timeout: 5 });
    const sql = connect({ url: serverUrl, schema, max: 2 });
    await migrate(sql);
    // postgres.js passes URL query parameters on as connection parameters: search_path selects the schema.
    const u = new URL(serverUrl);
    u.searchParams.set("search_path", schema);
    const brokers = opts.brokers ?? process.env.WEIR_TEST_KAFKA ?? "127.0.0.1:9092";
    return new Cluster(names, file, dir, sql, u.toString(), schema, serverUrl, brokers, opts);
  }

  /** Starts every worker that is not running, all at once, and waits until each is running. */
  async startAll(): Promise<void> {
    await Promise.all(this.workers.filter((w) => !w.alive).map((w) => w.start()));
  }

  /** A traffic generator for this cluster's source topic (call start()). */
  traffic(opts: Partial<TrafficOptions> = {}): SupportTraffic {
    return new SupportTraffic(this.producer, { topic: this.names.source, prefix: `${this.names.tag}-${crypto.randomUUID().slice(0, 4)}`, ...opts });
  }

  /** What a user reads, once everything has drained (bounded by settleMs). */
  check(ids: Iterable<string>, settleMs = 120_000, quietMs = 25_000): Promise<Outcome> {
    return checkOutcome({ sql: this.sql, transport: this.transport, resultsTopic: this.names.results, ids, settleMs, quietMs });
  }

  /** Every worker exit nobody asked for so far (crashes, aborts), across incarnations. */
  crashes(): Array<{ worker: string; incarnation: number; code: number; tail: string[] }> {
    return this.workers.flatMap((w) => w.crashes.map((c) => ({ worker: w.opts.name, ...c })));
  }

  /** Workers' log file (all incarnations), for failure messages. */
  get logFile(): string {
    return join(this.dir, "workers.log");
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.kill9()));
    await this.producer.close().catch(() => {});
    try {
      const admin = this.transport.admin();
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(this.names.tag));
      if (topics.length) await admin.deleteTopics(topics).catch(() => {});
      await admin.close();
    } catch {
      // The broker may be down (broker-restart trials); topics are unique per run anyway.
    }
    await this.transport.close().catch(() => {});
    await this.sql.end({ timeout: 5 });
    if (!process.env.WEIR_KEEP_CLUSTER_DB) {
      const admin = postgres(this.serverUrl, { max: 1, onnotice: () => {} });
      await admin.unsafe(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`);
      await admin.end({ timeout: 5 });
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
