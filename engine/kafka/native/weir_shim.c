/*
 * weir_shim: the few loops that must not cross the FFI boundary once per message.
 *
 * Bun calls these through bun:ffi. Each packs or unpacks a whole batch in one call:
 *  - weir_produce: one call enqueues a batch (keys, headers, partitions, timestamps) via rd_kafka_producev;
 *  - weir_poll_dr: drains delivery reports into an int32 array;
 *  - weir_poll_messages: drains fetched messages into a fixed-size table plus one byte buffer.
 * Everything else (config, rebalance, commit, admin) is plain FFI from TypeScript.
 * No librdkafka thread ever calls into JS: everything here runs on the caller's thread, driven by
 * rd_kafka_queue_poll() with the event API.
 *
 * Buffers are little-endian and unaligned; see engine/kafka/codec.ts for the matching TypeScript.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "rdkafka.h"

#define WEIR_SHIM_VERSION 5

int32_t weir_shim_version(void) { return WEIR_SHIM_VERSION; }

static inline uint16_t rd_u16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline int32_t rd_i32(const uint8_t *p) { int32_t v; memcpy(&v, p, 4); return v; }
static inline int64_t rd_i64(const uint8_t *p) { int64_t v; memcpy(&v, p, 8); return v; }
static inline void wr_u16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static inline void wr_i32(uint8_t *p, int32_t v) { memcpy(p, &v, 4); }
static inline void wr_i64(uint8_t *p, int64_t v) { memcpy(p, &v, 8); }

/*
 * Produce record layout:
 *   u16 topic_len, topic, i32 partition (-1 = partitioner), i64 timestamp_ms (0 = now),
 *   u32 batch, u32 index,
 *   i32 key_len (-1 = null), key, i32 value_len (-1 = null), value,
 *   u16 header_count, { u16 name_len, name, i32 value_len (-1 = null), value } * header_count
 * Returns how many records were enqueued. On the first failure it stops, stores the librdkafka
 * error in *err_out and the byte position of the failed record in *pos_out so the caller can
 * serve delivery reports and resume (typically on __QUEUE_FULL).
 */
