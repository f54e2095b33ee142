/*
 * The C ceiling for weir's Kafka bench: the same librdkafka, the same settings, no language runtime.
 *   loop produce BROKERS TOPIC COUNT SIZE   -> {"op":"produce","msgs":N,"seconds":S}
 *   loop consume BROKERS TOPIC COUNT GROUP  -> {"op":"consume","msgs":N,"seconds":S}
 * Extra librdkafka properties come as KEY=VALUE arguments after the fixed ones.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "rdkafka.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void set(rd_kafka_conf_t *c, const char *k, const char *v) {
  char err[512];
  if (rd_kafka_conf_set(c, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "config %s=%s: %s\n", k, v, err);
    exit(2);
  }
}

static void extra(rd_kafka_conf_t *c, int argc, char **argv, int from) {
  for (int i = from; i < argc; i++) {
    char *eq = strchr(argv[i], '=');
    if (!eq) continue;
    *eq = 0;
    set(c, argv[i], eq + 1);
    *eq = '=';
  }
}

static long delivered = 0, failed = 0;
static void dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *o) {
  (void)rk; (void)o;
  if (m->err) failed++; else delivered++;
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: loop produce|consume BROKERS TOPIC COUNT SIZE|GROUP [key=value...]\n");
    return 2;
  }
  const char *op = argv[1], *brokers = argv[2], *topic = argv[3];
  long count = atol(argv[4]);
  char err[512];
  rd_kafka_conf_t *c = rd_kafka_conf_new();
  set(c, "bootstrap.servers", brokers);
  if (!strcmp(op, "produce")) {
    int size = atoi(argv[5]);
    set(c, "enable.idempotence", "true");
    set(c, "linger.ms", "5");
    set(c, "queue.buffering.max.messages", "500000");
    set(c, "queue.buffering.max.kbytes", "1048576");
    set(c, "batch.num.messages", "10000");
    extra(c, argc, argv, 6);
    rd_kafka_conf_set_dr_msg_cb(c, dr);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof(err));
    if (!rk) { fprintf(stderr, "%s\n", err); return 1; }
    char *payload = malloc(size);
    memset(payload, 'x', size);
    /* Warm-up, as every client does: one message delivered (connection, metadata, idempotent PID)
     * before the clock starts. */
    rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(payload, size), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    while (delivered + failed < 1) rd_kafka_poll(rk, 10);
    if (failed) { fprintf(stderr, "warm-up message failed\n"); return 1; }
    delivered = 0;
    double t0 = now();
    for (long i = 0; i < count;) {
      rd_kafka_resp_err_t e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(payload, size),
                                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) { rd_kafka_poll(rk, 1); continue; }
      if (e) { fprintf(stderr, "produce: %s\n", rd_kafka_err2str(e)); return 1; }
      i++;
      if ((i & 1023) == 0) rd_kafka_poll(rk, 0);
    }
    while (delivered + failed < count) rd_kafka_poll(rk, 10);
    double secs = now() - t0;
    printf("{\"op\":\"produce\",\"msgs\":%ld,\"failed\":%ld,\"seconds\":%.6f}\n", delivered, failed, secs);
    rd_kafka_destroy(rk);
    return failed ? 1 : 0;
  } else {
    set(c, "group.id", argv[5]);
    set(c, "auto.offset.reset", "earliest");
    set(c, "enable.auto.commit", "false");
    set(c, "queued.min.messages", "1000000");
    set(c, "queued.max.messages.kbytes", "65536");
    set(c, "fetch.wait.max.ms", "100");
    extra(c, argc, argv, 6);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof(err));
    if (!rk) { fprintf(stderr, "%s\n", err); return 1; }
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *t = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(t, topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(rk, t);
    rd_kafka_topic_partition_list_destroy(t);
    /* Timed from the first delivered message (after the group join); like the batching clients,
     * the first delivery (here one message) is not counted. */
    long got = 0;
    double t0 = 0;
    while (got < count) {
      rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 1000);
      if (!m) continue;
      if (!m->err) {
        if (!got) t0 = now();
        got++;
      }
      rd_kafka_message_destroy(m);
    }
    double secs = now() - t0;
    printf("{\"op\":\"consume\",\"msgs\":%ld,\"timed\":%ld,\"seconds\":%.6f}\n", got, got - 1, secs);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return 0;
  }
}
