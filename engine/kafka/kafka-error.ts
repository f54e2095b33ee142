// librdkafka error codes and rd_kafka_error_t objects turned into typed KafkaErrors.
import { KafkaError, type ErrorCode } from "../errors.ts";
import { rdk, cstr, ERR, type Ptr } from "./native.ts";

/** Codes where trying again (after a back-off) can succeed: transport, leadership, coordinator moves. */
const RETRIABLE = new Set<number>([
  ERR._TRANSPORT, ERR._TIMED_OUT, ERR._QUEUE_FULL, ERR._ALL_BROKERS_DOWN, -192 /* _MSG_TIMED_OUT */, -193 /* _WAIT_COORD */,
  -180 /* _WAIT_CACHE */, 5 /* LEADER_NOT_AVAILABLE */, 6 /* NOT_LEADER_FOR_PARTITION */, 7 /* REQUEST_TIMED_OUT */,
  13 /* NETWORK_EXCEPTION */, 14 /* COORDINATOR_LOAD_IN_PROGRESS */, 15 /* COORDINATOR_NOT_AVAILABLE */,
  16 /* NOT_COORDINATOR */, 19 /* NOT_ENOUGH_REPLICAS */, 20 /* NOT_ENOUGH_REPLICAS_AFTER_APPEND */,
  27 /* REBALANCE_IN_PROGRESS */, 51 /* CONCURRENT_TRANSACTIONS */, ERR.UNKNOWN_TOPIC_OR_PART,
]);

export function errName(code: number): string {
  return cstr(rdk().rd_kafka_err2name(code) as unknown as Ptr) || String(rdk().rd_kafka_err2name(code));
}

/** A KafkaError from a bare rd_kafka_resp_err_t. */
export function kafkaError(code: number, context: string, opts: { fatal?: boolean; weirCode?: ErrorCode; details?: Record<string, unknown>; message?: string } = {}): KafkaError {
  const name = String(rdk().rd_kafka_err2name(code));
  const text = opts.message ?? String(rdk().rd_kafka_err2str(code));
  return new KafkaError(`${context}: ${name}: ${text}`, { code, name, retriable: RETRIABLE.has(code), fatal: opts.fatal }, { code: opts.weirCode, details: opts.details });
}

/** Converts and destroys an rd_kafka_error_t* (NULL means success → null). */
export function takeError(errPtr: Ptr | null, context: string): KafkaError | null {
  if (!errPtr) return null;
  const f = rdk();
  const code = f.rd_kafka_error_code(errPtr);
  const name = String(f.rd_kafka_error_name(errPtr));
  const text = String(f.rd_kafka_error_string(errPtr));
  const fatal = f.rd_kafka_error_is_fatal(errPtr) !== 0;
  const retriable = f.rd_kafka_error_is_retriable(errPtr) !== 0 || RETRIABLE.has(code);
  const txnRequiresAbort = f.rd_kafka_error_txn_requires_abort(errPtr) !== 0;
  f.rd_kafka_error_destroy(errPtr);
  return new KafkaError(`${context}: ${name}: ${text}`, { code, name, retriable, fatal, txnRequiresAbort });
}