int32_t weir_produce(rd_kafka_t *rk, const uint8_t *buf, int64_t len, int32_t count, int32_t *err_out, int64_t *pos_out) {
  int64_t pos = 0;
  char topic[512];
  uint16_t topic_len = 0;
  /* The topic handle of the previous record: a batch mostly goes to one topic, and a handle spares
   * librdkafka a topic lookup per message. Released before returning. */
  rd_kafka_topic_t *rkt = NULL;
  *err_out = 0;
  int32_t i;
  for (i = 0; i < count; i++) {
    int64_t start = pos;
    if (pos + 2 > len) { *err_out = RD_KAFKA_RESP_ERR__BAD_MSG; *pos_out = start; break; }
    uint16_t tlen = rd_u16(buf + pos); pos += 2;
    if (tlen >= sizeof(topic)) { *err_out = RD_KAFKA_RESP_ERR__INVALID_ARG; *pos_out = start; break; }
    if (!rkt || tlen != topic_len || memcmp(topic, buf + pos, tlen) != 0) {
      if (rkt) rd_kafka_topic_destroy(rkt);
      memcpy(topic, buf + pos, tlen); topic[tlen] = 0; topic_len = tlen;
      rkt = rd_kafka_topic_new(rk, topic, NULL);
      if (!rkt) { *err_out = rd_kafka_last_error(); *pos_out = start; break; }
    }
    pos += tlen;
    int32_t partition = rd_i32(buf + pos); pos += 4;
    int64_t ts = rd_i64(buf + pos); pos += 8;
    uint32_t batch = (uint32_t)rd_i32(buf + pos); pos += 4;
    uint32_t index = (uint32_t)rd_i32(buf + pos); pos += 4;
    int32_t klen = rd_i32(buf + pos); pos += 4;
    const uint8_t *key = klen >= 0 ? buf + pos : NULL; if (klen > 0) pos += klen;
    int32_t vlen = rd_i32(buf + pos); pos += 4;
    const uint8_t *val = vlen >= 0 ? buf + pos : NULL; if (vlen > 0) pos += vlen;
    uint16_t hcount = rd_u16(buf + pos); pos += 2;
    rd_kafka_headers_t *hdrs = NULL;
    if (hcount > 0) {
      hdrs = rd_kafka_headers_new(hcount);
      for (uint16_t h = 0; h < hcount; h++) {
        uint16_t nlen = rd_u16(buf + pos); pos += 2;
        const char *name = (const char *)(buf + pos); pos += nlen;
        int32_t hvlen = rd_i32(buf + pos); pos += 4;
        const void *hv = hvlen >= 0 ? buf + pos : NULL; if (hvlen > 0) pos += hvlen;
        rd_kafka_header_add(hdrs, name, nlen, hv, hvlen >= 0 ? hvlen : 0);
      }
    }
    void *opaque = (void *)(uintptr_t)(((uint64_t)batch << 32) | index);
    rd_kafka_resp_err_t err = rd_kafka_producev(
        rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY((void *)key, klen > 0 ? (size_t)klen : 0),
        RD_KAFKA_V_VALUE((void *)val, vlen > 0 ? (size_t)vlen : 0),
        RD_KAFKA_V_TIMESTAMP(ts), RD_KAFKA_V_OPAQUE(opaque),
        RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
    if (err) {
      /* On failure the headers were not taken over. */
      if (hdrs) rd_kafka_headers_destroy(hdrs);
      *err_out = err; *pos_out = start;
      break;
    }
  }
  if (rkt) rd_kafka_topic_destroy(rkt);
  if (i == count) *pos_out = pos;
  return i;
}

/*
 * The queues a client reads, plus whatever a batch stopped part-way through, so a batch can stop
 * when its output is full without losing anything.
 *  - q: the main/consumer queue, read as events (rebalance, errors, logs, commit results, and fetched
 *    messages of partitions not forwarded to fq);
 *  - fq (consumers only, may be NULL): assigned partitions' fetch queues are forwarded here
 *    (weir_forward_partitions) and read with rd_kafka_consume_batch_queue, one queue lock per
 *    message instead of one event per message. Nothing but fetched messages and per-partition
 *    consumer errors reaches it, so no rebalance is ever served behind the application's back.
 */
typedef struct {
  rd_kafka_queue_t *q;
  rd_kafka_queue_t *fq;
  rd_kafka_event_t *pending;
  const rd_kafka_message_t *pending_msg;
  rd_kafka_message_t **batch; /* from fq, not yet copied out: [batch_next, batch_len) */
  int32_t batch_len, batch_next, batch_cap;
} weir_poller_t;

weir_poller_t *weir_poller_new(rd_kafka_queue_t *q, rd_kafka_queue_t *fq) {
  weir_poller_t *p = calloc(1, sizeof(*p));
  p->q = q;
  p->fq = fq;
  return p;
}

void weir_poller_destroy(weir_poller_t *p) {
  if (!p) return;
  if (p->pending) rd_kafka_event_destroy(p->pending);
  for (int32_t i = p->batch_next; i < p->batch_len; i++) rd_kafka_message_destroy(p->batch[i]);
  free(p->batch);
  free(p);
}

/*
 * Forwards the fetch queues of the given partitions to fq. Called before the partitions are
 * assigned: librdkafka keeps an application forward across fetch start, and drops it on fetch stop,
 * so every assignment forwards again. Returns how many partitions were forwarded.
 */
int32_t weir_forward_partitions(rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *tpl, rd_kafka_queue_t *fq) {
  int32_t n = 0;
  for (int i = 0; tpl && i < tpl->cnt; i++) {
    rd_kafka_queue_t *pq = rd_kafka_queue_get_partition(rk, tpl->elems[i].topic, tpl->elems[i].partition);
    if (!pq) continue;
    rd_kafka_queue_forward(pq, fq);
    rd_kafka_queue_destroy(pq);
    n++;
  }
  return n;
}
/*
 * Delivery reports: 6 int32 per message: batch, index, err, partition, offset_lo, offset_hi.
 * Returns the number written. Stops at the first event that is not a delivery report and hands
 * it over in *other (the caller handles and destroys it); *other is NULL otherwise.
 */
int32_t weir_poll_dr(weir_poller_t *p, int32_t timeout_ms, int32_t max, int32_t *out, rd_kafka_event_t **other) {
  int32_t n = 0;
  *other = NULL;
  while (n < max) {
    rd_kafka_event_t *ev = p->pending;
    if (!ev) {
      ev = rd_kafka_queue_poll(p->q, n == 0 ? timeout_ms : 0);
      if (!ev) break;
      if (rd_kafka_event_type(ev) != RD_KAFKA_EVENT_DR) { *other = ev; break; }
      p->pending = ev;
    }
    const rd_kafka_message_t *m;
    while (n < max && (m = rd_kafka_event_message_next(ev)) != NULL) {
      uint64_t opaque = (uint64_t)(uintptr_t)m->_private;
      int32_t *o = out + (int64_t)n * 6;
      o[0] = (int32_t)(opaque >> 32);
      o[1] = (int32_t)(opaque & 0xffffffffu);
      o[2] = m->err;
      o[3] = m->partition;
      o[4] = (int32_t)((uint64_t)m->offset & 0xffffffffu);
      o[5] = (int32_t)((uint64_t)m->offset >> 32);
      n++;
    }
    if (n < max) { rd_kafka_event_destroy(ev); p->pending = NULL; }
    else break; /* output full: the event may hold more; keep it pending */
  }
  return n;
}

/* Per-message table entry, in int32 slots (8-byte aligned: slots 0..5 are read as 3 float64). */
#define MSG_SLOTS 16

static inline int64_t headers_size(rd_kafka_headers_t *hdrs) {
  int64_t sz = 0;
  const char *name; const void *val; size_t vsz;
  for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &val, &vsz) == RD_KAFKA_RESP_ERR_NO_ERROR; i++)
    sz += 2 + strlen(name) + 4 + (val ? vsz : 0);
  return sz;
}

