// A progress bar with rate and ETA for long work (replay, bench, data loading). On a TTY it
// redraws one line on stderr; otherwise it writes a structured JSON progress line at most once
// per `intervalMs`, so CI logs show progress without flooding.

export interface ProgressOptions {
  label: string;
  total?: number;
  unit?: string;
  intervalMs?: number;
  stream?: { write(s: string): unknown; isTTY?: boolean };
}

export class Progress {
  private done = 0;
  private readonly started = performance.now();
  private last = 0;
  private readonly stream: { write(s: string): unknown; isTTY?: boolean };
  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr;
  }
  tick(n = 1): void {
    this.done += n;
    const now = performance.now();
    if (now - this.last >= (this.opts.intervalMs ?? (this.stream.isTTY ? 100 : 2000))) {
      this.last = now;
      this.render(false);
    }
  }
  set(done: number): void {
    this.tick(done - this.done);
  }
  finish(): void {
    this.render(true);
  }
  snapshot() {
    const secs = (performance.now() - this.started) / 1000;
    const rate = secs > 0 ? this.done / secs : 0;
    const total = this.opts.total;
    const eta = total && rate > 0 ? Math.max(0, (total - this.done) / rate) : undefined;
    return { label: this.opts.label, done: this.done, total, rate, seconds: secs, eta };
  }
  private render(final: boolean) {
    const s = this.snapshot();
    const unit = this.opts.unit ?? "items";
    if (this.stream.isTTY) {
      const width = 28;
      const frac = s.total ? Math.min(1, s.done / s.total) : 0;
      const bar = s.total ? "█".repeat(Math.round(frac * width)).padEnd(width, "░") : "";
      const eta = s.eta !== undefined ? ` ETA ${fmtSecs(s.eta)}` : "";
      const pct = s.total ? ` ${(frac * 100).toFixed(0).padStart(3)}%` : "";
      this.stream.write(`\r${s.label} ${bar}${pct} ${s.done}${s.total ? "/" + s.total : ""} ${unit} ${fmtRate(s.rate)} ${unit}/s${eta}${final ? "\n" : ""}`);
    } else {
      this.stream.write(
        JSON.stringify({ time: new Date().toISOString(), level: "info", module: "progress", msg: final ? "done" : "progress", ...s, rate: Math.round(s.rate), eta: s.eta === undefined ? undefined : Math.round(s.eta), unit }) + "\n",
      );
    }
  }
}

function fmtRate(r: number) {
  return r >= 1e6 ? (r / 1e6).toFixed(2) + "M" : r >= 1e3 ? (r / 1e3).toFixed(1) + "k" : r.toFixed(0);
}
function fmtSecs(s: number) {
  return s >= 60 ? `${Math.floor(s / 60)}m${Math.round(s % 60)}s` : `${s.toFixed(0)}s`;
}
