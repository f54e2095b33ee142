// The weir side of bench/streams: topology/examples/wordcount.yaml (or, until that example is on
// main, the temporary copy beside this file) with its ${...} placeholders filled in per run, run as
// a real `weir run FILE --no-api` process with KAFKA_BROKERS set (test/helpers/weir-process.ts).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { WeirProcess } from "../../test/helpers/weir-process.ts";
import type { WordCountApp } from "./app.ts";

const EXAMPLE = resolve(import.meta.dir, "../../topology/examples/wordcount.yaml");
const TEMPORARY = resolve(import.meta.dir, "wordcount.yaml");

/** The topology file the bench runs, and whether it is the temporary copy. */
export function wordcountTemplate(): { path: string; temporary: boolean } {
  return existsSync(EXAMPLE) ? { path: EXAMPLE, temporary: false } : { path: TEMPORARY, temporary: true };
}

export interface WeirOptions {
  brokers: string;
  input: string;
  output: string;
  group: string;
  exactlyOnce: boolean;
  /** Where the filled-in topology is written. */
  dir: string;
  logFile: string;
}

/** Fills the placeholders; exactly-once adds `delivery: exactly-once` (a topology-level setting). */
export function fillTopology(template: string, o: Pick<WeirOptions, "input" | "output" | "group" | "exactlyOnce">): string {
  const filled = template.replaceAll("${input topic}", o.input).replaceAll("${output topic}", o.output).replaceAll("${group}", o.group);
  const left = filled
    .split("\n")
    .filter((l) => !/^\s*#/.test(l))
    .join("\n")
    .match(/\$\{[^}]*\}/);
  if (left) throw new Error(`${wordcountTemplate().path}: placeholder ${left[0]} is not one bench/streams fills (\${input topic}, \${output topic}, \${group})`);
  if (!o.exactlyOnce) return filled;
  if (/^delivery:/m.test(filled)) return filled.replace(/^delivery:.*$/m, "delivery: exactly-once");
  return filled.replace(/^version:.*$/m, (v) => `${v}\ndelivery: exactly-once`);
}

export class WeirApp implements WordCountApp {
  readonly side = "weir" as const;
  readonly logFile: string;
  private readonly proc: WeirProcess;

  constructor(private readonly o: WeirOptions) {
    this.logFile = o.logFile;
    mkdirSync(o.dir, { recursive: true });
    const file = resolve(o.dir, `${o.group}.yaml`);
    writeFileSync(file, fillTopology(readFileSync(wordcountTemplate().path, "utf8"), o));
    this.proc = new WeirProcess({ file, env: { KAFKA_BROKERS: o.brokers, WEIR_LOG_LEVEL: "info" }, logFile: o.logFile, name: "weir" });
  }

  get alive(): boolean {
    return this.proc.alive;
  }

  async start(): Promise<void> {
    try {
      await this.proc.start(120_000);
    } catch (e) {
      throw new Error(`${(e as Error).message}${this.problems().length ? `: ${this.problems().join(" | ")}` : ""}`, { cause: e });
    }
  }

  /** The group whose pipeline reads the input topic ("pipeline started" log), else the topology's groupId. */
  inputGroup(): string {
    const started = this.proc.lines.find((l) => l.msg === "pipeline started" && Array.isArray(l.sources) && (l.sources as string[]).includes(this.o.input));
    return typeof started?.group === "string" ? started.group : this.o.group;
  }

  /**
   * weir logs no line per record, so the nearest observable moment is the assignment of the input
   * topic's partitions ("partitions assigned", logged before fetching starts): earlier than the
   * first line consumed, which counts against weir, never for it.
   */
  firstConsumedAt(): number | null {
    for (const l of this.proc.lines) {
      if (l.msg !== "partitions assigned" || !Array.isArray(l.partitions)) continue;
      if ((l.partitions as Array<{ topic: string }>).some((p) => p.topic === this.o.input) && typeof l.time === "string") return Date.parse(l.time);
    }
    return null;
  }

  term(timeoutMs = 90_000): Promise<number> {
    return this.proc.term(timeoutMs);
  }

  kill(): Promise<void> {
    return this.proc.kill9();
  }

  /** Warnings and errors of the current incarnation, and plain-text lines (a refused topology prints its issues as text). */
  problems(): string[] {
    return this.proc.lines
      .filter((l) => typeof l.text === "string" || l.level === "warn" || l.level === "error" || l.level === "fatal")
      .map((l) => (typeof l.text === "string" ? l.text : [l.msg, l.error && JSON.stringify(l.error)].filter(Boolean).join(" ")))
      .slice(-10);
  }

  /** serde: number writes the count as a decimal string. */
  decode(value: Uint8Array | null): number {
    if (!value) return Number.NaN;
    const s = new TextDecoder().decode(value);
    return /^-?\d+$/.test(s) ? Number(s) : Number.NaN;
  }
}
