// Documented exit codes of the `weir` command (README "Exit codes").
export const EXIT = {
  OK: 0,
  /** The work failed (a test, a benchmark target, an analysis with bad lines is still OK). */
  FAILURE: 1,
  /** Bad command line: unknown subcommand or option. */
  USAGE: 2,
  /** A file or input failed validation (topology, schema). */
  INVALID: 3,
  /** A dependency could not be reached: Kafka, PostgreSQL, a sink. */
  UNAVAILABLE: 4,
  /** Stopped by SIGINT. */
  INTERRUPTED: 130,
} as const;
