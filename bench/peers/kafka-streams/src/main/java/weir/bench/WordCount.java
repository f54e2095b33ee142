// Kafka Streams' real WordCount, the peer of weir's topology/examples/wordcount.yaml in
// bench/streams: flatMapValues (split on non-word characters, lower-cased, empty tokens dropped),
// groupBy(word) through a repartition topic named "byWord", count() into a changelogged store
// named "counts", to(output) with String keys and Long values.
//
//   java -jar bench/bin/kafka-streams/wordcount.jar --bootstrap 127.0.0.1:9092 --input TOPIC \
//        --output TOPIC --application-id ID --state-dir DIR \
//        [--guarantee at_least_once|exactly_once_v2] [--commit-interval-ms 1000] [--threads 1]
//        [--instance-id ID]
//
// stdout carries one JSON line per event, for the bench to read:
//   {"type":"state","state":"RUNNING","at":ms}   every KafkaStreams state change
//   {"type":"first","at":ms}                     the first line this process consumed
//   {"type":"progress","lines":n,"words":n,"at":ms}  once a second
//   {"type":"closed","at":ms,"clean":true}       after SIGTERM: streams.close() returned
//   {"type":"error","message":"..."}             an uncaught exception in a stream thread
// SIGTERM (the JVM's shutdown hook) closes the app gracefully: it commits and flushes, as weir's
// SIGTERM drain does, so the restart in the middle of a bench round is the same for both.
package weir.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;

public final class WordCount {
  /** Java's \W is [^a-zA-Z0-9_], as JavaScript's; the bench computes the expected counts the same way. */
  private static final Pattern NON_WORD = Pattern.compile("\\W+");

  private static final LongAdder LINES = new LongAdder();
  private static final LongAdder WORDS = new LongAdder();
  private static final AtomicBoolean FIRST = new AtomicBoolean(false);

  public static void main(String[] argv) throws Exception {
    Map<String, String> args = parse(argv);
    String input = required(args, "input");
    String output = required(args, "output");
    String guarantee = args.getOrDefault("guarantee", StreamsConfig.AT_LEAST_ONCE);
    if (!guarantee.equals(StreamsConfig.AT_LEAST_ONCE) && !guarantee.equals(StreamsConfig.EXACTLY_ONCE_V2))
      fail("--guarantee must be at_least_once or exactly_once_v2, got " + guarantee);

    Properties props = new Properties();
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args.getOrDefault("bootstrap", "127.0.0.1:9092"));
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, required(args, "application-id"));
    props.put(StreamsConfig.STATE_DIR_CONFIG, required(args, "state-dir"));
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, args.getOrDefault("commit-interval-ms", "1000"));
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, args.getOrDefault("threads", "1"));
    props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.String().getClass());
    props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.String().getClass());
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    // Static membership: Kafka Streams does not leave the group on close, so a restarted dynamic
    // member waits out the 45 s session timeout before it is assigned; with a group.instance.id it
    // takes its partitions back at once. Steady-state processing is the same either way.
    if (args.containsKey("instance-id")) props.put(StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), args.get("instance-id"));

    Topology topology = build(input, output);
    KafkaStreams streams = new KafkaStreams(topology, props);
    CountDownLatch done = new CountDownLatch(1);
    streams.setStateListener((now, before) -> {
      emit("{\"type\":\"state\",\"state\":\"" + now + "\",\"from\":\"" + before + "\",\"at\":" + System.currentTimeMillis() + "}");
      if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) done.countDown();
    });
    streams.setUncaughtExceptionHandler(e -> {
      emit("{\"type\":\"error\",\"message\":" + quote(String.valueOf(e)) + "}");
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });

    ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "progress");
      t.setDaemon(true);
      return t;
    });
    ticker.scheduleAtFixedRate(WordCount::progress, 1, 1, TimeUnit.SECONDS);

    Thread hook = new Thread(() -> {
      boolean clean = streams.close(Duration.ofSeconds(60));
      progress();
      emit("{\"type\":\"closed\",\"clean\":" + clean + ",\"at\":" + System.currentTimeMillis() + "}");
      done.countDown();
    }, "sigterm");
    Runtime.getRuntime().addShutdownHook(hook);

    emit("{\"type\":\"topology\",\"description\":" + quote(topology.describe().toString()) + "}");
    streams.start();
    done.await();
    // Reached on ERROR without a signal: say so through the exit code (the hook still closes).
    if (streams.state() == KafkaStreams.State.ERROR) System.exit(1);
  }

  static Topology build(String input, String output) {
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
        .flatMapValues(line -> {
          if (FIRST.compareAndSet(false, true)) emit("{\"type\":\"first\",\"at\":" + System.currentTimeMillis() + "}");
          LINES.increment();
          List<String> words = new ArrayList<>();
          if (line == null) return words;
          for (String w : NON_WORD.split(line.toLowerCase(Locale.ROOT))) if (!w.isEmpty()) words.add(w);
          WORDS.add(words.size());
          return words;
        })
        .groupBy((key, word) -> word, Grouped.with("byWord", Serdes.String(), Serdes.String()))
        .count(Materialized.as("counts"))
        .toStream()
        .to(output, Produced.with(Serdes.String(), Serdes.Long()));
    return builder.build();
  }

  private static void progress() {
    emit("{\"type\":\"progress\",\"lines\":" + LINES.sum() + ",\"words\":" + WORDS.sum() + ",\"at\":" + System.currentTimeMillis() + "}");
  }

  private static synchronized void emit(String json) {
    System.out.println(json);
    System.out.flush();
  }

  private static Map<String, String> parse(String[] argv) {
    Map<String, String> out = new HashMap<>();
    for (int i = 0; i < argv.length; i++) {
      if (!argv[i].startsWith("--") || i + 1 >= argv.length) fail("expected --name value pairs, got " + String.join(" ", argv));
      out.put(argv[i].substring(2), argv[++i]);
    }
    return out;
  }

  private static String required(Map<String, String> args, String name) {
    String v = args.get(name);
    if (v == null || v.isEmpty()) fail("--" + name + " is required");
    return v;
  }

  private static void fail(String message) {
    System.err.println("wordcount: " + message);
    System.exit(2);
  }

  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c == '\n') b.append("\\n");
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }
}
