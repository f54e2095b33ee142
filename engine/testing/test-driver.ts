// Runs any topology in-process with no broker and with controllable time, in the spirit of
// Kafka Streams' TopologyTestDriver: pipe records in, advance the clock (deadlines, windows,
// retries), read what the sinks and output topics received.
import { ManualClock } from "../clock.ts";
import type { AgentDefinition } from "../contracts/agent.ts";
import type { Topology } from "../../topology/schema.ts";
import type { HeaderValue } from "../kafka/types.ts";
import { Pipeline } from "../runtime/pipeline.ts";
import type { Sink, SinkRecord } from "../sinks/sink.ts";
import { createMemoryTransport, type MemoryBroker } from "../transport/memory.ts";
import { waitUntil } from "../wait.ts";

export interface DriverRecord {
  key: string | null;
  value: unknown;
  headers: Record<string, string>;
  partition: number;
  offset: number;
}

/** A sink that remembers what it was given; the driver installs one for every non-topic sink. */
export class CollectingSink implements Sink {
  readonly records: SinkRecord[] = [];
  constructor(readonly name: string) {}
  async write(records: SinkRecord[]) {
    this.records.push(...records);
  }
  async close() {}
}

const dec = new TextDecoder();

export class TopologyTestDriver {
  readonly clock: ManualClock;
  readonly broker: MemoryBroker;
  readonly sinks: Record<string, CollectingSink>;
  readonly pipeline: Pipeline;
  private readonly transport: ReturnType<typeof createMemoryTransport>;

  private constructor(topology: Topology, agents: Record<string, AgentDefinition>, startTime: number) {
    this.clock = new ManualClock(startTime);
    this.transport = createMemoryTransport();
    this.broker = this.transport.broker;
    this.sinks = Object.fromEntries(topology.sinks.filter((s) => s.type !== "topic").map((s) => [s.name, new CollectingSink(s.name)]));
    this.pipeline = new Pipeline({ topology, transport: this.transport, agents, sinks: this.sinks, clock: this.clock, commitIntervalMs: 20 });
  }

  /**
   * @example
   * const driver = await TopologyTestDriver.create(loadTopology("topology/support.yaml"), AGENTS);
   * await driver.pipeInput("support.messages", [{ key: "c1", value: { id: "m1", conversationId: "c1", tenant: "t", text: "hi" } }]);
   * await driver.advanceTime(5_000);
   * driver.readOutput("support.insights");
   */
  static async create(topology: Topology, agents: Record<string, AgentDefinition>, opts: { startTime?: number } = {}): Promise<TopologyTestDriver> {
    const d = new TopologyTestDriver(topology, agents, opts.startTime ?? Date.UTC(2026, 0, 1));
    await d.pipeline.start();
    return d;
  }

  /** Produces records (timestamps from the driver's clock unless given) and waits until they settle. */
  async pipeInput(topic: string, records: Array<{ key?: string | null; value: unknown; headers?: Record<string, HeaderValue>; timestamp?: number }>): Promise<void> {
    await this.transport.producer().send(records.map((r) => ({ topic, key: r.key ?? null, value: typeof r.value === "string" ? r.value : JSON.stringify(r.value), headers: r.headers, timestamp: r.timestamp ?? this.clock.now() })));
    await this.settle();
  }

  /** Moves time forward (firing deadlines, window closes and retry back-offs), then settles. */
  async advanceTime(ms: number, step = 100): Promise<void> {
    for (let t = 0; t < ms; t += step) {
      await this.clock.advance(Math.min(step, ms - t));
      await this.settle(50);
    }
  }

  /** Waits (real time, bounded) until the pipeline has nothing left that can progress without the clock. */
  async settle(quietMs = 100): Promise<void> {
    let last = -1;
    let stableSince = Date.now();
    await waitUntil(
      () => {
        const sig = this.pipeline.stats.consumed * 1e6 + this.pipeline.stats.done * 1e3 + this.pipeline.stats.results;
        if (sig === last) return Date.now() - stableSince >= quietMs;
        last = sig;
        stableSince = Date.now();
        return false;
      },
      { timeoutMs: 10_000, intervalMs: 5 },
    );
  }

  /** Everything written to an output topic so far, values parsed as JSON when they are. */
  readOutput(topic: string): DriverRecord[] {
    const t = this.broker.topics.get(topic);
    if (!t) return [];
    return t.partitions
      .flatMap((p) => p.log)
      .sort((a, b) => a.timestamp - b.timestamp || a.offset - b.offset)
      .map((r) => {
        const text = r.value ? dec.decode(r.value) : null;
        let value: unknown = text;
        try {
          value = text === null ? null : JSON.parse(text);
        } catch {
          /* not JSON */
        }
        return { key: r.key ? dec.decode(r.key) : null, value, headers: Object.fromEntries(r.headers.map(([k, v]) => [k, dec.decode(v)])), partition: r.partition, offset: r.offset };
      });
  }

  async close(): Promise<void> {
    await this.pipeline.stop(2_000);
  }
}
