// The weir side of bench/streams: topology/examples/wordcount.yaml with its topics and group
// replaced per run, run as a real `weir run FILE --no-api` process with KAFKA_BROKERS set
// (test/helpers/weir-process.ts).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { isSeq, parseDocument } from "yaml";
import { WeirProcess } from "../../test/helpers/weir-process.ts";
import type { WordCountApp } from "./app.ts";

export const WORDCOUNT = resolve(import.meta.dir, "../../topology/examples/wordcount.yaml");

export interface WeirOptions {
  brokers: string;
  input: string;
  output: string;
  group: string;
  exactlyOnce: boolean;
  /** Where the run's copy of the topology is written. */
  dir: string;
  logFile: string;
}

/**
 * The WordCount topology for one run: its one source reads `input` with group `group`, its one
 * topic sink writes `output`, the dead-letter topic is `<group>-dlq`; exactly-once sets
 * `delivery: exactly-once`. Everything else (and the comments) stays as in the example.
 */
export function fillTopology(yaml: string, o: Pick<WeirOptions, "input" | "output" | "group" | "exactlyOnce">): string {
  const doc = parseDocument(yaml);
  const sources = doc.get("sources");
  const sinks = doc.get("sinks");
  if (!isSeq(sources) || sources.items.length !== 1) throw new Error(`${WORDCOUNT}: sources: the bench expects exactly one source`);
  if (!isSeq(sinks) || sinks.items.length !== 1 || doc.getIn(["sinks", 0, "type"]) !== "topic") throw new Error(`${WORDCOUNT}: sinks: the bench expects exactly one sink, of type topic`);
  doc.setIn(["sources", 0, "topic"], o.input);
  doc.setIn(["sources", 0, "groupId"], o.group);
  doc.setIn(["sinks", 0, "topic"], o.output);
  if (doc.hasIn(["deadLetter", "topic"])) doc.setIn(["deadLetter", "topic"], `${o.group}-dlq`);
  if (o.exactlyOnce) doc.set("delivery", "exactly-once");
  return doc.toString();
}

export class WeirApp implements WordCountApp {
  readonly side = "weir" as const;
  readonly logFile: string;
  private readonly proc: WeirProcess;

  constructor(private readonly o: WeirOptions) {
    this.logFile = o.logFile;
    mkdirSync(o.dir, { recursive: true });
    const file = resolve(o.dir, `${o.group}.yaml`);
    writeFileSync(file, fillTopology(readFileSync(WORDCOUNT, "utf8"), o));
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
