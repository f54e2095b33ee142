// Byte layouts shared with native/weir_shim.c: produce batches, fetched messages,
// topic-partition lists and metadata. Little-endian, unaligned.
import type { ConsumedMessage, HeaderValue, ProduceRecord, TopicPartition, TopicPartitionOffset } from "./types.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const EMPTY = new Uint8Array(0);
const NO_HEADERS = Object.freeze([]) as unknown as Array<[string, Uint8Array]>;

function asBytes(v: Uint8Array | string): Uint8Array {
  return typeof v === "string" ? enc.encode(v) : v;
}
function headerEntries(h: ProduceRecord["headers"]): Array<[string, HeaderValue]> {
  if (!h) return [];
  return Array.isArray(h) ? h : Object.entries(h);
}

/** A growable byte writer; one per producer, reused across batches so produce allocates little. */
export class Writer {
  buf: Uint8Array;
  view: DataView;
  pos = 0;
  constructor(size = 1 << 20) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }
  reset() {
    this.pos = 0;
  }
  ensure(n: number) {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u16(v: number) {
    this.ensure(2);
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
  }
  i32(v: number) {
    this.ensure(4);
    this.view.setInt32(this.pos, v, true);
    this.pos += 4;
  }
  i64(v: number) {
    this.ensure(8);
    this.view.setBigInt64(this.pos, BigInt(Math.trunc(v)), true);
    this.pos += 8;
  }
  /** Strings are UTF-8 encoded straight into the buffer. */
  str16(s: string) {
    this.ensure(2 + s.length * 3);
    const { written } = enc.encodeInto(s, this.buf.subarray(this.pos + 2));
    this.view.setUint16(this.pos, written, true);
    this.pos += 2 + written;
  }
  /** i32 length (-1 for null) then bytes. */
  bytes32(v: Uint8Array | string | null | undefined) {
    if (v === null || v === undefined) return this.i32(-1);
    if (typeof v === "string") {
      this.ensure(4 + v.length * 3);
      const { written } = enc.encodeInto(v, this.buf.subarray(this.pos + 4));
      this.view.setInt32(this.pos, written, true);
      this.pos += 4 + written;
      return;
    }
    this.ensure(4 + v.length);
    this.view.setInt32(this.pos, v.length, true);
    this.buf.set(v, this.pos + 4);
    this.pos += 4 + v.length;
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

/** Appends one record in the shim's produce layout. */
export function writeProduceRecord(w: Writer, r: ProduceRecord, batch: number, index: number): void {
  w.str16(r.topic);
  w.i32(r.partition ?? -1);
  w.i64(r.timestamp ?? 0);
  w.i32(batch);
  w.i32(index);
  w.bytes32(r.key ?? null);
  w.bytes32(r.value);
  const hs = headerEntries(r.headers);
  w.u16(hs.length);
  for (const [k, v] of hs) {
    w.str16(k);
    w.bytes32(asBytes(v));
  }
}

export interface DecodedMessage extends ConsumedMessage {
  /** librdkafka error for this fetch slot (0 for a real message). */
  err: number;
}

/**
 * Decodes `count` fetched messages; topic names are resolved from topic-handle pointers via `topicName`.
 * Every key, value and header is a view into the batch buffer, so a batch costs one allocation
 * instead of several per message.
 */
export function readMessages(src: Uint8Array, used: number, count: number, topicName: (rkt: number) => string): DecodedMessage[] {
  // The caller hands over a buffer it will not reuse; only a mostly empty one is trimmed, so a
  // few small messages never pin megabytes.
  const buf = used * 4 < src.length ? src.slice(0, used) : src.subarray(0, used);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: DecodedMessage[] = new Array(count);
  let p = 0;
  let lastRkt = -1;
  let lastTopic = "";
  for (let i = 0; i < count; i++) {
    // 64-bit fields are read as two 32-bit halves: cheaper than BigInt, exact below 2^53.
    const rkt = view.getUint32(p + 4, true) * 4294967296 + view.getUint32(p, true);
    const partition = view.getInt32(p + 8, true);
    const err = view.getInt32(p + 12, true);
    const offset = view.getInt32(p + 20, true) * 4294967296 + view.getUint32(p + 16, true);
    const timestamp = view.getInt32(p + 28, true) * 4294967296 + view.getUint32(p + 24, true);
    const klen = view.getInt32(p + 32, true);
    const vlen = view.getInt32(p + 36, true);
    const hc = view.getInt32(p + 40, true);
    p += 45;
    const key = klen >= 0 ? buf.subarray(p, p + klen) : null;
    if (klen > 0) p += klen;
    const value = vlen >= 0 ? buf.subarray(p, p + vlen) : null;
    if (vlen > 0) p += vlen;
    // Most records carry no headers: share one frozen empty list instead of allocating per record.
    const headers: Array<[string, Uint8Array]> = hc === 0 ? NO_HEADERS : [];
    for (let h = 0; h < hc; h++) {
      const nl = view.getUint16(p, true);
      const name = dec.decode(buf.subarray(p + 2, p + 2 + nl));
      p += 2 + nl;
      const hl = view.getInt32(p, true);
      p += 4;
      headers.push([name, hl >= 0 ? buf.subarray(p, p + hl) : EMPTY]);
      if (hl > 0) p += hl;
    }
    if (rkt !== lastRkt) {
      lastRkt = rkt;
      lastTopic = rkt ? topicName(rkt) : "";
    }
    out[i] = { topic: lastTopic, partition, offset, key, value, headers, timestamp, err };
  }
  return out;
}

export function writeTpl(list: Array<TopicPartition & { offset?: number }>): Uint8Array {
  const w = new Writer(64 + list.length * 64);
  for (const tp of list) {
    w.str16(tp.topic);
    w.i32(tp.partition);
    w.i64(tp.offset ?? -1001);
  }
  return w.bytes().slice();
}

export function readTpl(buf: Uint8Array): Array<TopicPartitionOffset & { err: number }> {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = view.getInt32(0, true);
  let p = 4;
  const out: Array<TopicPartitionOffset & { err: number }> = [];
  for (let i = 0; i < n; i++) {
    const tl = view.getUint16(p, true);
    const topic = dec.decode(buf.subarray(p + 2, p + 2 + tl));
    p += 2 + tl;
    const partition = view.getInt32(p, true);
    const offset = Number(view.getBigInt64(p + 4, true));
    const err = view.getInt32(p + 12, true);
    p += 16;
    out.push({ topic, partition, offset, err });
  }
  return out;
}

export interface Metadata {
  brokers: Array<{ id: number; host: string; port: number }>;
  topics: Array<{ topic: string; err: number; partitions: Array<{ partition: number; err: number; leader: number; replicas: number[]; isr: number[] }> }>;
}

export function readMetadata(buf: Uint8Array): Metadata {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let p = 0;
  const i32 = () => {
    const v = view.getInt32(p, true);
    p += 4;
    return v;
  };
  const s16 = () => {
    const l = view.getUint16(p, true);
    const s = dec.decode(buf.subarray(p + 2, p + 2 + l));
    p += 2 + l;
    return s;
  };
  const brokers: Metadata["brokers"] = [];
  for (let n = i32(), i = 0; i < n; i++) {
    const id = i32();
    const host = s16();
    brokers.push({ id, host, port: i32() });
  }
  const topics: Metadata["topics"] = [];
  for (let n = i32(), i = 0; i < n; i++) {
    const topic = s16();
    const err = i32();
    const partitions: Metadata["topics"][number]["partitions"] = [];
    for (let m = i32(), j = 0; j < m; j++) {
      const partition = i32();
      const perr = i32();
      const leader = i32();
      const replicas = Array.from({ length: i32() }, i32);
      const isr = Array.from({ length: i32() }, i32);
      partitions.push({ partition, err: perr, leader, replicas, isr });
    }
    topics.push({ topic, err, partitions });
  }
  return { brokers, topics };
}

export function readTopicResults(buf: Uint8Array, count: number): Array<{ topic: string; err: number; message: string }> {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let p = 0;
  const out = [];
  for (let i = 0; i < count && p < buf.length; i++) {
    const nl = view.getUint16(p, true);
    const topic = dec.decode(buf.subarray(p + 2, p + 2 + nl));
    p += 2 + nl;
    const err = view.getInt32(p, true);
    p += 4;
    const ml = view.getUint16(p, true);
    const message = dec.decode(buf.subarray(p + 2, p + 2 + ml));
    p += 2 + ml;
    out.push({ topic, err, message });
  }
  return out;
}
