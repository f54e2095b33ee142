// Waiting for conditions instead of sleeping for fixed times (the engine's waitUntil, throwing on timeout).
import { waitUntil } from "../../engine/wait.ts";

/** Polls `cond` until it returns a truthy value or the deadline passes (then throws with `what`). */
export async function waitFor<T>(cond: () => T | Promise<T>, what: string, timeoutMs = 30_000, everyMs = 20): Promise<NonNullable<T>> {
  let value: T | undefined;
  const ok = await waitUntil(async () => Boolean((value = await cond())), { timeoutMs, intervalMs: everyMs });
  if (!ok) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  return value as NonNullable<T>;
}
