// weir's side of the API bench: starts the real API (api/server.ts `startServer`) on port 0 against
// the bench's topic. Returns null while the API is not in the tree, so the bench still runs its
// baselines and says so in the result notes instead of failing.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { RunningServer } from "./baseline.ts";
import { WeirError } from "../../engine/errors.ts";

const SERVER = resolve(import.meta.dir, "../../api/server.ts");

export interface WeirApi extends RunningServer {
  /** WebSocket subscription URL and the way to make weir fan out, once the API exposes them. */
  wsUrl?: string;
  triggerUrl?: string;
}

export async function startWeirApi(opts: { brokers: string; topic: string }): Promise<WeirApi | null> {
  if (!existsSync(SERVER)) return null;
  const mod = (await import(SERVER)) as { startServer?: (o: Record<string, unknown>) => unknown };
  if (typeof mod.startServer !== "function") return null;
  const started = (await mod.startServer({ port: 0, hostname: "127.0.0.1", brokers: opts.brokers, topic: opts.topic, ingestTopic: opts.topic })) as {
    url?: string | URL;
    port?: number;
    server?: { port?: number };
    stop?: (force?: boolean) => unknown;
    close?: () => unknown;
  };
  const port = started.port ?? started.server?.port ?? (started.url ? Number(new URL(String(started.url)).port) : undefined);
  if (!port) throw new WeirError("INTERNAL", "api/server.ts startServer() returned no port; update bench/api/weir.ts to its contract");
  return {
    url: `http://127.0.0.1:${port}/v1/messages`,
    async stop() {
      await (started.stop?.(true) ?? started.close?.());
    },
  };
}