/*
 * Copies one message out: its fixed fields into table entry `t`, its key, value and headers into
 * out+pos. Returns the new position, or -1 when they do not fit in `cap`.
 */
static int64_t put_message(const rd_kafka_message_t *m, double *t, uint8_t *out, int64_t pos, int64_t cap) {
  rd_kafka_headers_t *hdrs = NULL;
  if (m->err || rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) hdrs = NULL;
  int64_t klen = m->key ? (int64_t)m->key_len : 0, vlen = m->payload ? (int64_t)m->len : 0;
  int64_t sz = klen + vlen + (hdrs ? headers_size(hdrs) : 0);
  if (pos + sz > cap) return -1;
  rd_kafka_timestamp_type_t tstype = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
  int64_t ts = m->err ? -1 : rd_kafka_message_timestamp(m, &tstype);
  /* Offsets, timestamps and topic-handle addresses are exact in a double (all below 2^53). */
  t[0] = (double)m->offset;
  t[1] = (double)ts;
  t[2] = (double)(uintptr_t)m->rkt;
  int32_t *ti = (int32_t *)(t + 3);
  ti[0] = m->partition;
  ti[1] = m->err;
  ti[2] = m->key ? (int32_t)pos : -1;
  ti[3] = (int32_t)klen;
  if (m->key) { memcpy(out + pos, m->key, klen); pos += klen; }
  ti[4] = m->payload ? (int32_t)pos : -1;
  ti[5] = (int32_t)vlen;
  if (m->payload) { memcpy(out + pos, m->payload, vlen); pos += vlen; }
  ti[6] = (int32_t)pos;
  int32_t hc = hdrs ? (int32_t)rd_kafka_header_cnt(hdrs) : 0;
  ti[7] = hc;
  ti[8] = (int32_t)tstype;
  if (hdrs) {
    uint8_t *o = out + pos;
    const char *name; const void *val; size_t vsz;
    for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &val, &vsz) == RD_KAFKA_RESP_ERR_NO_ERROR; i++) {
      uint16_t nl = (uint16_t)strlen(name);
      wr_u16(o, nl); o += 2; memcpy(o, name, nl); o += nl;
      wr_i32(o, val ? (int32_t)vsz : -1); o += 4;
      if (val) { memcpy(o, val, vsz); o += vsz; }
    }
    pos = o - out;
  }
  return pos;
}

