// window: tumbling or hopping windows per key over record timestamps, counting or collecting. The
// windows are partition-owned state in a changelogged store (`<group>-<operator>-window-changelog`):
// a record is folded into its windows and committed at once (it is not held until the window
// closes), and a restart or a rebalance restores the open windows from the changelog.
// Time is stream time, as in Kafka Streams: the highest record timestamp seen in the partition, so a
// replayed backlog windows the same way it did live, and a window closes only as newer records arrive.
// Emit policy:
//   - onClose (default): one result per window, once stream time passes its end plus the grace
//     period. A record that arrives for a window already closed is late: dropped and counted.
//   - onUpdate: the window's running result, every time a record changes it (versioned by count).
// A graceful stop commits the open windows; they emit once they close, in whichever member owns
// their partition then. At-least-once, a window whose result was written but whose removal had not
// reached the changelog before a crash emits again (the same result); exactly-once, never.
import { Observable, type OperatorFunction } from "rxjs";
import { metrics } from "../observability/metrics.ts";
import type { StateStore } from "../state/state-store.ts";
import { completion, type Envelope } from "../runtime/envelope.ts";

const late = metrics.counter("weir_window_late_records_total", "Records that arrived for a window already closed (dropped)");

export interface WindowSpec {
  sizeMs: number;
  advanceMs: number;
  graceMs: number;
  collect: boolean;
  emit: "onClose" | "onUpdate";
}

export interface WindowResult {
  key: string;
  start: number;
  end: number;
  count: number;
  records?: Array<Record<string, unknown>>;
}

interface Stored {
  k: string;
  s: number;
  e: number;
  n: number;
  r?: Array<Record<string, unknown>>;
  /** Set once the window's result is being emitted (a new owner emits it again). */
  c?: 1;
}

const storeKey = (key: string, start: number) => JSON.stringify([key, start]);

/** The open windows of one window operator, per partition, and each partition's stream time. */
export class WindowState {
  /** Open windows per partition: store key → end. */
  private readonly open = new Map<number, Map<string, number>>();
  /** Stream time per partition: the highest record timestamp seen. */
  private readonly streamTime = new Map<number, number>();
  private emitClosed: ((w: WindowResult, partition: number, done: () => void) => void) | null = null;

  constructor(
    readonly store: StateStore,
    readonly spec: WindowSpec,
  ) {}

  /** Folds one record into every window that covers its timestamp; returns the windows it changed. */
  add(env: Envelope): WindowResult[] {
    const { sizeMs, advanceMs, graceMs, collect } = this.spec;
    const ts = env.timestamp;
    const p = env.partition;
    const now = Math.max(this.streamTime.get(p) ?? -Infinity, ts);
    this.streamTime.set(p, now);
    const changed: WindowResult[] = [];
    const first = Math.floor((ts - sizeMs) / advanceMs + 1) * advanceMs;
    for (let start = Math.max(0, first); start <= ts; start += advanceMs) {
      const end = start + sizeMs;
      if (end <= ts) continue;
      if (end + graceMs <= now) {
        late.inc({ window: this.store.changelog });
        continue;
      }
      const k = storeKey(env.key, start);
      const prev = this.store.get<Stored>(p, k);
      const next: Stored = { k: env.key, s: start, e: end, n: (prev?.n ?? 0) + 1, ...(collect ? { r: [...(prev?.r ?? []), env.value] } : {}) };
      this.store.put(p, k, next);
      let m = this.open.get(p);
      if (!m) this.open.set(p, (m = new Map()));
      m.set(k, end);
      changed.push(resultOf(next));
    }
    this.close(p);
    return changed;
  }

  /** Where closed windows go (the operator's subscriber). */
  onClose(emit: (w: WindowResult, partition: number, done: () => void) => void): void {
    this.emitClosed = emit;
  }

  /** Rebuilds the open windows and stream time of a restored partition; a window caught closing is emitted again. */
  assigned(partition: number): void {
    const mine = new Map<string, number>();
    this.open.set(partition, mine);
    let time = -Infinity;
    for (const [k, w] of this.store.entries<Stored>(partition)) {
      mine.set(k, w.e);
      if (w.c) time = Math.max(time, w.e + this.spec.graceMs);
    }
    if (time > -Infinity) this.streamTime.set(partition, time);
    this.close(partition);
  }

  revoked(partition: number): void {
    this.open.delete(partition);
    this.streamTime.delete(partition);
  }

  stop(): void {
    this.emitClosed = null;
  }

  /** Emits every window of the partition past its end plus grace; each leaves the store once its result is through. */
  private close(p: number) {
    const now = this.streamTime.get(p);
    const m = this.open.get(p);
    if (now === undefined || !m) return;
    for (const [k, end] of m) {
      if (end + this.spec.graceMs > now) continue;
      if (this.spec.emit === "onUpdate") {
        // Every change was emitted already: a closed window only leaves the store.
        m.delete(k);
        this.store.delete(p, k);
        continue;
      }
      if (!this.emitClosed) return;
      m.delete(k);
      const w = this.store.get<Stored>(p, k);
      if (!w) continue;
      this.store.put(p, k, { ...w, c: 1 });
      this.emitClosed(resultOf(w), p, () => {
        if (this.store.get<Stored>(p, k)?.c) this.store.delete(p, k);
      });
    }
  }
}

function resultOf(w: Stored): WindowResult {
  return { key: w.k, start: w.s, end: w.e, count: w.n, ...(w.r ? { records: w.r } : {}) };
}

/**
 * The window operator over envelopes. onClose: records are folded and released at once, and each
 * closed window enters the stream as a record of its own (its partition's, with no source offset).
 * onUpdate: each record continues as the running result of the windows it changed.
 */
export function windowBy(state: WindowState): OperatorFunction<Envelope, Envelope> {
  return (source) =>
    new Observable<Envelope>((sub) => {
      if (state.spec.emit === "onClose")
        state.onClose((w, partition, done) => {
          const c = completion(done);
          const value = w as unknown as Record<string, unknown>;
          const raw = { topic: `${state.store.changelog}`, partition, offset: -1, key: w.key, value: JSON.stringify(value), headers: [] };
          sub.next({ value, key: w.key, topic: raw.topic, partition, offset: -1, headers: [], timestamp: w.end, outputs: {}, origin: { topic: raw.topic, partition, offset: -1 }, raw, fork: c.fork, release: c.release });
        });
      const s = source.subscribe({
        next(env) {
          const changed = state.add(env);
          if (state.spec.emit === "onClose" || !changed.length) return env.release();
          env.fork(changed.length - 1);
          for (const w of changed) sub.next({ ...env, key: w.key, value: w as unknown as Record<string, unknown> });
        },
        error: (e) => sub.error(e),
        complete: () => sub.complete(),
      });
      return () => {
        state.stop();
        s.unsubscribe();
      };
    });
}
