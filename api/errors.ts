// The one place mapping a WeirError `code` to an HTTP status, and the JSON error body:
// { error: { code, message, retriable, issues? } }.
import { toWeirError, type ErrorCode, type WeirError } from "../engine/errors.ts";

const STATUS: Partial<Record<ErrorCode, number>> = {
  VALIDATION_FAILED: 400,
  SERDE_FAILED: 400,
  CONFIG_INVALID: 500,
  TOPOLOGY_INVALID: 500,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  BACKPRESSURE: 503,
  SHUTDOWN: 503,
  KAFKA_ERROR: 503,
  KAFKA_TIMEOUT: 503,
  KAFKA_FATAL: 503,
  KAFKA_DELIVERY_FAILED: 503,
  KAFKA_CLOSED: 503,
  STORE_FAILED: 503,
  SINK_FAILED: 503,
  CIRCUIT_OPEN: 503,
};

export function httpStatus(code: ErrorCode): number {
  return STATUS[code] ?? 500;
}

export function errorBody(e: WeirError) {
  const issues = (e.details as { issues?: unknown }).issues;
  return { error: { code: e.code, message: e.code === "INTERNAL" ? "internal error" : e.message, retriable: e.retriable, ...(issues ? { issues } : {}) } };
}

export function toHttpError(err: unknown): { status: number; body: ReturnType<typeof errorBody>; error: WeirError } {
  const e = toWeirError(err);
  return { status: httpStatus(e.code), body: errorBody(e), error: e };
}