/*
 * Fetched messages: a table of MSG_SLOTS int32 per message (written as doubles/int32, 8-byte
 * aligned), and their bytes in `out`:
 *   f64 offset, f64 timestamp_ms, f64 rkt (topic handle; the caller caches its name),
 *   i32 partition, i32 err, i32 key_pos (-1 null), i32 key_len, i32 value_pos (-1 null),
 *   i32 value_len, i32 headers_pos, i32 header_count, i32 tstype, 1 spare slot;
 *   headers at headers_pos: { u16 name_len, name, i32 value_len (-1 null), value } * header_count
 * Returns the number of messages written and their bytes in *used, or -1 when the very first
 * message alone needs more than `cap` bytes. Events first: fetched messages that arrive as events on
 * q (partitions not forwarded) come before fq, so a partition's messages stay in order while its
 * queue is being forwarded; the first other event (rebalance, error, stats, log, commit result)
 * stops the batch and is handed over in *other. Each message is released once copied.
 * With max == 0 it only serves events (see step 0): the consumer's idle path.
 */
int32_t weir_poll_messages(weir_poller_t *p, int32_t max, uint8_t *out, int64_t cap, double *table, int64_t *used, rd_kafka_event_t **other) {
  int32_t n = 0;
  int64_t pos = 0;
  *other = NULL;
  *used = 0;
  /* 0. max == 0 (the idle path): hand over the next non-message event and no message. A message
   *    at the head of the queue stays pending for the next real poll, and so do the events behind
   *    it, which must not overtake it; nothing is served while a fetch batch is half delivered. */
  if (max == 0) {
    if (p->pending || p->batch_len) return 0;
    rd_kafka_event_t *ev = rd_kafka_queue_poll(p->q, 0);
    if (!ev) return 0;
    if (rd_kafka_event_type(ev) != RD_KAFKA_EVENT_FETCH) { *other = ev; return 0; }
    const rd_kafka_message_t *m = rd_kafka_event_message_next(ev);
    if (!m) { rd_kafka_event_destroy(ev); return 0; }
    p->pending = ev; p->pending_msg = m;
    return 0;
  }
  /* 1. Events on the main queue, until it is empty. */
  while (n < max && !p->batch_len) {
    rd_kafka_event_t *ev = p->pending;
    const rd_kafka_message_t *m = p->pending_msg;
    if (!ev) {
      ev = rd_kafka_queue_poll(p->q, 0);
      if (!ev) break;
      if (rd_kafka_event_type(ev) != RD_KAFKA_EVENT_FETCH) { *other = ev; *used = pos; return n; }
      m = rd_kafka_event_message_next(ev);
      if (!m) { rd_kafka_event_destroy(ev); continue; }
    }
    int64_t next = put_message(m, table + (int64_t)n * (MSG_SLOTS / 2), out, pos, cap);
    if (next < 0) {
      p->pending = ev; p->pending_msg = m;
      if (n == 0) return -1;
      *used = pos;
      return n;
    }
    p->pending = NULL; p->pending_msg = NULL;
    rd_kafka_event_destroy(ev); /* a FETCH event carries one message */
    pos = next;
    n++;
  }
  if (n >= max && !p->batch_len) { *used = pos; return n; }
  /* 2. The forwarded fetch queue, in batches. */
  while (p->fq && n < max) {
    if (p->batch_next >= p->batch_len) {
      int32_t want = max - n;
      if (want > p->batch_cap) {
        free(p->batch);
        p->batch_cap = want < 1024 ? 1024 : want;
        p->batch = malloc(sizeof(*p->batch) * (size_t)p->batch_cap);
      }
      ssize_t got = rd_kafka_consume_batch_queue(p->fq, 0, p->batch, (size_t)want);
      p->batch_next = 0;
      p->batch_len = got > 0 ? (int32_t)got : 0;
      if (!p->batch_len) break;
    }
    rd_kafka_message_t *m = p->batch[p->batch_next];
    int64_t next = put_message(m, table + (int64_t)n * (MSG_SLOTS / 2), out, pos, cap);
    if (next < 0) {
      if (n == 0) return -1;
      break;
    }
    rd_kafka_message_destroy(m);
    pos = next;
    n++;
    if (++p->batch_next >= p->batch_len) p->batch_next = p->batch_len = 0;
  }
  *used = pos;
  return n;
}

