// What `weir run` says once it is up. On a terminal: a few lines a person reads — what runs,
// where, the development key, and links to open. Otherwise (a collector reads the logs): one JSON
// "ready" line with the same facts and without the key, which is in its git-ignored file.
import { printBlock, type Logger } from "../engine/log.ts";

export interface BannerFacts {
  topology: string;
  stages: string[];
  embedded: boolean;
  transport: string;
  store: "postgres" | "memory" | "none";
  url?: string;
  devKey?: string;
  devKeyFile?: string;
}

/** The terminal banner as text (no colour codes; the caller may add them). */
export function bannerText(f: BannerFacts): string {
  const lines = [
    "",
    `  weir is running ${f.topology} (stages: ${f.stages.join(", ")})`,
    `  transport  ${f.embedded ? "in-process (embedded: no Kafka; data lives in this process)" : f.transport}`,
    `  results    ${f.store === "postgres" ? "PostgreSQL (DATABASE_URL)" : f.store === "memory" ? "in memory (set DATABASE_URL to keep them)" : "not stored"}`,
  ];
  if (f.url) {
    const base = f.url.replace(/\/$/, "");
    lines.push(`  API        ${base}/`);
    if (f.devKey) lines.push(`  key        ${f.devKey}   (development only; kept in ${f.devKeyFile ?? "memory"})`);
    lines.push(`  dashboard  ${base}/dashboard${f.devKey ? `#key=${f.devKey}` : ""}`, `  API docs   ${base}/docs`, `  health     ${base}/health   metrics ${base}/metrics`);
    lines.push("", `  try:  curl -X POST ${base}/v1/messages -H "authorization: Bearer ${f.devKey ?? "$KEY"}" -H 'content-type: application/json' -d '{"conversationId":"c-1","text":"I was charged twice!"}'`);
  }
  lines.push("  Ctrl-C stops (drains first); a second Ctrl-C exits at once.", "");
  return lines.join("\n");
}

/** Prints the banner for a person, or logs the facts for a machine. */
export function announce(f: BannerFacts, log: Logger, pretty: boolean, write: (s: string) => void = printBlock): void {
  if (pretty) write(bannerText(f));
  else {
    const base = f.url?.replace(/\/$/, "");
    log.info("ready", { topology: f.topology, stages: f.stages, embedded: f.embedded, store: f.store, url: f.url, dashboard: base && `${base}/dashboard`, docs: base && `${base}/docs`, devKeyFile: f.devKey ? f.devKeyFile : undefined });
  }
}
