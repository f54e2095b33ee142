// The Kafka Streams side of bench/streams: bench/peers/kafka-streams (the real WordCount on Kafka
// Streams 4.1) as its own JVM, built with Maven into bench/bin/kafka-streams/wordcount.jar when the
// jar is missing or older than its sources. The app prints JSON lines on stdout (state changes,
// its first consumed line, progress); SIGTERM runs streams.close() through the JVM's shutdown hook.
import { appendFileSync, existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { WordCountApp } from "./app.ts";

const PEER = resolve(import.meta.dir, "../peers/kafka-streams");
export const KS_JAR = resolve(import.meta.dir, "../bin/kafka-streams/wordcount.jar");
export const KS_VERSION = "4.1.2";

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds the jar when it is missing or stale: offline first (the local repository), then online. */
export function ensureKafkaStreamsJar(log: (msg: string) => void): string {
  if (existsSync(KS_JAR) && statSync(KS_JAR).mtimeMs >= Math.max(newestSource(join(PEER, "src")), statSync(join(PEER, "pom.xml")).mtimeMs)) return KS_JAR;
  for (const offline of [true, false]) {
    log(`building ${KS_JAR} with Maven${offline ? " (offline)" : ""}`);
    const r = Bun.spawnSync(["mvn", "-q", "-B", ...(offline ? ["-o"] : []), "-f", join(PEER, "pom.xml"), "package"], { stdout: "pipe", stderr: "pipe" });
    if (r.exitCode === 0 && existsSync(KS_JAR)) return KS_JAR;
    if (!offline) throw new Error(`mvn package failed for ${PEER} (exit ${r.exitCode}):\n${(r.stdout.toString() + r.stderr.toString()).slice(-3000)}`);
  }
  throw new Error("unreachable");
}

export interface KafkaStreamsOptions {
  brokers: string;
  input: string;
  output: string;
  applicationId: string;
  stateDir: string;
  guarantee: "at_least_once" | "exactly_once_v2";
  commitIntervalMs: number;
  /** group.instance.id (static membership), so a restart rejoins at once; see WordCount.java. */
  instanceId?: string;
  logFile: string;
}

interface Event {
  type: string;
  at?: number;
  state?: string;
  message?: string;
  clean?: boolean;
}

export class KafkaStreamsApp implements WordCountApp {
  readonly side = "kafka-streams" as const;
  readonly logFile: string;
  private proc: ReturnType<typeof Bun.spawn> | null = null;
  private exitCode: number | null = null;
  private events: Event[] = [];
  private stderrTail: string[] = [];
  private incarnation = 0;

  constructor(private readonly o: KafkaStreamsOptions) {
    this.logFile = o.logFile;
  }

  get alive(): boolean {
    return this.proc !== null && this.exitCode === null;
  }

  inputGroup(): string {
    return this.o.applicationId; // Kafka Streams' consumer group is its application.id
  }

  async start(timeoutMs = 120_000): Promise<void> {
    this.incarnation++;
    this.exitCode = null;
    const events: Event[] = [];
    this.events = events;
    this.stderrTail = [];
    const tag = `kafka-streams#${this.incarnation}`;
    const args = ["--bootstrap", this.o.brokers, "--input", this.o.input, "--output", this.o.output, "--application-id", this.o.applicationId, "--state-dir", this.o.stateDir, "--guarantee", this.o.guarantee, "--commit-interval-ms", String(this.o.commitIntervalMs), ...(this.o.instanceId ? ["--instance-id", this.o.instanceId] : [])];
    const p = Bun.spawn(["java", "-jar", KS_JAR, ...args], { stdout: "pipe", stderr: "pipe" });
    this.proc = p;
    void p.exited.then((code) => {
      if (this.proc === p) this.exitCode = code;
    });
    const pump = async (stream: ReadableStream<Uint8Array>, isOut: boolean) => {
      const dec = new TextDecoder();
      let buf = "";
      for await (const chunk of stream) {
        buf += dec.decode(chunk, { stream: true });
        let i: number;
        while ((i = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          appendFileSync(this.logFile, `${tag} ${line}\n`);
          if (isOut) {
            try {
              events.push(JSON.parse(line) as Event);
            } catch {
              /* not one of ours */
            }
          } else if (/WARN|ERROR|Exception/.test(line)) this.stderrTail = [...this.stderrTail.slice(-9), line];
        }
      }
    };
    void pump(p.stdout as ReadableStream<Uint8Array>, true);
    void pump(p.stderr as ReadableStream<Uint8Array>, false);
    const deadline = Date.now() + timeoutMs;
    while (!events.some((e) => e.type === "state" && e.state === "RUNNING")) {
      if (this.proc === p && this.exitCode !== null) throw new Error(`${tag} exited with ${this.exitCode} before RUNNING: ${this.problems().join(" | ")}`);
      if (events.some((e) => e.type === "error")) throw new Error(`${tag} failed: ${this.problems().join(" | ")}`);
      if (Date.now() > deadline) throw new Error(`${tag} not RUNNING after ${timeoutMs} ms; see ${this.logFile}`);
      await Bun.sleep(50);
    }
  }

  /** The first line the stream thread handed to flatMapValues (printed by the app itself). */
  firstConsumedAt(): number | null {
    return this.events.find((e) => e.type === "first")?.at ?? null;
  }

  async term(timeoutMs = 90_000): Promise<number> {
    const p = this.proc;
    if (!p || !this.alive) return this.exitCode ?? -1;
    p.kill("SIGTERM");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const code = await Promise.race([p.exited, new Promise<null>((r) => (timer = setTimeout(() => r(null), timeoutMs)))]);
    clearTimeout(timer);
    if (code === null) {
      p.kill("SIGKILL");
      this.exitCode = await p.exited;
      throw new Error(`kafka-streams#${this.incarnation} did not exit within ${timeoutMs} ms of SIGTERM (killed)`);
    }
    this.exitCode = code;
    const closed = this.events.find((e) => e.type === "closed");
    if (!closed?.clean) throw new Error(`kafka-streams#${this.incarnation}: streams.close() did not finish cleanly (exit ${code})`);
    return code;
  }

  async kill(): Promise<void> {
    if (this.proc && this.alive) {
      this.proc.kill("SIGKILL");
      this.exitCode = await this.proc.exited;
    }
  }

  problems(): string[] {
    return [...this.events.filter((e) => e.type === "error").map((e) => e.message ?? ""), ...this.stderrTail];
  }

  /** Serdes.Long(): 8 bytes, big-endian. */
  decode(value: Uint8Array | null): number {
    if (!value || value.length !== 8) return Number.NaN;
    return Number(new DataView(value.buffer, value.byteOffset, 8).getBigInt64(0));
  }
}
