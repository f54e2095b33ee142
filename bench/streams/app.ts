// One WordCount application as bench/streams drives it, whichever engine runs it: a real process
// that can be started, stopped with SIGTERM halfway and started again with the same group (and
// state), and that says when it consumed its first line.

export type Side = "weir" | "kafka-streams";

export interface WordCountApp {
  readonly side: Side;
  /** Log file of every incarnation (for post-mortems). */
  readonly logFile: string;
  /** Spawns the process; resolves once it runs (rejects if it exits first). */
  start(): Promise<void>;
  /** The consumer group that reads the input topic (known once started). */
  inputGroup(): string;
  /**
   * When this incarnation consumed its first line, in ms since the epoch, or the nearest moment
   * before it that can be observed from outside; null until then. How each side knows it is in
   * its own file.
   */
  firstConsumedAt(): number | null;
  readonly alive: boolean;
  /** SIGTERM and wait for the exit (graceful: commit, flush, close). Returns the exit code. */
  term(timeoutMs?: number): Promise<number>;
  /** SIGKILL (clean-up after a failure). */
  kill(): Promise<void>;
  /** Why the process failed, from its own output (last error lines). */
  problems(): string[];
  /** An output record's value as a count (the two sides write different serdes). */
  decode(value: Uint8Array | null): number;
}
