// A circuit breaker per provider: after `threshold` consecutive failures it opens for `coolDownMs`,
// then lets one trial call through (half-open); success closes it, failure opens it again.
import type { Clock } from "../../engine/clock.ts";

export type BreakerState = "closed" | "open" | "half-open";

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private state: BreakerState = "closed";
  private trial = false;
  constructor(
    private readonly clock: Clock,
    private readonly threshold = 5,
    private readonly coolDownMs = 30_000,
  ) {}
  current(): BreakerState {
    if (this.state === "open" && this.clock.now() - this.openedAt >= this.coolDownMs) this.state = "half-open";
    return this.state;
  }
  /** May a call go through now? In half-open, only one trial at a time. */
  allow(): boolean {
    const s = this.current();
    if (s === "closed") return true;
    if (s === "half-open" && !this.trial) return (this.trial = true);
    return false;
  }
  success() {
    this.failures = 0;
    this.state = "closed";
    this.trial = false;
  }
  failure() {
    this.trial = false;
    if (this.state === "half-open" || ++this.failures >= this.threshold) {
      this.state = "open";
      this.openedAt = this.clock.now();
    }
  }
}
