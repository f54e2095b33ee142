// Exponential backoff, written once: retries of agents, sinks, alert webhooks and the LLM gateway
// all wait `initialMs * 2^(attempt-1)`, capped at `maxMs`, optionally with full jitter (a random
// delay in [0, that]) so many clients retrying at once spread out.

export interface BackoffOptions {
  /** The delay before the first retry (attempt 1). */
  initialMs: number;
  /** The cap. */
  maxMs: number;
  /** "full": a random delay in [0, cap) instead of the cap itself. Default "none". */
  jitter?: "none" | "full";
  /** For tests: the random source used by full jitter. */
  random?: () => number;
}

/**
 * The delay before retry number `attempt` (1-based): min(maxMs, initialMs * 2^(attempt-1)), or a
 * random whole number of milliseconds below it with full jitter.
 * @example
 * backoffMs(3, { initialMs: 100, maxMs: 5_000 }); // 400
 * backoffMs(3, { initialMs: 100, maxMs: 5_000, jitter: "full" }); // 0..399
 */
export function backoffMs(attempt: number, opts: BackoffOptions): number {
  // Past 2^60 the product is beyond any cap; clamping the exponent keeps it finite.
  const cap = opts.initialMs <= 0 ? 0 : Math.min(opts.maxMs, opts.initialMs * 2 ** Math.min(Math.max(attempt - 1, 0), 60));
  return opts.jitter === "full" ? Math.floor((opts.random ?? Math.random)() * cap) : cap;
}
