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
function headerEntries(h: NonNullable<ProduceRecord["headers"]>): Array<[string, HeaderValue]> {
  return Array.isArray(h) ? h : Object.entries(h);
}
const TWO_32 = 4294967296;

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
    // Two 32-bit halves: exact for every safe integer, and no BigInt per call.
    const t = Math.trunc(v);
    const hi = Math.floor(t / TWO_32);
    this.view.setUint32(this.pos, t - hi * TWO_32, true);
    this.view.setInt32(this.pos + 4, hi, true);
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

/** The UTF-8 of the topic last written: a batch usually goes to one topic, so it is encoded once. */
let lastTopic = "";
let lastTopicBytes = EMPTY;

/** Appends one record in the shim's produce layout. */
export function writeProduceRecord(w: Writer, r: ProduceRecord, batch: number, index: number): void {
  const topic = r.topic;
  if (topic !== lastTopic) {
    lastTopicBytes = enc.encode(topic);
    lastTopic = topic;
  }
  const key = r.key;
  const value = r.value;
  // One bound check for the fixed part and byte keys/values; strings and headers check their own.
  const tl = lastTopicBytes.length;
  w.ensure(2 + tl + 32 + (key instanceof Uint8Array ? key.length : 0) + (value instanceof Uint8Array ? value.length : 0) + 2);
  const v = w.view;
  let p = w.pos;
  v.setUint16(p, tl, true);
  if (tl < 16) for (let i = 0; i < tl; i++) w.buf[p + 2 + i] = lastTopicBytes[i];
  else w.buf.set(lastTopicBytes, p + 2);
  p += 2 + tl;
  v.setInt32(p, r.partition ?? -1, true);
  const ts = r.timestamp;
  if (ts) {
    w.pos = p + 4;
    w.i64(ts);
  } else {
    v.setInt32(p + 4, 0, true);
    v.setInt32(p + 8, 0, true);
  }
  v.setInt32(p + 12, batch, true);
  v.setInt32(p + 16, index, true);
  w.pos = p + 20;
  if (key === undefined || key === null) w.i32(-1);
  else w.bytes32(key);
  w.bytes32(value);
  const h = r.headers;
  const hs = h ? headerEntries(h) : null;
  if (!hs || hs.length === 0) {
    w.u16(0);
    return;
  }
  w.u16(hs.length);
  for (const [k, hv] of hs) {
    w.str16(k);
    w.bytes32(asBytes(hv));
  }
}

/** Int32 slots per fetched message in the shim's table (weir_poll_messages, MSG_SLOTS). */
export const MSG_SLOTS = 16;

/** The table weir_poll_messages fills: one buffer seen as float64 (offset, timestamp, topic handle) and int32. */
export class MessageTable {
  readonly f64: Float64Array;
  readonly i32: Int32Array;
  constructor(readonly capacity: number) {
    this.f64 = new Float64Array((capacity * MSG_SLOTS) / 2);
    this.i32 = new Int32Array(this.f64.buffer);
  }
}

/**
 * Decodes `count` fetched messages from the shim's table and byte buffer. Every key, value and
 * header is a view into `data`, so a batch costs one buffer instead of several per message; the
 * fixed fields come from typed arrays, not per-field DataView reads. A slot with a librdkafka error
 * (partition EOF, fetch errors) is handed to `onError` instead of being returned.
 */
export function readMessages(
  t: MessageTable,
  data: Uint8Array,
  count: number,
  topicName: (rkt: number) => string,
  onError: (err: number, topic: string, partition: number) => void,
): ConsumedMessage[] {
  const f = t.f64;
  const s = t.i32;
  const ab = data.buffer;
  const base = data.byteOffset;
  const out: ConsumedMessage[] = [];
  let lastRkt = -1;
  let lastTopic = "";
  for (let i = 0; i < count; i++) {
    const d = i * (MSG_SLOTS / 2);
    const k = i * MSG_SLOTS + 6;
    const rkt = f[d + 2];
    if (rkt !== lastRkt) {
      lastRkt = rkt;
      lastTopic = rkt ? topicName(rkt) : "";
    }
    const partition = s[k];
    const err = s[k + 1];
    if (err !== 0) {
      onError(err, lastTopic, partition);
      continue;
    }
    const kpos = s[k + 2];
    const vpos = s[k + 4];
    const hc = s[k + 7];
    out.push({
      topic: lastTopic,
      partition,
      offset: f[d],
      key: kpos >= 0 ? new Uint8Array(ab, base + kpos, s[k + 3]) : null,
      value: vpos >= 0 ? new Uint8Array(ab, base + vpos, s[k + 5]) : null,
      // Most records carry no headers: share one frozen empty list instead of allocating per record.
      headers: hc === 0 ? NO_HEADERS : readHeaders(data, s[k + 6], hc),
      timestamp: f[d + 1],
    });
  }
  return out;
}

function readHeaders(buf: Uint8Array, p: number, count: number): Array<[string, Uint8Array]> {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headers: Array<[string, Uint8Array]> = [];
  for (let h = 0; h < count; h++) {
    const nl = view.getUint16(p, true);
    const name = dec.decode(buf.subarray(p + 2, p + 2 + nl));
    p += 2 + nl;
    const hl = view.getInt32(p, true);
    p += 4;
    headers.push([name, hl >= 0 ? buf.subarray(p, p + hl) : EMPTY]);
    if (hl > 0) p += hl;
  }
  return headers;
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
