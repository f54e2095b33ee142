// The one result format every bench writes: bench/results/NAME.json
//   {"command","date","results":[{"name","value","unit","baseline","baseline_value","ratio","target","pass"}]}
// `ratio` is weir ÷ baseline, oriented so that bigger is better.
import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  baseline: string;
  baseline_value: number;
  ratio: number;
  target: number | null;
  pass: boolean | null;
}

/** Builds a result; `lowerIsBetter` flips the ratio (latencies) so bigger is still better. */
export function result(name: string, value: number, unit: string, baseline: string, baselineValue: number, target: number | null, lowerIsBetter = false): BenchResult {
  const raw = lowerIsBetter ? baselineValue / value : value / baselineValue;
  const ratio = Number.isFinite(raw) ? Math.round(raw * 1000) / 1000 : 0;
  return { name, value: round(value), unit, baseline, baseline_value: round(baselineValue), ratio, target, pass: target === null ? null : ratio >= target };
}

const round = (v: number) => (Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 1000) / 1000);

export function writeResults(name: string, command: string, results: BenchResult[], extra: Record<string, unknown> = {}): string {
  const dir = resolve(import.meta.dir, "../results");
  mkdirSync(dir, { recursive: true });
  // A name with a slash is a path of its own (tests write elsewhere than bench/results).
  const path = name.includes("/") ? resolve(name) : resolve(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({ command, date: new Date().toISOString(), results, ...extra }, null, 2) + "\n");
  return path;
}
