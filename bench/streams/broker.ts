// What bench/streams does on the broker itself, the same for both WordCounts: write the corpus
// topic once, watch a consumer group's committed offsets (how far an app has got through the
// corpus), read an output topic back to its latest value per key, and clean up a run's topics.
import type { Admin, Consumer, Producer, Transport } from "../../engine/kafka/types.ts";

export const PARTITIONS = 6;

/** Records in a topic (high − low over its partitions); null when the topic does not exist. */
export async function topicSize(t: Transport, admin: Admin, topic: string): Promise<number | null> {
  if (!(await admin.listTopics()).includes(topic)) return null;
  const probe = t.consumer({ groupId: `bench-streams-probe-${crypto.randomUUID()}` });
  try {
    const [d] = await admin.describeTopics([topic]);
    let n = 0;
    for (const p of d.partitions) {
      const w = await probe.watermarks(topic, p.partition);
      n += w.high - w.low;
    }
    return n;
  } finally {
    await probe.close();
  }
}

/** Writes the lines round-robin over the partitions (line i to partition i % PARTITIONS), no key. */
export async function produceLines(producer: Producer, topic: string, lines: string[]): Promise<void> {
  const BATCH = 10_000;
  const inflight: Array<Promise<void>> = [];
  let failed = 0;
  for (let i = 0; i < lines.length; i += BATCH) {
    const records = [];
    for (let j = i; j < Math.min(lines.length, i + BATCH); j++) records.push({ topic, value: lines[j], partition: j % PARTITIONS });
    inflight.push(producer.send(records).then((r) => void (failed += r.filter((x) => x.error).length)));
    if (inflight.length >= 10) await inflight.shift();
  }
  await Promise.all(inflight);
  await producer.flush(30_000);
  if (failed) throw new Error(`writing the corpus to ${topic}: ${failed} of ${lines.length} records were not delivered`);
}

/** How far a group has committed on a topic: the sum of its committed next-offsets (0 where none). */
export class GroupProgress {
  private readonly probe: Consumer;
  constructor(t: Transport, readonly group: string, readonly topic: string) {
    this.probe = t.consumer({ groupId: group });
  }
  async committed(): Promise<number> {
    const parts = Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: this.topic, partition }));
    const got = await this.probe.committed(parts);
    return got.reduce((n, p) => n + Math.max(0, p.offset), 0);
  }
  async highWatermark(): Promise<number> {
    let n = 0;
    for (let p = 0; p < PARTITIONS; p++) n += (await this.probe.watermarks(this.topic, p)).high;
    return n;
  }
  close(): Promise<void> {
    return this.probe.close();
  }
}

/**
 * Reads an output topic from the beginning, keeping the latest value per key and the newest record
 * timestamp. The bench creates output topics with message.timestamp.type=LogAppendTime, so that
 * timestamp is when the broker appended the last count, whichever engine wrote it. catchUp() goes
 * on from where the last call stopped.
 */
export class OutputReader {
  readonly latest = new Map<string, number>();
  records = 0;
  maxTimestamp = 0;
  private readonly consumer: Consumer;
  private readonly next = new Array<number>(PARTITIONS).fill(0);
  private readonly dec = new TextDecoder();

  constructor(t: Transport, readonly topic: string, private readonly decode: (value: Uint8Array | null) => number) {
    this.consumer = t.consumer({ groupId: `bench-streams-reader-${crypto.randomUUID()}`, config: { "enable.partition.eof": true } });
    this.consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition, offset: 0 })));
  }

  /** High watermarks summed (cheap: tells whether the topic is still growing). */
  async high(): Promise<number> {
    let n = 0;
    for (let p = 0; p < PARTITIONS; p++) n += (await this.consumer.watermarks(this.topic, p)).high;
    return n;
  }

  /** Reads every partition up to its high watermark as of this call (or its end: transaction markers). */
  async catchUp(timeoutMs = 300_000): Promise<void> {
    const highs: number[] = [];
    for (let p = 0; p < PARTITIONS; p++) highs.push((await this.consumer.watermarks(this.topic, p)).high);
    const done = () => highs.every((h, p) => this.next[p] >= h || (this.consumer.atEnd({ topic: this.topic, partition: p }) && this.next[p] >= h - 1));
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`reading ${this.topic}: not at its end after ${timeoutMs} ms (at ${this.next.join(",")} of ${highs.join(",")})`);
      const batch = await this.consumer.consume(10_000, 200);
      for (const m of batch) {
        this.records++;
        this.next[m.partition] = m.offset + 1;
        if (m.timestamp > this.maxTimestamp) this.maxTimestamp = m.timestamp;
        if (m.key) this.latest.set(this.dec.decode(m.key), this.decode(m.value));
      }
      // Past the markers of committed transactions: the partition is at its end once EOF is seen.
      if (!batch.length) for (let p = 0; p < PARTITIONS; p++) if (this.consumer.atEnd({ topic: this.topic, partition: p })) this.next[p] = Math.max(this.next[p], highs[p]);
    }
  }

  close(): Promise<void> {
    return this.consumer.close();
  }
}

/** Words whose latest output count differs from the corpus count (missing words count), plus words that should not be there. */
export function wrongCounts(expected: Map<string, number>, got: Map<string, number>): { wrong: number; missing: number; extra: number; examples: string[] } {
  let wrong = 0;
  let missing = 0;
  const examples: string[] = [];
  for (const [w, n] of expected) {
    const g = got.get(w);
    if (g === n) continue;
    wrong++;
    if (g === undefined) missing++;
    if (examples.length < 5) examples.push(`${w}: expected ${n}, got ${g ?? "nothing"}`);
  }
  let extra = 0;
  for (const w of got.keys())
    if (!expected.has(w)) {
      extra++;
      if (examples.length < 5) examples.push(`${w}: not in the corpus`);
    }
  return { wrong: wrong + extra, missing, extra, examples };
}

/** Deletes the topics a run made (its output and the app's internal topics all start with `prefix`). */
export async function deleteTopicsWithPrefix(admin: Admin, prefix: string): Promise<string[]> {
  const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  if (mine.length) await admin.deleteTopics(mine).catch(() => {});
  return mine;
}
