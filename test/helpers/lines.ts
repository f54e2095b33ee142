// A child process's output, line by line: one reader for every helper that runs `weir run` (or a
// bench peer) and watches its log lines. JSON lines come back parsed, anything else as { text }.
export type LogLine = Record<string, unknown>;

/** Calls `onLine` with each complete line of `stream` (raw text and parsed), until the stream ends. */
export async function readLines(stream: ReadableStream<Uint8Array>, onLine: (raw: string, parsed: LogLine) => void): Promise<void> {
  const dec = new TextDecoder();
  let buf = "";
  for await (const chunk of stream) {
    buf += dec.decode(chunk, { stream: true });
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      let parsed: LogLine;
      try {
        parsed = JSON.parse(line);
      } catch {
        parsed = { text: line };
      }
      onLine(line, parsed);
    }
  }
}
