// Waiting for a condition instead of sleeping for a fixed time: drains, idleness and settling all
// poll a cheap in-process condition at a short interval until it holds or a deadline passes.

export interface WaitOptions {
  /** Give up after this long (default: never). */
  timeoutMs?: number;
  /** How often to look (default 5 ms). */
  intervalMs?: number;
}

/**
 * Polls `cond` until it is true (→ true) or `timeoutMs` has passed (→ false). Real time: this is
 * for waiting on work in this process, not for simulated time.
 * @example
 * const drained = await waitUntil(() => tracker.inFlight() === 0, { timeoutMs: 30_000 });
 */
export async function waitUntil(cond: () => boolean | Promise<boolean>, opts: WaitOptions = {}): Promise<boolean> {
  const intervalMs = opts.intervalMs ?? 5;
  const deadline = opts.timeoutMs === undefined ? Infinity : Date.now() + opts.timeoutMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