/* How many bytes the next message waiting in the poller needs (for growing the buffer after -1). */
int64_t weir_pending_size(weir_poller_t *p) {
  const rd_kafka_message_t *m = p->pending_msg;
  if (!m && p->batch_next < p->batch_len) m = p->batch[p->batch_next];
  if (!m) return 0;
  rd_kafka_headers_t *hdrs = NULL;
  if (m->err || rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) hdrs = NULL;
  return (m->key ? (int64_t)m->key_len : 0) + (m->payload ? (int64_t)m->len : 0) + (hdrs ? headers_size(hdrs) : 0);
}

/* Topic-partition lists: u16 topic_len, topic, i32 partition, i64 offset per entry. */
rd_kafka_topic_partition_list_t *weir_tpl_from_buf(const uint8_t *buf, int32_t count) {
  rd_kafka_topic_partition_list_t *tpl = rd_kafka_topic_partition_list_new(count > 0 ? count : 1);
  int64_t pos = 0;
  char topic[512];
  for (int32_t i = 0; i < count; i++) {
    uint16_t tlen = rd_u16(buf + pos); pos += 2;
    if (tlen >= sizeof(topic)) tlen = sizeof(topic) - 1;
    memcpy(topic, buf + pos, tlen); topic[tlen] = 0; pos += tlen;
    int32_t partition = rd_i32(buf + pos); pos += 4;
    int64_t offset = rd_i64(buf + pos); pos += 8;
    rd_kafka_topic_partition_t *tp = rd_kafka_topic_partition_list_add(tpl, topic, partition);
    tp->offset = offset;
  }
  return tpl;
}

/* i32 count, then u16 topic_len, topic, i32 partition, i64 offset, i32 err per entry. Returns bytes or -needed. */
int64_t weir_tpl_to_buf(const rd_kafka_topic_partition_list_t *tpl, uint8_t *out, int64_t cap) {
  int64_t need = 4;
  for (int i = 0; i < tpl->cnt; i++) need += 2 + strlen(tpl->elems[i].topic) + 4 + 8 + 4;
  if (need > cap) return -need;
  uint8_t *o = out;
  wr_i32(o, tpl->cnt); o += 4;
  for (int i = 0; i < tpl->cnt; i++) {
    const rd_kafka_topic_partition_t *tp = &tpl->elems[i];
    uint16_t tl = (uint16_t)strlen(tp->topic);
    wr_u16(o, tl); o += 2; memcpy(o, tp->topic, tl); o += tl;
    wr_i32(o, tp->partition); o += 4;
    wr_i64(o, tp->offset); o += 8;
    wr_i32(o, tp->err); o += 4;
  }
  return o - out;
}

/*
 * Cluster metadata for one topic (or all when topic is NULL/empty):
 *   i32 broker_count, { i32 id, u16 host_len, host, i32 port } *,
 *   i32 topic_count, { u16 name_len, name, i32 err, i32 partition_count,
 *     { i32 id, i32 err, i32 leader, i32 replica_count, i32 replicas[], i32 isr_count, i32 isrs[] } * } *
 * Blocks up to timeout_ms. Returns bytes written, -needed when `cap` is too small, or 0 with *err set.
 */
