// One error module for all of weir. Retry and dead-letter decisions read only `code` and `retriable`;
// the API maps `code` to an HTTP status in one place (api/errors.ts).

export const ERROR_CODES = [
  // configuration and input
  "CONFIG_INVALID",
  "TOPOLOGY_INVALID",
  "VALIDATION_FAILED",
  "SERDE_FAILED",
  // Kafka (librdkafka codes ride along in `kafka`)
  "KAFKA_ERROR",
  "KAFKA_TIMEOUT",
  "KAFKA_FATAL",
  "KAFKA_DELIVERY_FAILED",
  "KAFKA_CLOSED",
  "LIBRDKAFKA_NOT_FOUND",
  // runtime
  "AGENT_FAILED",
  "OPERATOR_FAILED",
  "AGENT_TIMEOUT",
  "BACKPRESSURE",
  "SHUTDOWN",
  "STATE_RESTORE_FAILED",
  // LLM gateway
  "LLM_RATE_LIMITED",
  "LLM_UNAVAILABLE",
  "LLM_BAD_OUTPUT",
  "LLM_TIMEOUT",
  "LLM_AUTH",
  "BUDGET_EXHAUSTED",
  "CIRCUIT_OPEN",
  "LLM_CASSETTE_MISS",
  // API and persistence
  "UNAUTHORIZED",
  "FORBIDDEN",
  "NOT_FOUND",
  "METHOD_NOT_ALLOWED",
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
  "RATE_LIMITED",
  "CONFLICT",
  "STORE_FAILED",
  "SINK_FAILED",
  "INTERNAL",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface WeirErrorOptions {
  retriable?: boolean;
  cause?: unknown;
  /** Structured details: field paths, librdkafka codes, locations. Must be JSON-serialisable. */
  details?: Record<string, unknown>;
}

/** Base error: a closed `code`, whether retrying may help, the cause, and structured details. */
export class WeirError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, opts: WeirErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "WeirError";
    this.code = code;
    this.retriable = opts.retriable ?? false;
    this.details = opts.details ?? {};
  }
  toJSON() {
    return { name: this.name, code: this.code, message: this.message, retriable: this.retriable, details: this.details };
  }
}

/** A librdkafka error: carries the numeric `rd_kafka_resp_err_t` and its symbolic name. */
export class KafkaError extends WeirError {
  readonly kafkaCode: number;
  readonly kafkaName: string;
  readonly fatal: boolean;
  constructor(
    message: string,
    kafka: { code: number; name: string; retriable?: boolean; fatal?: boolean; txnRequiresAbort?: boolean },
    opts: { cause?: unknown; code?: ErrorCode; details?: Record<string, unknown> } = {},
  ) {
    super(opts.code ?? (kafka.fatal ? "KAFKA_FATAL" : "KAFKA_ERROR"), message, {
      retriable: kafka.retriable ?? false,
      cause: opts.cause,
      details: { kafkaCode: kafka.code, kafkaName: kafka.name, ...(kafka.txnRequiresAbort ? { txnRequiresAbort: true } : {}), ...opts.details },
    });
    this.name = "KafkaError";
    this.kafkaCode = kafka.code;
    this.kafkaName = kafka.name;
    this.fatal = kafka.fatal ?? false;
  }
}

/** One problem in a user-supplied document (topology file, HTTP body, agent output). */
export interface FieldIssue {
  /** JSON-pointer-like path, e.g. `/agents/2/concurrency`. */
  path: string;
  message: string;
  expected?: string;
  /** Where in a source file, when there is one. */
  file?: string;
  line?: number;
  column?: number;
}

/** Several field problems reported at once, never only the first. */
export class ValidationError extends WeirError {
  readonly issues: FieldIssue[];
  constructor(code: "VALIDATION_FAILED" | "TOPOLOGY_INVALID" | "CONFIG_INVALID", message: string, issues: FieldIssue[]) {
    super(code, message, { details: { issues } });
    this.name = "ValidationError";
    this.issues = issues;
  }
  /** Human-readable: one line per issue, `file:line:col field: message (expected ...)`. */
  format(): string {
    return this.issues
      .map((i) => {
        const where = i.file ? `${i.file}${i.line ? `:${i.line}:${i.column ?? 1}` : ""} ` : "";
        return `${where}${i.path || "/"}: ${i.message}${i.expected ? ` (expected ${i.expected})` : ""}`;
      })
      .join("\n");
  }
}

export function isRetriable(err: unknown): boolean {
  return err instanceof WeirError ? err.retriable : false;
}

/** Normalises anything thrown into a WeirError, keeping the original as cause. */
export function toWeirError(err: unknown, code: ErrorCode = "INTERNAL"): WeirError {
  if (err instanceof WeirError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new WeirError(code, message, { cause: err });
}
