// A small Prometheus registry: counters, gauges and histograms with labels, rendered in the text
// exposition format at /metrics. Every module registers through `metrics` (the process registry).

type Labels = Record<string, string | number>;

const NEEDS_ESCAPE = /[\\"\n]/;
const escapeValue = (v: string) => (NEEDS_ESCAPE.test(v) ? v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n") : v);

/** Rendered label set, the series key. Hot paths call it per record, so the common shapes skip the sort and the escaping. */
function labelKey(labels: Labels | undefined): string {
  if (!labels) return "";
  let out = "";
  let sorted = true;
  let prev = "";
  for (const k in labels) {
    if (k < prev) {
      sorted = false;
      break;
    }
    prev = k;
    out += `${out ? "," : ""}${k}="${escapeValue(String(labels[k]))}"`;
  }
  if (sorted) return out;
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}="${escapeValue(String(labels[k]))}"`)
    .join(",");
}

abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: "counter" | "gauge" | "histogram",
  ) {}
  abstract render(): string[];
}

export class Counter extends Metric {
  private values = new Map<string, number>();
  constructor(name: string, help: string) {
    super(name, help, "counter");
  }
  inc(labels?: Labels, by = 1): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels?: Labels): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  /** Every series as [rendered labels, value] (dashboards and tests read these). */
  entries(): Array<[string, number]> {
    return [...this.values];
  }
  total(): number {
    let t = 0;
    for (const v of this.values.values()) t += v;
    return t;
  }
  render() {
    return [...this.values].map(([k, v]) => `${this.name}${k ? `{${k}}` : ""} ${v}`);
  }
}

export class Gauge extends Metric {
  private values = new Map<string, number>();
  constructor(name: string, help: string) {
    super(name, help, "gauge");
  }
  set(labels: Labels | undefined, v: number): void {
    this.values.set(labelKey(labels), v);
  }
  inc(labels?: Labels, by = 1): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  dec(labels?: Labels, by = 1): void {
    this.inc(labels, -by);
  }
  get(labels?: Labels): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  entries(): Array<[string, number]> {
    return [...this.values];
  }
  /** Drops series that no longer exist (revoked partitions, closed sockets). */
  remove(labels: Labels): void {
    this.values.delete(labelKey(labels));
  }
  render() {
    return [...this.values].map(([k, v]) => `${this.name}${k ? `{${k}}` : ""} ${v}`);
  }
}

export const DEFAULT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class Histogram extends Metric {
  private series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    name: string,
    help: string,
    readonly buckets: number[] = DEFAULT_BUCKETS,
  ) {
    super(name, help, "histogram");
  }
  observe(labels: Labels | undefined, value: number): void {
    this.observeKey(labelKey(labels), value);
  }
  /** One series with its label key rendered once, for hot paths that observe the same labels per record. */
  bind(labels?: Labels): { observe(value: number): void; startTimer(): () => number } {
    const k = labelKey(labels);
    return {
      observe: (value) => this.observeKey(k, value),
      startTimer: () => {
        const t0 = performance.now();
        return () => {
          const secs = (performance.now() - t0) / 1000;
          this.observeKey(k, secs);
          return secs;
        };
      },
    };
  }
  private observeKey(k: string, value: number): void {
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) s.counts[i]++;
    s.sum += value;
    s.count++;
  }
  /** Starts a timer; call the returned function to observe the elapsed seconds. */
  startTimer(labels?: Labels): () => number {
    const t0 = performance.now();
    return () => {
      const secs = (performance.now() - t0) / 1000;
      this.observe(labels, secs);
      return secs;
    };
  }
  get(labels?: Labels) {
    return this.series.get(labelKey(labels));
  }
  /** Each series' sum, count and cumulative bucket counts (aligned with `buckets`). */
  entries(): Array<[string, { sum: number; count: number; counts: number[] }]> {
    return [...this.series].map(([k, s]) => [k, { sum: s.sum, count: s.count, counts: [...s.counts] }]);
  }
  render() {
    const out: string[] = [];
    for (const [k, s] of this.series) {
      const sep = k ? k + "," : "";
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket{${sep}le="${b}"} ${s.counts[i]}`));
      out.push(`${this.name}_bucket{${sep}le="+Inf"} ${s.count}`);
      out.push(`${this.name}_sum${k ? `{${k}}` : ""} ${s.sum}`);
      out.push(`${this.name}_count${k ? `{${k}}` : ""} ${s.count}`);
    }
    return out;
  }
}

export class Registry {
  private metrics = new Map<string, Metric>();
  private collectors: Array<() => void> = [];
  private getOrCreate<M extends Metric>(name: string, make: () => M): M {
    const m = this.metrics.get(name);
    if (m) return m as M;
    const created = make();
    this.metrics.set(name, created);
    return created;
  }
  counter(name: string, help: string): Counter {
    return this.getOrCreate(name, () => new Counter(name, help));
  }
  gauge(name: string, help: string): Gauge {
    return this.getOrCreate(name, () => new Gauge(name, help));
  }
  histogram(name: string, help: string, buckets?: number[]): Histogram {
    return this.getOrCreate(name, () => new Histogram(name, help, buckets));
  }
  /** A callback run before each render, to refresh gauges that are cheaper to read on demand (lag, RSS). */
  onCollect(fn: () => void): () => void {
    this.collectors.push(fn);
    return () => {
      this.collectors = this.collectors.filter((f) => f !== fn);
    };
  }
  render(): string {
    for (const c of this.collectors) {
      try {
        c();
      } catch {
        /* a failing collector must not break /metrics */
      }
    }
    const lines: string[] = [];
    for (const m of this.metrics.values()) {
      lines.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`, ...m.render());
    }
    return lines.join("\n") + "\n";
  }
}

/** The process-wide registry served at /metrics. */
export const metrics = new Registry();