int64_t weir_metadata(rd_kafka_t *rk, const char *topic, int32_t timeout_ms, uint8_t *out, int64_t cap, int32_t *err) {
  const struct rd_kafka_metadata *md = NULL;
  rd_kafka_topic_t *rkt = NULL;
  if (topic && topic[0]) rkt = rd_kafka_topic_new(rk, topic, NULL);
  *err = rd_kafka_metadata(rk, rkt ? 0 : 1, rkt, &md, timeout_ms);
  if (rkt) rd_kafka_topic_destroy(rkt);
  if (*err) return 0;
  int64_t need = 8;
  for (int b = 0; b < md->broker_cnt; b++) need += 4 + 2 + strlen(md->brokers[b].host) + 4;
  for (int t = 0; t < md->topic_cnt; t++) {
    need += 2 + strlen(md->topics[t].topic) + 8;
    for (int q = 0; q < md->topics[t].partition_cnt; q++)
      need += 20 + 4 * (md->topics[t].partitions[q].replica_cnt + md->topics[t].partitions[q].isr_cnt);
  }
  if (need > cap) { rd_kafka_metadata_destroy(md); return -need; }
  uint8_t *o = out;
  wr_i32(o, md->broker_cnt); o += 4;
  for (int b = 0; b < md->broker_cnt; b++) {
    uint16_t hl = (uint16_t)strlen(md->brokers[b].host);
    wr_i32(o, md->brokers[b].id); o += 4;
    wr_u16(o, hl); o += 2; memcpy(o, md->brokers[b].host, hl); o += hl;
    wr_i32(o, md->brokers[b].port); o += 4;
  }
  wr_i32(o, md->topic_cnt); o += 4;
  for (int t = 0; t < md->topic_cnt; t++) {
    const rd_kafka_metadata_topic_t *mt = &md->topics[t];
    uint16_t nl = (uint16_t)strlen(mt->topic);
    wr_u16(o, nl); o += 2; memcpy(o, mt->topic, nl); o += nl;
    wr_i32(o, mt->err); o += 4;
    wr_i32(o, mt->partition_cnt); o += 4;
    for (int q = 0; q < mt->partition_cnt; q++) {
      const rd_kafka_metadata_partition_t *mp = &mt->partitions[q];
      wr_i32(o, mp->id); o += 4;
      wr_i32(o, mp->err); o += 4;
      wr_i32(o, mp->leader); o += 4;
      wr_i32(o, mp->replica_cnt); o += 4;
      for (int r = 0; r < mp->replica_cnt; r++) { wr_i32(o, mp->replicas[r]); o += 4; }
      wr_i32(o, mp->isr_cnt); o += 4;
      for (int r = 0; r < mp->isr_cnt; r++) { wr_i32(o, mp->isrs[r]); o += 4; }
    }
  }
  rd_kafka_metadata_destroy(md);
  return o - out;
}

/* Admin results: name + error per topic, as u16 name_len, name, i32 err, u16 msg_len, msg. Returns count. */
int32_t weir_topic_results(rd_kafka_event_t *ev, uint8_t *out, int64_t cap, int64_t *used) {
  const rd_kafka_topic_result_t **res = NULL;
  size_t cnt = 0;
  int t = rd_kafka_event_type(ev);
  if (t == RD_KAFKA_EVENT_CREATETOPICS_RESULT) res = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &cnt);
  else if (t == RD_KAFKA_EVENT_DELETETOPICS_RESULT) res = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &cnt);
  int64_t pos = 0;
  for (size_t i = 0; i < cnt; i++) {
    const char *name = rd_kafka_topic_result_name(res[i]);
    const char *msg = rd_kafka_topic_result_error_string(res[i]);
    uint16_t nl = (uint16_t)strlen(name), ml = msg ? (uint16_t)strlen(msg) : 0;
    if (pos + 2 + nl + 4 + 2 + ml > cap) break;
    wr_u16(out + pos, nl); pos += 2; memcpy(out + pos, name, nl); pos += nl;
    wr_i32(out + pos, rd_kafka_topic_result_error(res[i])); pos += 4;
    wr_u16(out + pos, ml); pos += 2; if (ml) { memcpy(out + pos, msg, ml); pos += ml; }
  }
  *used = pos;
  return (int32_t)cnt;
}
