// What producers, consumers and the admin client share: creating the rd_kafka_t handle from
// validated config, and serving the non-message events (errors, logs, statistics) that the
// event API hands over on the caller's thread.
import { CString } from "bun:ffi";
import { WeirError, type KafkaError } from "../errors.ts";
import { logger, type Logger } from "../log.ts";
import { buildConf, errstrBuffer, errstrText } from "./config.ts";
import { kafkaError } from "./kafka-error.ts";
import { rdk, EVENT, ERR, type Ptr } from "./native.ts";
import type { KafkaConfig } from "./types.ts";

export type ClientKind = "producer" | "consumer" | "admin";

/** librdkafka statistics (statistics.interval.ms) are handed to every listener as parsed JSON. */
export type StatsListener = (stats: Record<string, unknown>) => void;
export type ErrorListener = (err: KafkaError) => void;

const statsListeners = new Set<StatsListener>();
/** Registers a process-wide listener for librdkafka statistics from every weir client. */
export function onLibrdkafkaStats(fn: StatsListener): () => void {
  statsListeners.add(fn);
  return () => statsListeners.delete(fn);
}

const SYSLOG_TO_LEVEL = ["fatal", "fatal", "fatal", "error", "warn", "info", "info", "debug"] as const;

export abstract class KafkaClient {
  readonly rk: Ptr;
  readonly log: Logger;
  readonly name: string;
  protected closed = false;
  private errorListeners = new Set<ErrorListener>();
  /** The last error librdkafka reported; health checks read it. */
  lastError: KafkaError | null = null;

  constructor(kind: ClientKind, type: 0 | 1, config: KafkaConfig, eventMask: number) {
    const f = rdk();
    const conf = buildConf({ "log.queue": true, ...config });
    f.rd_kafka_conf_set_events(conf, eventMask | EVENT.ERROR | EVENT.LOG | EVENT.STATS);
    const errstr = errstrBuffer();
    const rk = f.rd_kafka_new(type, conf, errstr, errstr.length);
    if (!rk) {
      // rd_kafka_new only takes ownership of conf on success.
      f.rd_kafka_conf_destroy(conf);
      throw new WeirError("CONFIG_INVALID", `could not create Kafka ${kind}: ${errstrText(errstr)}`, { details: { kind } });
    }
    this.rk = rk;
    this.name = String(f.rd_kafka_name(rk));
    this.log = logger(`kafka.${kind}`, { client: this.name });
    // Route librdkafka's own logs to the main queue as events, so they become structured JSON here.
    f.rd_kafka_set_log_queue(rk, null);
  }

  /** Per error code: when it was last logged and how many times it came since. */
  private readonly errorLog = new Map<number, { at: number; since: number }>();

  /**
   * With no broker, librdkafka reports the same error several times a second. Each code is logged
   * once, then at most every 30 s with the count of those left out; -1 means leave this one out.
   */
  private repeats(code: number): number {
    const now = Date.now();
    const e = this.errorLog.get(code);
    if (!e || now - e.at >= 30_000) {
      this.errorLog.set(code, { at: now, since: 0 });
      return e?.since ?? 0;
    }
    e.since++;
    return -1;
  }

  onError(fn: ErrorListener): () => void {
    this.errorListeners.add(fn);
    return () => this.errorListeners.delete(fn);
  }

  /**
   * Handles one non-message event and destroys it. Errors are logged and reported, never thrown:
   * librdkafka reconnects on its own; only fatal errors make the client unusable.
   */
  protected handleEvent(ev: Ptr): void {
    const f = rdk();
    const type = f.rd_kafka_event_type(ev);
    if (type !== EVENT.ERROR && type !== EVENT.LOG && type !== EVENT.STATS) return this.handleOtherEvent(ev, type);
    // The event is destroyed even when a listener throws.
    try {
      if (type === EVENT.ERROR) {
        const code = f.rd_kafka_event_error(ev);
        const fatal = f.rd_kafka_event_error_is_fatal(ev) !== 0;
        const msg = String(f.rd_kafka_event_error_string(ev));
        const err = kafkaError(code, `${this.name}`, { fatal, message: msg });
        this.lastError = err;
        // Transport and all-brokers-down are expected while a broker restarts: warn, not error.
        const level = fatal ? "error" : code === ERR._TRANSPORT || code === ERR._ALL_BROKERS_DOWN ? "warn" : "error";
        const suppressed = fatal ? 0 : this.repeats(code);
        if (suppressed >= 0) this.log[level]("kafka error", { code: err.kafkaName, fatal, message: msg, ...(suppressed ? { suppressed } : {}) });
        for (const l of this.errorListeners) l(err);
      } else if (type === EVENT.LOG) {
        const fac = new BigUint64Array(1);
        const str = new BigUint64Array(1);
        const lvl = new Int32Array(1);
        f.rd_kafka_event_log(ev, fac, str, lvl);
        const level = SYSLOG_TO_LEVEL[Math.min(7, Math.max(0, lvl[0]))];
        if (this.log.enabled(level)) {
          const facility = fac[0] ? new CString(Number(fac[0]) as unknown as Ptr).toString() : "";
          const message = str[0] ? new CString(Number(str[0]) as unknown as Ptr).toString() : "";
          this.log[level]("librdkafka", { facility, message });
        }
      } else if (statsListeners.size) {
        const json = String(f.rd_kafka_event_stats(ev));
        try {
          const stats = JSON.parse(json) as Record<string, unknown>;
          for (const l of statsListeners) l(stats);
        } catch {
          this.log.warn("unparseable librdkafka statistics");
        }
      }
    } finally {
      f.rd_kafka_event_destroy(ev);
    }
  }

  /** Subclasses handle their own event types (rebalance, commit results) and destroy the event. */
  protected handleOtherEvent(ev: Ptr, type: number): void {
    this.log.debug("unhandled kafka event", { type, name: String(rdk().rd_kafka_event_name(ev)) });
    rdk().rd_kafka_event_destroy(ev);
  }

  protected assertOpen(op: string): void {
    if (this.closed) throw new WeirError("KAFKA_CLOSED", `${op}: ${this.name} is closed`);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
