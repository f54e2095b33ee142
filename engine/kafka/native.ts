// Loads librdkafka through bun:ffi, together with weir's small C shim (native/weir_shim.c) that
// packs whole batches so the hot paths make one FFI call per batch, not per message.
// The shim is compiled with gcc against the located librdkafka, once, into vendor/weir/.
import { dlopen, FFIType, CString, type Pointer } from "bun:ffi";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { locateLibrdkafka, type LibrdkafkaLocation } from "./library-path.ts";
import { WeirError } from "../errors.ts";

const { ptr: P, i32, i64, u64, cstring, void: V, usize } = {
  ptr: FFIType.ptr,
  i32: FFIType.i32,
  i64: FFIType.i64,
  u64: FFIType.u64,
  cstring: FFIType.cstring,
  void: FFIType.void,
  usize: FFIType.u64,
};

const SYMBOLS = {
  // version and errors
  rd_kafka_version: { args: [], returns: i32 },
  rd_kafka_version_str: { args: [], returns: cstring },
  rd_kafka_err2name: { args: [i32], returns: cstring },
  rd_kafka_err2str: { args: [i32], returns: cstring },
  rd_kafka_error_code: { args: [P], returns: i32 },
  rd_kafka_error_name: { args: [P], returns: cstring },
  rd_kafka_error_string: { args: [P], returns: cstring },
  rd_kafka_error_is_fatal: { args: [P], returns: i32 },
  rd_kafka_error_is_retriable: { args: [P], returns: i32 },
  rd_kafka_error_txn_requires_abort: { args: [P], returns: i32 },
  rd_kafka_error_destroy: { args: [P], returns: V },
  rd_kafka_fatal_error: { args: [P, P, usize], returns: i32 },
  // configuration
  rd_kafka_conf_new: { args: [], returns: P },
  rd_kafka_conf_destroy: { args: [P], returns: V },
  rd_kafka_conf_set: { args: [P, cstring, cstring, P, usize], returns: i32 },
  rd_kafka_conf_set_events: { args: [P, i32], returns: V },
  // handles and queues
  rd_kafka_new: { args: [i32, P, P, usize], returns: P },
  rd_kafka_destroy: { args: [P], returns: V },
  rd_kafka_destroy_flags: { args: [P, i32], returns: V },
  rd_kafka_name: { args: [P], returns: cstring },
  rd_kafka_memberid: { args: [P], returns: P },
  rd_kafka_mem_free: { args: [P, P], returns: V },
  rd_kafka_queue_get_main: { args: [P], returns: P },
  rd_kafka_queue_get_consumer: { args: [P], returns: P },
  rd_kafka_queue_new: { args: [P], returns: P },
  rd_kafka_queue_destroy: { args: [P], returns: V },
  rd_kafka_queue_poll: { args: [P, i32], returns: P },
  rd_kafka_queue_forward: { args: [P, P], returns: V },
  rd_kafka_queue_io_event_enable: { args: [P, i32, P, usize], returns: V },
  rd_kafka_set_log_queue: { args: [P, P], returns: i32 },
  rd_kafka_poll_set_consumer: { args: [P], returns: i32 },
  rd_kafka_outq_len: { args: [P], returns: i32 },
  rd_kafka_flush: { args: [P, i32], returns: i32 },
  rd_kafka_purge: { args: [P, i32], returns: i32 },
  // events
  rd_kafka_event_type: { args: [P], returns: i32 },
  rd_kafka_event_name: { args: [P], returns: cstring },
  rd_kafka_event_destroy: { args: [P], returns: V },
  rd_kafka_event_error: { args: [P], returns: i32 },
  rd_kafka_event_error_string: { args: [P], returns: cstring },
  rd_kafka_event_error_is_fatal: { args: [P], returns: i32 },
  rd_kafka_event_stats: { args: [P], returns: cstring },
  rd_kafka_event_log: { args: [P, P, P, P], returns: i32 },
  rd_kafka_event_topic_partition_list: { args: [P], returns: P },
  // topics
  rd_kafka_topic_name: { args: [P], returns: cstring },
  rd_kafka_topic_partition_list_destroy: { args: [P], returns: V },
  // consumer
  rd_kafka_subscribe: { args: [P, P], returns: i32 },
  rd_kafka_unsubscribe: { args: [P], returns: i32 },
  rd_kafka_rebalance_protocol: { args: [P], returns: cstring },
  rd_kafka_assign: { args: [P, P], returns: i32 },
  rd_kafka_incremental_assign: { args: [P, P], returns: P },
  rd_kafka_incremental_unassign: { args: [P, P], returns: P },
  rd_kafka_assignment_lost: { args: [P], returns: i32 },
  rd_kafka_assignment: { args: [P, P], returns: i32 },
  rd_kafka_commit_queue: { args: [P, P, P, P, P], returns: i32 },
  rd_kafka_committed: { args: [P, P, i32], returns: i32 },
  rd_kafka_position: { args: [P, P], returns: i32 },
  rd_kafka_pause_partitions: { args: [P, P], returns: i32 },
  rd_kafka_resume_partitions: { args: [P, P], returns: i32 },
  rd_kafka_seek_partitions: { args: [P, P, i32], returns: P },
  rd_kafka_query_watermark_offsets: { args: [P, cstring, i32, P, P, i32], returns: i32 },
  rd_kafka_get_watermark_offsets: { args: [P, cstring, i32, P, P], returns: i32 },
  rd_kafka_consumer_close: { args: [P], returns: i32 },
  rd_kafka_consumer_close_queue: { args: [P, P], returns: P },
  rd_kafka_consumer_closed: { args: [P], returns: i32 },
  rd_kafka_consumer_group_metadata: { args: [P], returns: P },
  rd_kafka_consumer_group_metadata_destroy: { args: [P], returns: V },
  // transactions
  rd_kafka_init_transactions: { args: [P, i32], returns: P },
  rd_kafka_begin_transaction: { args: [P], returns: P },
  rd_kafka_send_offsets_to_transaction: { args: [P, P, P, i32], returns: P },
  rd_kafka_commit_transaction: { args: [P, i32], returns: P },
  rd_kafka_abort_transaction: { args: [P, i32], returns: P },
  // admin
  rd_kafka_NewTopic_new: { args: [cstring, i32, i32, P, usize], returns: P },
  rd_kafka_NewTopic_destroy: { args: [P], returns: V },
  rd_kafka_NewTopic_set_config: { args: [P, cstring, cstring], returns: i32 },
  rd_kafka_DeleteTopic_new: { args: [cstring], returns: P },
  rd_kafka_DeleteTopic_destroy: { args: [P], returns: V },
  rd_kafka_CreateTopics: { args: [P, P, usize, P, P], returns: V },
  rd_kafka_DeleteTopics: { args: [P, P, usize, P, P], returns: V },
  rd_kafka_AdminOptions_new: { args: [P, i32], returns: P },
  rd_kafka_AdminOptions_destroy: { args: [P], returns: V },
  rd_kafka_AdminOptions_set_operation_timeout: { args: [P, i32, P, usize], returns: i32 },
  rd_kafka_AdminOptions_set_request_timeout: { args: [P, i32, P, usize], returns: i32 },
  // the shim
  weir_shim_version: { args: [], returns: i32 },
  weir_produce: { args: [P, P, i64, i32, P, P], returns: i32 },
  weir_poller_new: { args: [P, P], returns: P },
  weir_poller_destroy: { args: [P], returns: V },
  weir_poll_dr: { args: [P, i32, i32, P, P], returns: i32 },
  weir_poll_messages: { args: [P, i32, P, i64, P, P, P], returns: i32 },
  weir_pending_size: { args: [P], returns: i64 },
  weir_forward_partitions: { args: [P, P, P], returns: i32 },
  weir_tpl_from_buf: { args: [P, i32], returns: P },
  weir_tpl_to_buf: { args: [P, P, i64], returns: i64 },
  weir_metadata: { args: [P, cstring, i32, P, i64, P], returns: i64 },
  weir_topic_results: { args: [P, P, i64, P], returns: i32 },
} as const;

