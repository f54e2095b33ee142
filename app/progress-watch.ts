// Readiness that notices a frozen pipeline. A pipeline can stop moving without crashing (a stream
// that errored, a stuck sink): records wait (lag > 0) and nothing finishes. This watch samples
// "records finished" and "lag" and reports not ready, with the reason, once lag has been above
// zero for `stallMs` without a single record finishing. It reads only the pipelines' public
// figures (stats.done, lag()), so it works for any transport.
import type { ComponentHealth } from "../engine/sinks/sink.ts";

export interface ProgressSample {
  /** Records finished so far (monotonic). */
  done: number;
  /** Records waiting across the assigned partitions; undefined when it could not be read. */
  lag: number | undefined;
}

export interface ProgressWatchOptions {
  sample: () => Promise<ProgressSample>;
  now?: () => number;
  /** How long lag may stay above zero with nothing finishing before /ready says no (default 60 s). */
  stallMs?: number;
  /** Extra figures for the probe's detail (the pipeline's counters). */
  figures?: () => Record<string, unknown>;
}

export class ProgressWatch {
  private readonly now: () => number;
  readonly stallMs: number;
  private lastDone = -1;
  /** When `done` last moved, or lag was last zero. */
  private movedAt: number;
  private last: ProgressSample = { done: 0, lag: 0 };

  constructor(private readonly opts: ProgressWatchOptions) {
    this.now = opts.now ?? Date.now;
    this.stallMs = opts.stallMs ?? 60_000;
    this.movedAt = this.now();
  }

  /** Takes one sample; call it periodically (weir run: every stallMs / 6). */
  async check(): Promise<void> {
    const s = await this.opts.sample();
    const t = this.now();
    if (s.done !== this.lastDone || !s.lag) this.movedAt = t;
    this.lastDone = s.done;
    this.last = s;
  }

  /** The /ready and /health probe. */
  probe(): ComponentHealth {
    const stalledMs = this.now() - this.movedAt;
    const stalled = (this.last.lag ?? 0) > 0 && stalledMs >= this.stallMs;
    const detail: Record<string, unknown> = { ...this.opts.figures?.(), lag: this.last.lag ?? null };
    if (stalled) detail.reason = `no record finished for ${Math.round(stalledMs / 1000)} s while ${this.last.lag} records wait; see the error lines in the log`;
    return { name: "pipeline", ok: !stalled, detail };
  }
}
