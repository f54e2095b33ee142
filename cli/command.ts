// A CLI subcommand: one file per command in cli/commands/, registered in cli/weir.ts.

export interface Command {
  name: string;
  summary: string;
  /** Full --help text: usage line, options, examples. */
  help: string;
  /** Returns the process exit code (see cli/exit-codes.ts). */
  run(argv: string[]): Promise<number>;
}