export const SHIM_SOURCE = resolve(import.meta.dir, "native/weir_shim.c");
const SHIM_VERSION = 5;
/** rdkafka.h from the librdkafka source the npm package ships; the shim uses only long-stable API. */
const HEADER_DIRS = [
  resolve(import.meta.dir, "../../node_modules/@confluentinc/kafka-javascript/deps/librdkafka/src"),
  resolve(import.meta.dir, "../../vendor/librdkafka/include/librdkafka"),
  "/usr/include/librdkafka",
];

/** Builds (if needed) the shim for a given librdkafka and returns its path. */
export function ensureShim(lib: LibrdkafkaLocation): string {
  const src = readFileSync(SHIM_SOURCE);
  const tag = createHash("sha256").update(src).update(lib.path).update(lib.version).digest("hex").slice(0, 12);
  const outDir = resolve(import.meta.dir, "../../vendor/weir");
  const out = join(outDir, `libweir_shim-${tag}.so`);
  if (existsSync(out)) return out;
  const include = HEADER_DIRS.find((d) => existsSync(join(d, "rdkafka.h")));
  if (!include) {
    throw new WeirError("LIBRDKAFKA_NOT_FOUND", "rdkafka.h not found to build weir's FFI shim; run `bun install` (it brings the librdkafka source)", {
      details: { tried: HEADER_DIRS },
    });
  }
  mkdirSync(outDir, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const cc = process.env.CC || "cc";
  const proc = Bun.spawnSync([cc, "-O2", "-shared", "-fPIC", "-I", include, SHIM_SOURCE, lib.path, `-Wl,-rpath,${dirname(lib.path)}`, "-o", tmp], {
    stderr: "pipe",
  });
  if (proc.exitCode !== 0) {
    throw new WeirError("LIBRDKAFKA_NOT_FOUND", `compiling weir's FFI shim failed (${cc}): ${proc.stderr.toString().slice(0, 2000)}`, {
      details: { hint: "install build-essential" },
    });
  }
  // Rename is atomic, so concurrent processes never load a half-written library.
  require("node:fs").renameSync(tmp, out);
  return out;
}

function load() {
  const lib = locateLibrdkafka();
  if (!lib) throw new WeirError("LIBRDKAFKA_NOT_FOUND", "librdkafka not found");
  const shim = ensureShim(lib);
  // dlsym on the shim's handle also finds librdkafka's symbols: the shim links it by path+rpath,
  // so both resolve to the very same library instance.
  const handle = dlopen(shim, SYMBOLS);
  const v = handle.symbols.weir_shim_version();
  if (v !== SHIM_VERSION) throw new WeirError("LIBRDKAFKA_NOT_FOUND", `weir shim version ${v}, expected ${SHIM_VERSION}`);
  return { lib, symbols: handle.symbols as unknown as Record<keyof typeof SYMBOLS, FfiFn> };
}

/**
 * The FFI symbol table, loaded on first use. Typed loosely on purpose: bun:ffi's inferred pointer
 * types do not model out-parameters and nullable handles, and every call site is covered by the
 * integration tests against a real broker.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type FfiFn = (...args: any[]) => any;
let loaded: { lib: LibrdkafkaLocation; symbols: Record<keyof typeof SYMBOLS, FfiFn> } | null = null;
export function rdk(): Record<keyof typeof SYMBOLS, FfiFn> {
  return (loaded ??= load()).symbols;
}
export function librdkafkaInfo(): LibrdkafkaLocation {
  return (loaded ??= load()).lib;
}

export type Ptr = Pointer;
export function cstr(p: Pointer | null): string {
  return p ? new CString(p).toString() : "";
}
/** NUL-terminated UTF-8 for `cstring` arguments. */
export function z(s: string): Uint8Array {
  return Buffer.from(s + "\0", "utf8");
}

// Constants from rdkafka.h.
export const RD_KAFKA_PRODUCER = 0;
export const RD_KAFKA_CONSUMER = 1;
export const EVENT = {
  DR: 0x1,
  FETCH: 0x2,
  LOG: 0x4,
  ERROR: 0x8,
  REBALANCE: 0x10,
  OFFSET_COMMIT: 0x20,
  STATS: 0x40,
  CREATETOPICS_RESULT: 100,
  DELETETOPICS_RESULT: 101,
} as const;
export const ERR = {
  NO_ERROR: 0,
  _BAD_MSG: -199,
  _TRANSPORT: -195,
  _PARTITION_EOF: -191,
  _FATAL: -150,
  _TIMED_OUT: -185,
  _QUEUE_FULL: -184,
  _ALL_BROKERS_DOWN: -187,
  _ASSIGN_PARTITIONS: -175,
  _REVOKE_PARTITIONS: -174,
  _NO_OFFSET: -168,
  _UNKNOWN_TOPIC: -188,
  _UNKNOWN_PARTITION: -190,
  _STATE: -172,
  _PURGE_QUEUE: -152,
  _PURGE_INFLIGHT: -151,
  TOPIC_ALREADY_EXISTS: 36,
  UNKNOWN_TOPIC_OR_PART: 3,
} as const;
export const OFFSET = { BEGINNING: -2, END: -1, STORED: -1000, INVALID: -1001 } as const;
export const PARTITION_UA = -1;
