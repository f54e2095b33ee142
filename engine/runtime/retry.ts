// Bounded retries with exponential backoff and full jitter. The decision reads only
// WeirError.retriable: agents and sinks say whether trying again can help.
import { backoffMs } from "../backoff.ts";
import type { Clock } from "../clock.ts";
import { isRetriable, toWeirError, type WeirError } from "../errors.ts";

export interface RetryPolicy {
  /** Retries after the first attempt (0 = try once). */
  attempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, initialBackoffMs: 100, maxBackoffMs: 10_000 };

/** The delay before retry number `n` (1-based) under `policy`: random in [0, min(max, initial * 2^(n-1))). */
export function retryDelayMs(policy: RetryPolicy, n: number, random = Math.random): number {
  return backoffMs(n, { initialMs: policy.initialBackoffMs, maxMs: policy.maxBackoffMs, jitter: "full", random });
}

export class RetriesExhausted extends Error {
  constructor(
    readonly last: WeirError,
    readonly attempts: number,
  ) {
    super(`${last.message} (after ${attempts} attempt${attempts === 1 ? "" : "s"})`);
    this.name = "RetriesExhausted";
  }
}

/** Runs `fn(attempt)` until it succeeds, fails with a non-retriable error, or the retries run out. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, policy: RetryPolicy, clock: Clock, onRetry?: (err: WeirError, attempt: number, delayMs: number) => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      const err = toWeirError(e, "AGENT_FAILED");
      if (!isRetriable(err) || attempt > policy.attempts) throw new RetriesExhausted(err, attempt);
      const delay = retryDelayMs(policy, attempt);
      onRetry?.(err, attempt, delay);
      await clock.sleep(delay);
    }
  }
}
